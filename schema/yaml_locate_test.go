package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// bigYAML is a config of n tenants, each with a domain and two mailboxes,
// followed by tail: about 250 bytes a tenant.
func bigYAML(n int, tail string) []byte {
	var b bytes.Buffer
	b.WriteString("platform:\n  mail_host: mail.example.net\n  webmail_url: https://webmail.example.net\n  verification_ip: 192.0.2.16\ntenants:\n")
	for i := range n {
		fmt.Fprintf(&b, "  t%06d:\n    display_name: Customer %d\n    domains:\n      d%06d.example:\n        mailboxes:\n          info:\n            quota: 8GB\n          sales:\n            quota: 8GB\n", i, i, i)
	}
	b.WriteString(tail)
	return b.Bytes()
}

// yamlCases are syntax errors at the end of a large file, the line each
// is at counted from the end (0: the last line), and the problem.
var yamlCases = []struct {
	name, tail string
	fromEnd    int
	problem    string
}{
	{"a mailbox's key indented one space less", "  tlast:\n    domains:\n      z.example:\n        mailboxes:\n          info:\n            quota: 8GB\n           display_name: Info\n", 0, "did not find expected key"},
	{"a tenant's key indented one space less", " tlast:\n    display_name: X\n", 1, "did not find expected key"},
	{"a domain's key indented one space less", "  tlast:\n    domains:\n      a.example:\n        dns: x\n     b.example:\n        dns: y\n", 1, "did not find expected key"},
	{"an unclosed list", "  tlast:\n    services: [imap, pop3\n    display_name: X\n", 1, "did not find expected ',' or ']'"},
	{"a list item among keys", "  tlast:\n    display_name: X\n    - imap\n", 0, "did not find expected key"},
	{"a tab", "  tlast:\n\tdisplay_name: X\n", 0, "found character that cannot start any token"},
	{"an unknown anchor", "  tlast:\n    display_name: *nowhere\n", 0, "unknown anchor 'nowhere' referenced"},
}

// A syntax error at the end of a large file is placed at its line by
// parsing again a few lines, not the file: the bytes parsed again stay
// under 64 KB at 2 MB (linear: they do not grow with the file).
func TestYAMLErrorLocatedInLinearTime(t *testing.T) {
	for _, c := range yamlCases {
		t.Run(c.name, func(t *testing.T) {
			src := bigYAML(8000, c.tail)
			in := &lineReader{src: src}
			err := yaml.NewDecoder(in).Decode(new(yaml.Node))
			if err == nil || errors.Is(err, io.EOF) {
				t.Fatal("no error")
			}
			p := newPositions("big.yaml", src)
			want := bytes.Count(src, []byte("\n")) - c.fromEnd
			d := p.yamlError(err, in.lines)
			if got := d.Subject.Start.Line; got != want || d.Summary != "YAML syntax: "+c.problem {
				t.Errorf("%s at line %d, want %q at line %d", d.Summary, got, c.problem, want)
			}
			if p.reparsed > 64<<10 {
				t.Errorf("%d bytes parsed again to place the error in %d", p.reparsed, len(src))
			}
		})
	}
}

// BenchmarkYAMLSyntaxError reads a 50 MB config whose last lines hold a
// syntax error: placing it (locate-s) must stay under 2 s, beside the
// parse itself (parse-s).
func BenchmarkYAMLSyntaxError(b *testing.B) {
	for _, c := range yamlCases {
		src := bigYAML(280000, c.tail)
		b.Run(c.name, func(b *testing.B) {
			var parse, locate time.Duration
			for range b.N {
				start := time.Now()
				in := &lineReader{src: src}
				err := yaml.NewDecoder(in).Decode(new(yaml.Node))
				parsed := time.Now()
				newPositions("big.yaml", src).yamlError(err, in.lines)
				parse += parsed.Sub(start)
				locate += time.Since(parsed)
			}
			b.ReportMetric(float64(len(src))/1e6, "MB")
			b.ReportMetric(parse.Seconds()/float64(b.N), "parse-s")
			b.ReportMetric(locate.Seconds()/float64(b.N), "locate-s")
		})
	}
}
