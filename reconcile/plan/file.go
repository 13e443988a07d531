package plan

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"time"
)

// Errors of saved plans, for callers to test.
var (
	ErrAltered     = errors.New("the plan file was altered after it was written")
	ErrConfigMoved = errors.New("the config changed since the plan was made")
	ErrLiveMoved   = errors.New("the live state changed since the plan was made")
	ErrDiffers     = errors.New("the plan made now differs from the saved one")
)

// File is a saved plan. Its checksum covers the exact bytes of the
// body, so that apply runs only the plan that was reviewed. It holds no
// secret: passwords show as (sensitive), and apply reads secrets again.
type File struct {
	Body     Body   `json:"-"`
	Checksum string `json:"checksum"`
}

// Body is what a plan file says.
type Body struct {
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

// WriteFile saves a plan. The file is what
//
//	json.MarshalIndent(planFileJSON{Checksum: …, Body: json.MarshalIndent(body, "  ", "  ")}, "", "  ")
//
// gives, plus a newline, but written change by change: a first import's
// plan is hundreds of MB of JSON, and encoding it whole, then indenting
// it, takes several times that. The checksum, which comes before the body
// it covers, is written last, over a placeholder of its length.
func WriteFile(path string, body Body) (err error) {
	body.Format = "mailform-plan"
	head, tail, err := bodyAround(body)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	w.WriteString(fileOpen + strings.Repeat("0", sha256.Size*2) + fileBody)
	sum := sha256.New()
	out := io.MultiWriter(w, sum)
	if _, err := out.Write(head); err != nil {
		return err
	}
	if changes := body.Plan.Changes; len(changes) == 0 {
		io.WriteString(out, "[]")
	} else {
		// The changes sit at the third level of the body, whose lines
		// all start with two spaces more.
		const indent = "        "
		var one bytes.Buffer
		enc := json.NewEncoder(&one)
		enc.SetIndent(indent, "  ")
		io.WriteString(out, "[\n")
		for i, c := range changes {
			one.Reset()
			if err := enc.Encode(c.JSON()); err != nil {
				return err
			}
			io.WriteString(out, indent)
			out.Write(bytes.TrimSuffix(one.Bytes(), []byte("\n")))
			if i < len(changes)-1 {
				io.WriteString(out, ",\n")
			}
		}
		io.WriteString(out, "\n      ]")
	}
	if _, err := out.Write(tail); err != nil {
		return err
	}
	w.WriteString(fileEnd)
	if err := w.Flush(); err != nil {
		return err
	}
	_, err = f.WriteAt([]byte(hex.EncodeToString(sum.Sum(nil))), int64(len(fileOpen)))
	return err
}

// bodyAround encodes a plan file's body with an empty list of changes
// and returns what comes before that list and after it: the list is
// written between them, change by change.
func bodyAround(body Body) (head, tail []byte, err error) {
	plan := *body.Plan
	plan.Changes = nil
	body.Plan = &plan
	doc, err := json.MarshalIndent(body, "  ", "  ")
	if err != nil {
		return nil, nil, err
	}
	return splitChanges(doc)
}

// splitChanges finds the empty list of changes in an encoded body. The
// key is found by the newline before it, at its depth: in a string a
// newline is escaped, so only the key itself has one there.
func splitChanges(doc []byte) (head, tail []byte, err error) {
	const key = "\n      \"changes\": "
	at := bytes.Index(doc, []byte(key+"[]"))
	if at < 0 {
		return nil, nil, errors.New("plan file: no changes key in the body")
	}
	return doc[:at+len(key)], doc[at+len(key)+len("[]"):], nil
}

// ReadFile reads a saved plan and checks its checksum.
func ReadFile(path string) (*Body, error) {
	return readFile(path, func(raw []byte) (*Body, error) {
		var body Body
		err := json.Unmarshal(raw, &body)
		return &body, err
	})
}

// readFile reads a saved plan, checks its checksum, and decodes its
// body with decode.
func readFile(path string, decode func([]byte) (*Body, error)) (*Body, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw, err := checkedBody(path, b)
	if err != nil {
		return nil, err
	}
	body, err := decode(raw)
	if err != nil || body.Format != "mailform-plan" || body.Plan == nil {
		return nil, fmt.Errorf("%s is not a mailform plan file", path)
	}
	if body.Plan.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s has plan format %d; this mailform reads %d", path, body.Plan.FormatVersion, FormatVersion)
	}
	return body, nil
}

// Where WriteFile puts the checksum and the body.
const (
	fileOpen = "{\n  \"checksum\": \"sha256:"
	fileBody = "\",\n  \"body\": "
	fileEnd  = "\n}\n"
)

