package mail

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSieve(t *testing.T) {
	start := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 8, 25, 12, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	for _, c := range []struct {
		name string
		ar   *Autoresponder
		want string
	}{
		{"none", nil, ""},
		{"always", &Autoresponder{Subject: `Away "now"`, Body: "Line 1\nC:\\temp"},
			"# Written by mailform: the mailbox's automatic reply.\n" +
				`require ["vacation", "date", "relational"];` + "\n" +
				`vacation :days 1 :subject "Away \"now\"" "Line 1` + "\r\n" + `C:\\temp";` + "\n"},
		{"window", &Autoresponder{Subject: "Away", Body: "Back soon.", Start: &start, End: &end},
			"# Written by mailform: the mailbox's automatic reply.\n" +
				`require ["vacation", "date", "relational"];` + "\n" +
				`if allof(currentdate :zone "+0000" :value "ge" "iso8601" "2026-08-01T00:00:00Z",` + "\n" +
				`         currentdate :zone "+0000" :value "lt" "iso8601" "2026-08-25T10:30:00Z") {` + "\n" +
				`  vacation :days 1 :subject "Away" "Back soon.";` + "\n}\n"},
	} {
		if diff := cmp.Diff(c.want, c.ar.Sieve()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	if SieveID("") != "" || SieveID("a") == SieveID("b") || len(SieveID("a")) != 24 {
		t.Error("SieveID does not tell scripts apart")
	}
}
