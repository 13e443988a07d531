package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writeFileWhole is how plan files were written before they were
// written change by change: the file must stay byte for byte the same.
func writeFileWhole(body Body) ([]byte, error) {
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
			body := Body{Version: "test", Created: created, ConfigDir: "config", Targets: []string{"tenant.acme"}, Plan: p}
			want, err := writeFileWhole(body)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "plan.json")
			if err := WriteFile(path, body); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("plan file (-whole +streamed):\n%s", diff)
			}
			back, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !back.Plan.SameAs(p) {
				t.Error("the plan read back is not the plan written")
			}
			toApply, err := ReadFileToApply(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(back, toApply, cmp.Comparer(func(a, b *Plan) bool { return a.SameAs(b) && b.SameAs(a) })); diff != "" {
				t.Errorf("read to be applied (-whole +digest):\n%s", diff)
			}
			if !toApply.Plan.SameAs(p) || !p.SameAs(toApply.Plan) {
				t.Error("the plan read to be applied is not the plan written")
			}
			if len(p.Changes) > 0 {
				other := *p
				other.Changes = append([]*Change{}, p.Changes...)
				other.Changes[0] = &Change{Address: "x", Kind: KindDomain, Action: Create, Name: "x.example"}
				if toApply.Plan.SameAs(&other) || toApply.Plan.SameAs(&Plan{FormatVersion: p.FormatVersion, Changes: p.Changes[1:],
					Notes: p.Notes, Zones: p.Zones, Proofs: p.Proofs, ConfigChecksum: p.ConfigChecksum, LiveFingerprint: p.LiveFingerprint}) {
					t.Error("the plan read to be applied is the same as one with another change, or one change fewer")
				}
			}

			// Laid out again, with tabs: still the same plan.
			var buf bytes.Buffer
			if err := json.Indent(&buf, got, "", "\t"); err != nil {
				t.Fatal(err)
			}
			relaid := buf.Bytes()
			if err := os.WriteFile(path, relaid, 0o600); err != nil {
				t.Fatal(err)
			}
			if back, err := ReadFile(path); err != nil || !back.Plan.SameAs(p) {
				t.Errorf("the plan laid out again: %v", err)
			}

			// Altered: refused, whether laid out as written or not.
			for _, file := range [][]byte{got, relaid} {
				altered := bytes.Replace(file, []byte("sha256:c"), []byte("sha256:d"), 1)
				if err := os.WriteFile(path, altered, 0o600); err != nil {
					t.Fatal(err)
				}
				if _, err := ReadFile(path); !errors.Is(err, ErrAltered) {
					t.Errorf("an altered plan file: %v, want ErrAltered", err)
				}
			}
		})
	}
}

// SameAs compares plans change by change, as their JSON.
func TestSameAs(t *testing.T) {
	mk := func(name string, after any) *Plan {
		return &Plan{FormatVersion: FormatVersion, ConfigChecksum: "c", LiveFingerprint: "l", Changes: []*Change{
			(&Change{Address: "a", Kind: KindDomain, Action: Create, Name: "a.example"}).WithFields(Field{Name: "x", After: "1"}),
			(&Change{Address: "b", Kind: KindDomain, Action: Create, Name: name}).WithFields(Field{Name: "x", After: after}),
		}}
	}
	base := mk("b.example", "2")
	for _, tc := range []struct {
		name string
		q    *Plan
		want bool
	}{
		{"same", mk("b.example", "2"), true},
		{"a change's name", mk("c.example", "2"), false},
		{"a field", mk("b.example", "3"), false},
		{"a change fewer", &Plan{FormatVersion: FormatVersion, ConfigChecksum: "c", LiveFingerprint: "l", Changes: base.Changes[:1]}, false},
		{"the config", &Plan{FormatVersion: FormatVersion, ConfigChecksum: "d", LiveFingerprint: "l", Changes: base.Changes}, false},
	} {
		if got := base.SameAs(tc.q); got != tc.want {
			t.Errorf("%s: SameAs = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The body of a plan file is read from disk, where anything may be: it
// decodes without panicking, and when it is a plan, to the plan a whole
// decoding finds.
func FuzzDecodeBody(f *testing.F) {
	p := &Plan{FormatVersion: FormatVersion, ConfigChecksum: "c", LiveFingerprint: "l", Changes: []*Change{
		(&Change{Address: "a", Kind: KindDomain, Action: Create, Name: "a.example"}).WithFields(Field{Name: "x", After: "<1>"}),
	}}
	path := filepath.Join(f.TempDir(), "plan.json")
	if err := WriteFile(path, Body{Version: "v", ConfigDir: "c", Plan: p}); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	body, err := checkedBody(path, b)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body)
	f.Add([]byte(`{"format": "mailform-plan", "plan": {"changes": [], "format_version": 1}}`))
	f.Add([]byte(`{"plan": {"changes": [{"address": 1}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeBody(raw)
		var whole Body
		wholeErr := json.Unmarshal(raw, &whole)
		if err != nil || wholeErr != nil || got.Plan == nil || whole.Plan == nil {
			return
		}
		if !got.Plan.SameAs(whole.Plan) || !whole.Plan.SameAs(got.Plan) {
			t.Errorf("decoded change by change, the plan differs from the one decoded whole")
		}
	})
}
