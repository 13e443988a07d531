package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/mailform/mailform/reconcile/plan"
)

// JSONPlan is the JSON view of a plan, version FormatVersion; the format is
// described in docs/plan-json.md. Fields are only ever added within a
// version.
type JSONPlan struct {
	FormatVersion   int                 `json:"format_version"`
	MailformVersion string              `json:"mailform_version"`
	Summary         JSONSummary         `json:"summary"`
	Changes         []plan.ChangeJSON   `json:"changes"`
	Notes           []*plan.Note        `json:"notes"`
	Zones           []*plan.ZoneSummary `json:"zones"`
	Proofs          []*plan.Proof       `json:"ownership_proofs,omitempty"`
	DKIM            []*plan.Proof       `json:"dkim_publications,omitempty"`
	Safety          JSONSafety          `json:"safety"`
	ConfigChecksum  string              `json:"config_checksum"`
	LiveFingerprint string              `json:"live_fingerprint"`
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

// JSON writes a plan for machines. The changes are written one at a
// time: a first import's plan is hundreds of MB of JSON, and encoding it
// whole holds it twice, once as encoded and once indented.
func JSON(w io.Writer, p *plan.Plan, version string) error {
	n := p.Count()
	out := JSONPlan{
		FormatVersion:   plan.FormatVersion,
		MailformVersion: version,
		Summary:         JSONSummary{Add: n.Add, Change: n.Change, Destroy: n.Destroy, Empty: p.Empty()},
		Changes:         []plan.ChangeJSON{},
		Notes:           p.Notes,
		Zones:           p.Zones,
		Proofs:          p.Proofs,
		DKIM:            p.DKIM,
		Safety:          JSONSafety{NeedsAllowDestroy: []string{}, NeedsForce: []string{}},
		ConfigChecksum:  p.ConfigChecksum,
		LiveFingerprint: p.LiveFingerprint,
	}
	if out.Notes == nil {
		out.Notes = []*plan.Note{}
	}
	if out.Zones == nil {
		out.Zones = []*plan.ZoneSummary{}
	}
	for _, c := range p.Destroys() {
		out.Safety.NeedsAllowDestroy = append(out.Safety.NeedsAllowDestroy, c.Address)
	}
	for _, z := range p.ForceNeeded() {
		out.Safety.NeedsForce = append(out.Safety.NeedsForce, z.Provider+"/"+z.Zone)
	}
	var doc bytes.Buffer
	if err := encoder(&doc, "").Encode(out); err != nil {
		return err
	}
	if len(p.Changes) == 0 {
		_, err := w.Write(doc.Bytes())
		return err
	}
	// The document is written around its empty list of changes, which
	// then gets them. The key is found by the newline before it: in a
	// string a newline is escaped, so only the key itself has one there.
	const key = "\n  \"changes\": "
	at := bytes.Index(doc.Bytes(), []byte(key+"[]"))
	if at < 0 {
		return fmt.Errorf("render: no changes key in the JSON plan")
	}
	b := bufio.NewWriterSize(w, 64<<10)
	b.Write(doc.Bytes()[:at+len(key)])
	b.WriteString("[\n")
	var one bytes.Buffer
	enc := encoder(&one, "    ")
	for i, c := range p.Changes {
		one.Reset()
		if err := enc.Encode(c.JSON()); err != nil {
			return err
		}
		b.WriteString("    ")
		b.Write(bytes.TrimSuffix(one.Bytes(), []byte("\n")))
		if i < len(p.Changes)-1 {
			b.WriteString(",\n")
		}
	}
	b.WriteString("\n  ]")
	b.Write(doc.Bytes()[at+len(key)+len("[]"):])
	return b.Flush()
}

// encoder writes JSON as the plan has it: indented by two, HTML left as
// it is, each line after the first behind prefix.
func encoder(w io.Writer, prefix string) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc
}
