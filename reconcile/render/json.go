package render

import (
	"encoding/json"
	"io"

	"github.com/mailform/mailform/reconcile"
)

// JSONPlan is the JSON view of a plan, version FormatVersion; the format is
// described in docs/plan-json.md. Fields are only ever added within a
// version.
type JSONPlan struct {
	FormatVersion   int                      `json:"format_version"`
	MailformVersion string                   `json:"mailform_version"`
	Summary         JSONSummary              `json:"summary"`
	Changes         []reconcile.ChangeJSON   `json:"changes"`
	Notes           []*reconcile.Note        `json:"notes"`
	Zones           []*reconcile.ZoneSummary `json:"zones"`
	Safety          JSONSafety               `json:"safety"`
	ConfigChecksum  string                   `json:"config_checksum"`
	LiveFingerprint string                   `json:"live_fingerprint"`
}

// JSONSummary counts the changes.
type JSONSummary struct {
	Add     int  `json:"add"`
	Change  int  `json:"change"`
	Destroy int  `json:"destroy"`
	Empty   bool `json:"empty"`
}

// JSONSafety lists what apply refuses without a flag.
type JSONSafety struct {
	NeedsAllowDestroy []string `json:"needs_allow_destroy"` // addresses
	NeedsForce        []string `json:"needs_force"`         // zones, as provider/zone
}

// JSON writes a plan for machines.
func JSON(w io.Writer, p *reconcile.Plan, version string) error {
	n := p.Count()
	out := JSONPlan{
		FormatVersion:   reconcile.FormatVersion,
		MailformVersion: version,
		Summary:         JSONSummary{Add: n.Add, Change: n.Change, Destroy: n.Destroy, Empty: p.Empty()},
		Changes:         make([]reconcile.ChangeJSON, len(p.Changes)),
		Notes:           p.Notes,
		Zones:           p.Zones,
		Safety:          JSONSafety{NeedsAllowDestroy: []string{}, NeedsForce: []string{}},
		ConfigChecksum:  p.ConfigChecksum,
		LiveFingerprint: p.LiveFingerprint,
	}
	for i, c := range p.Changes {
		out.Changes[i] = c.JSON()
	}
	if out.Notes == nil {
		out.Notes = []*reconcile.Note{}
	}
	if out.Zones == nil {
		out.Zones = []*reconcile.ZoneSummary{}
	}
	for _, c := range p.Destroys() {
		out.Safety.NeedsAllowDestroy = append(out.Safety.NeedsAllowDestroy, c.Address)
	}
	for _, z := range p.ForceNeeded() {
		out.Safety.NeedsForce = append(out.Safety.NeedsForce, z.Provider+"/"+z.Zone)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
