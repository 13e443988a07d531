package reconcile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Errors of saved plans, for callers to test.
var (
	ErrPlanAltered = errors.New("the plan file was altered after it was written")
	ErrConfigMoved = errors.New("the config changed since the plan was made")
	ErrLiveMoved   = errors.New("the live state changed since the plan was made")
	ErrPlanDiffers = errors.New("the plan made now differs from the saved one")
)

// PlanFile is a saved plan. Its checksum covers the exact bytes of the
// body, so that apply runs only the plan that was reviewed. It holds no
// secret: passwords show as (sensitive), and apply reads secrets again.
type PlanFile struct {
	Body     PlanBody `json:"-"`
	Checksum string   `json:"checksum"`
}

// PlanBody is what a plan file says.
type PlanBody struct {
	Format    string    `json:"format"` // "mailform-plan"
	Version   string    `json:"mailform_version"`
	Created   time.Time `json:"created"`
	ConfigDir string    `json:"config_dir"` // as given to plan, relative to where it ran
	Targets   []string  `json:"targets,omitempty"`
	Plan      *Plan     `json:"plan"`
}

type planFileJSON struct {
	Checksum string          `json:"checksum"`
	Body     json.RawMessage `json:"body"`
}

// WritePlanFile saves a plan.
func WritePlanFile(path string, body PlanBody) error {
	body.Format = "mailform-plan"
	raw, err := json.MarshalIndent(body, "  ", "  ")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	out, err := json.MarshalIndent(planFileJSON{Checksum: "sha256:" + hex.EncodeToString(sum[:]), Body: raw}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o600)
}

// ReadPlanFile reads a saved plan and checks its checksum.
func ReadPlanFile(path string) (*PlanBody, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f planFileJSON
	if err := json.Unmarshal(b, &f); err != nil || len(f.Body) == 0 {
		return nil, fmt.Errorf("%s is not a mailform plan file", path)
	}
	var compact, indented bytes.Buffer
	if err := json.Compact(&compact, f.Body); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := json.Indent(&indented, compact.Bytes(), "  ", "  "); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sum := sha256.Sum256(indented.Bytes())
	if f.Checksum != "sha256:"+hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("%s: %w: its checksum does not match its content", path, ErrPlanAltered)
	}
	var body PlanBody
	if err := json.Unmarshal(f.Body, &body); err != nil || body.Format != "mailform-plan" || body.Plan == nil {
		return nil, fmt.Errorf("%s is not a mailform plan file", path)
	}
	if body.Plan.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s has plan format %d; this mailform reads %d", path, body.Plan.FormatVersion, FormatVersion)
	}
	return &body, nil
}

// SameAs reports whether two plans make the same changes, from the same
// config and the same live state.
func (p *Plan) SameAs(q *Plan) bool {
	a, errA := json.Marshal(p.json())
	b, errB := json.Marshal(q.json())
	return errA == nil && errB == nil && bytes.Equal(a, b)
}
