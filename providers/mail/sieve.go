package mail

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Sieve is the autoresponder as a Sieve script (RFC 5228, vacation of
// RFC 5230, currentdate of RFC 5260), which the mail server runs at each
// delivery: the start–end window is checked when mail arrives, not when
// mailform runs. It answers each sender at most once a day.
func (a *Autoresponder) Sieve() string {
	if a == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("# Written by mailform: the mailbox's automatic reply.\n")
	b.WriteString(`require ["vacation", "date", "relational"];` + "\n")
	var conds []string
	if a.Start != nil {
		conds = append(conds, `currentdate :zone "+0000" :value "ge" "iso8601" `+sieveString(sieveTime(*a.Start)))
	}
	if a.End != nil {
		conds = append(conds, `currentdate :zone "+0000" :value "lt" "iso8601" `+sieveString(sieveTime(*a.End)))
	}
	reply := "vacation :days 1 :subject " + sieveString(a.Subject) + " " + sieveString(a.Body) + ";\n"
	if len(conds) == 0 {
		b.WriteString(reply)
		return b.String()
	}
	b.WriteString("if allof(" + strings.Join(conds, ",\n         ") + ") {\n  " + reply + "}\n")
	return b.String()
}

// SieveID names a script's text, so that the server sees when it changes.
func SieveID(script string) string {
	if script == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(script))
	return hex.EncodeToString(sum[:12])
}

// sieveTime is a moment as Sieve's currentdate "iso8601" gives it in UTC.
func sieveTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// sieveString quotes s as a Sieve string: only " and \ are escaped, line
// breaks are kept as CRLF.
func sieveString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
	return `"` + s + `"`
}
