package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writePlanFileWhole is how plan files were written before they were
// written change by change: the file must stay byte for byte the same.
func writePlanFileWhole(body PlanBody) ([]byte, error) {
	body.Format = "mailform-plan"
	raw, err := json.MarshalIndent(body, "  ", "  ")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	out, err := json.MarshalIndent(planFileJSON{Checksum: "sha256:" + hex.EncodeToString(sum[:]), Body: raw}, "", "  ")
	return append(out, '\n'), err
}

func TestWritePlanFile(t *testing.T) {
	created := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	changes := []*Change{
		(&Change{Address: "tenant.acme/domain.acme.example", Kind: KindDomain, Action: Create, Name: "acme.example", Provider: "default"}).
			WithFields(Field{Name: "description", After: "<b>Acme</b> & \"sons\"\u2028"}, Field{Name: "quota", Before: nil, After: "8 GB"}),
		(&Change{Address: "tenant.acme/domain.acme.example/mailbox.info", Kind: KindMailbox, Action: Delete, Name: "info@acme.example",
			Provider: "default", Destroys: true, PurgeAfter: "30d"}).
			WithFields(Field{Name: "password", Before: "(sensitive)", Sensitive: true}, Field{Name: "services", Before: []any{"imap", "smtp"}}),
		(&Change{Address: "tenant.acme/domain.acme.example/dns.mx", Kind: KindRecords, Action: Update, Name: "acme.example MX",
			Provider: "zones", Zone: "acme.example."}).
			WithFields(Field{Name: "records", Before: []any{"10 mx1.example."}, After: []any{"10 mx1.example.", "20 mx2.example."}}),
	}
	plans := map[string]*Plan{
		"empty": {FormatVersion: FormatVersion, Changes: []*Change{}, ConfigChecksum: "sha256:c", LiveFingerprint: "sha256:l"},
		"full": {FormatVersion: FormatVersion, Changes: changes,
			Notes:          []*Note{{Address: "tenant.acme/domain.acme.example", Kind: "unmanaged_dns", Text: "publish <these>", Records: []string{"acme.example. 300 IN TXT \"v=spf1 -all\""}}},
			Zones:          []*ZoneSummary{{Provider: "zones", Zone: "acme.example.", Existing: 4, Changed: 1, ThresholdPercent: 33, MinRecords: 10}},
			Proofs:         []*Proof{{Address: "tenant.acme/domain.acme.example", Domain: "acme.example", Record: "d1.acme.example. TXT x", Provider: "zones"}},
			ConfigChecksum: "sha256:c", LiveFingerprint: "sha256:l"},
	}
	for name, p := range plans {
		t.Run(name, func(t *testing.T) {
			body := PlanBody{Version: "test", Created: created, ConfigDir: "config", Targets: []string{"tenant.acme"}, Plan: p}
			want, err := writePlanFileWhole(body)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "plan.json")
			if err := WritePlanFile(path, body); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("plan file (-whole +streamed):\n%s", diff)
			}
			back, err := ReadPlanFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !back.Plan.SameAs(p) {
				t.Error("the plan read back is not the plan written")
			}
		})
	}
}
