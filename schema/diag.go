package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// SortDiagnostics orders diagnostics by file and position, those without a
// place first.
func SortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		case a.Start.Line != b.Start.Line:
			return a.Start.Line < b.Start.Line
		}
		return a.Start.Column < b.Start.Column
	})
}

// WriteDiagnostics prints each diagnostic as
//
//	file:line:col: summary
//	   12 |     quota = "9GB"
//	      |             ^^^^^
//	  What would be right.
//
// The source line is left out where it may hold a secret. With color set,
// the summary is bold and the severity coloured (for a terminal).
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, srcs Sources, color bool) error {
	var b bytes.Buffer
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	for _, d := range diags {
		prefix := ""
		if d.Subject != nil {
			prefix = place(*d.Subject) + ": "
		}
		sev := paint("1;31", "error: ")
		if d.Severity == hcl.DiagWarning {
			sev = paint("1;33", "warning: ")
		}
		if d.Severity == hcl.DiagError && !color {
			sev = ""
		}
		fmt.Fprintf(&b, "%s%s%s\n", prefix, sev, paint("1", d.Summary))
		if _, secret := d.Extra.(Sensitive); !secret && d.Subject != nil {
			if src, kept := srcs[d.Subject.Filename]; kept {
				writeSnippet(&b, *d.Subject, echoable(d.Subject.Filename, src), paint)
			}
		}
		if d.Detail != "" {
			fmt.Fprintf(&b, "  %s\n", d.Detail)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// secretCall finds an env() or file() call in a config file's text.
var secretCall = regexp.MustCompile(`\b(env|file)\s*\(`)

// echoable is the text of a config file whose lines may be shown (read
// again when src is nil), or nil: a file reached through a symbolic link
// may be anything the link points to (a .env file parses as HCL
// attributes), and one that names a secret keeps its lines to itself.
func echoable(path string, src []byte) []byte {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return nil
	}
	if src == nil {
		var err error
		if src, err = readRegular(path, MaxConfigFile); err != nil {
			return nil
		}
	}
	if secretCall.Match(src) {
		return nil
	}
	return src
}

func writeSnippet(b *bytes.Buffer, r hcl.Range, src []byte, paint func(string, string) string) {
	if src == nil || r.Start.Line < 1 {
		return
	}
	lines := strings.Split(string(src), "\n")
	if r.Start.Line > len(lines) {
		return
	}
	line := strings.TrimRight(lines[r.Start.Line-1], "\r")
	if utf8.RuneCountInString(line) > 200 {
		return
	}
	num := fmt.Sprint(r.Start.Line)
	gutter := strings.Repeat(" ", len(num))
	fmt.Fprintf(b, "  %s | %s\n", num, strings.ReplaceAll(line, "\t", " "))
	start := r.Start.Column
	width := 1
	if r.End.Line == r.Start.Line && r.End.Column > start {
		width = r.End.Column - start
	}
	if start < 1 || start > utf8.RuneCountInString(line)+1 {
		return
	}
	fmt.Fprintf(b, "  %s | %s%s\n", gutter, strings.Repeat(" ", start-1), paint("1;31", strings.Repeat("^", width)))
}

// DiagnosticJSON is one diagnostic in `mailform validate --json`.
type DiagnosticJSON struct {
	Severity  string `json:"severity"` // "error" or "warning"
	Summary   string `json:"summary"`
	Detail    string `json:"detail,omitempty"`
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	EndLine   int    `json:"end_line,omitempty"`
	EndColumn int    `json:"end_column,omitempty"`
}

// DiagnosticsJSON converts diagnostics for machine output.
func DiagnosticsJSON(diags hcl.Diagnostics) []DiagnosticJSON {
	out := make([]DiagnosticJSON, 0, len(diags))
	for _, d := range diags {
		j := DiagnosticJSON{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			j.Severity = "warning"
		}
		if s := d.Subject; s != nil {
			j.File, j.Line, j.Column, j.EndLine, j.EndColumn = s.Filename, s.Start.Line, s.Start.Column, s.End.Line, s.End.Column
		}
		out = append(out, j)
	}
	return out
}

// WriteDiagnosticsJSON writes diagnostics as a JSON array.
func WriteDiagnosticsJSON(w io.Writer, diags hcl.Diagnostics) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(DiagnosticsJSON(diags))
}

// Count returns how many errors and warnings there are.
func Count(diags hcl.Diagnostics) (errors, warnings int) {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}