// checkedBody checks a plan file's checksum and returns its body. A file
// as WriteFile wrote it is checked where it lies; one whose JSON was
// laid out again since is checked in the layout WriteFile gives it, which
// takes copies of it.
func checkedBody(path string, b []byte) ([]byte, error) {
	hexLen := sha256.Size * 2
	if n := len(fileOpen) + hexLen + len(fileBody); len(b) > n+len(fileEnd) && string(b[:len(fileOpen)]) == fileOpen &&
		string(b[len(fileOpen)+hexLen:n]) == fileBody && bytes.HasSuffix(b, []byte(fileEnd)) {
		body := b[n : len(b)-len(fileEnd)]
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) == string(b[len(fileOpen):len(fileOpen)+hexLen]) {
			return body, nil
		}
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
		return nil, fmt.Errorf("%s: %w: its checksum does not match its content", path, ErrAltered)
	}
	return f.Body, nil
}

// ReadFileToApply reads a saved plan as apply needs it: its changes
// are read one at a time into a digest that SameAs compares, and not
// kept beside the plan made again.
func ReadFileToApply(path string) (*Body, error) {
	return readFile(path, decodeBody)
}

// decodeBody decodes a plan file's body, the plan's changes into a digest.
func decodeBody(raw []byte) (*Body, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var plan *Plan
	rest, err := decodeObject(dec, "plan", func() (err error) { plan, err = decodePlan(dec); return err })
	if err != nil {
		return nil, err
	}
	var body Body
	if err := json.Unmarshal(rest, &body); err != nil {
		return nil, err
	}
	body.Plan = plan
	return &body, nil
}

// decodePlan decodes a saved plan with its changes in a digest.
func decodePlan(dec *json.Decoder) (*Plan, error) {
	sum := sha256.New()
	n := 0
	rest, err := decodeObject(dec, "changes", func() error {
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return errors.New("changes: not a list")
		}
		for dec.More() {
			var c ChangeJSON
			if err := dec.Decode(&c); err != nil {
				return err
			}
			if err := digestChange(sum, c.change()); err != nil {
				return err
			}
			n++
		}
		_, err := dec.Token()
		return err
	})
	if err != nil {
		return nil, err
	}
	var j planJSON
	if err := json.Unmarshal(rest, &j); err != nil {
		return nil, err
	}
	return &Plan{FormatVersion: j.FormatVersion, Notes: j.Notes, Zones: j.Zones, Proofs: j.Proofs, DKIM: j.DKIM,
		ConfigChecksum: j.ConfigChecksum, LiveFingerprint: j.LiveFingerprint,
		savedChanges: n, savedDigest: sum.Sum(nil)}, nil
}

// decodeObject reads a JSON object from dec. The member named special
// (matched as encoding/json matches names, regardless of case) is read by
// decode, and may come once; the others are returned as an object of
// their own, in their order, for json.Unmarshal.
func decodeObject(dec *json.Decoder, special string, decode func() error) ([]byte, error) {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	rest := []byte{'{'}
	seen := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		if strings.EqualFold(key, special) {
			if seen {
				return nil, fmt.Errorf("%s: given twice", special)
			}
			seen = true
			if err := decode(); err != nil {
				return nil, err
			}
			continue
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		k, err := json.Marshal(key)
		if err != nil {
			return nil, err
		}
		if len(rest) > 1 {
			rest = append(rest, ',')
		}
		rest = append(append(append(rest, k...), ':'), v...)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return append(rest, '}'), nil
}

// digestChange adds a change's JSON to a digest of a plan's changes.
func digestChange(sum hash.Hash, c *Change) error {
	b, err := json.Marshal(c.JSON())
	if err != nil {
		return err
	}
	sum.Write(b)
	sum.Write([]byte{'\n'}) // a change's JSON has none
	return nil
}

// changesDigest is the number of a plan's changes and their digest.
func (p *Plan) changesDigest() (int, []byte, error) {
	if p.savedDigest != nil {
		return p.savedChanges, p.savedDigest, nil
	}
	sum := sha256.New()
	for _, c := range p.Changes {
		if err := digestChange(sum, c); err != nil {
			return 0, nil, err
		}
	}
	return len(p.Changes), sum.Sum(nil), nil
}

// SameAs reports whether two plans make the same changes, from the same
// config and the same live state: whether their JSON is the same. It is
// compared change by change, not encoded whole, and by digest when one of
// them was read to be applied.
func (p *Plan) SameAs(q *Plan) bool {
	pw, qw := *p, *q
	pw.Changes, qw.Changes = nil, nil
	if !sameJSON(pw.json(), qw.json()) {
		return false
	}
	if p.savedDigest != nil || q.savedDigest != nil {
		n, a, errA := p.changesDigest()
		m, b, errB := q.changesDigest()
		return errA == nil && errB == nil && n == m && bytes.Equal(a, b)
	}
	if len(p.Changes) != len(q.Changes) {
		return false
	}
	for i := range p.Changes {
		if !sameJSON(p.Changes[i].JSON(), q.Changes[i].JSON()) {
			return false
		}
	}
	return true
}

func sameJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}
