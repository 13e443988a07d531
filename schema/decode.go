package schema

import (
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// decoder turns a syntax-neutral tree into the model. It reports every
// problem it meets and goes on, so that one run shows all of them.
type decoder struct {
	report
	syn  syntax
	refs []SecretRef // the env() and file() references decoded
}

// decodeFile decodes one file's tree into a Config of its own; the loader
// merges the files' configs.
func decodeFile(n *node, syn syntax) (*Config, hcl.Diagnostics) {
	d := &decoder{syn: syn}
	cfg := &Config{}
	d.body(n, reflect.ValueOf(cfg).Elem(), blockName{}, n.rng())
	cfg.refs = d.refs
	return cfg, d.diags
}

// body decodes a block's body (or a YAML mapping) into the struct v.
// blockName names a block in messages. It is put into words only for a
// message: a large config has a block per mailbox.
type blockName struct {
	kind, label string
	index       int // the Nth of an unlabelled list, from 1
}

func (b blockName) String() string {
	switch {
	case b.kind == "":
		return "the top level"
	case b.label != "":
		return fmt.Sprintf("%s %q", b.kind, b.label)
	case b.index > 0:
		return fmt.Sprintf("%s #%d", b.kind, b.index)
	}
	return "the " + b.kind + " block"
}

func (d *decoder) body(n *node, v reflect.Value, what blockName, nameRange hcl.Range) {
	spec := specOf(v.Type())
	nd := v.Addr().Interface().(nodeHolder).node()
	nd.NameRange = nameRange
	nd.Attrs = make([]AttrRange, 0, len(n.entries))
	seen := func(key string, upTo int) (hcl.Range, bool) {
		for _, e := range n.entries[:upTo] {
			if e.key == key {
				return e.keyRange(), true
			}
		}
		return hcl.Range{}, false
	}
	for i, e := range n.entries {
		if first, dup := seen(e.key, i); dup {
			d.errorf(e.keyRange(), fmt.Sprintf("It is already set at %s; keep one of the two.", place(first)),
				"%s is set twice in %s", e.key, what)
			continue
		}
		f := spec.lookup(e.key, d.syn)
		if f == nil {
			if spec.remain != nil && e.val.kind != kindBlocks {
				d.setting(e, v.Field(spec.remain.index))
				continue
			}
			d.unknown(e, spec, what)
			continue
		}
		d.field(e, f, v.Field(f.index), nd, what)
	}
	for _, f := range spec.fields {
		if f.required {
			if _, ok := seen(f.key(d.syn), len(n.entries)); !ok {
				d.errorf(nameRange, fmt.Sprintf("Add %s.", example(f, d.syn)), "%s needs %s", what, f.key(d.syn))
			}
		}
	}
}

func (d *decoder) unknown(e *entry, spec *structSpec, what blockName) {
	thing := "key"
	if d.syn == syntaxHCL {
		thing = "attribute"
		if e.val.kind == kindBlocks {
			thing = "block"
		}
	}
	names := spec.names(d.syn)
	if spec.remain != nil {
		names = append(names, "(settings of the provider type)")
	}
	detail := fmt.Sprintf("%s takes: %s.", capitalize(what.String()), strings.Join(names, ", "))
	if s := suggest(e.key, spec.names(d.syn)); s != "" {
		detail = fmt.Sprintf("Did you mean %q? %s", s, detail)
	}
	d.errorf(e.keyRange(), detail, "unknown %s %q in %s", thing, e.key, what)
}

func (d *decoder) field(e *entry, f *field, fv reflect.Value, nd *Node, what blockName) {
	val := e.val
	if f.kind == fieldAttr {
		if val.kind == kindBlocks {
			d.errorf(e.keyRange(), fmt.Sprintf("Write it as an attribute: %s.", example(f, d.syn)), "%s is an attribute, not a block", f.name)
			return
		}
		if val.kind == kindNull {
			return
		}
		nd.setAttr(f.name, val.pos)
		if val.kind == kindInvalid {
			return
		}
		d.value(val, f, fv, nd, f.name)
		return
	}
	if val.kind == kindInvalid {
		return
	}
	if d.syn == syntaxHCL && val.kind != kindBlocks {
		d.errorf(e.keyRange(), fmt.Sprintf("Write it as a block: %s { … }.", f.name), "%s is a block, not an attribute", f.name)
		return
	}
	et := blockType(f.typ)
	switch f.kind {
	case fieldBlock:
		d.single(e, f, fv, et)
	case fieldBlocks:
		d.labelled(e, f, fv, et)
	case fieldList:
		d.list(e, f, fv, et)
	}
}

// single decodes one unlabelled nested block.
func (d *decoder) single(e *entry, f *field, fv reflect.Value, et reflect.Type) {
	var body *node
	switch {
	case e.val.kind == kindBlocks:
		for i, item := range e.val.items {
			if i > 0 {
				d.errorf(item.rng(), fmt.Sprintf("It is already defined at %s; keep one %s block.", place(e.val.items[0].rng()), f.name),
					"%s is defined twice", f.name)
				continue
			}
			if len(item.labels) > 0 {
				d.errorf(item.labels[0].rng(), fmt.Sprintf("Write %s { … } without a name.", f.name), "%s block takes no label", f.name)
			}
			body = item
		}
	case e.val.kind == kindMap:
		body = e.val
	case e.val.kind == kindNull:
		body = &node{kind: kindMap, pos: spanOf(e.val.rng())}
	default:
		d.errorf(e.val.rng(), fmt.Sprintf("Write %s as a mapping of its settings.", f.yamlName), "%s must be a mapping, not %s", f.yamlName, e.val.kind)
		return
	}
	if body == nil {
		return
	}
	ptr := reflect.New(et)
	d.body(body, ptr.Elem(), blockName{kind: f.name}, e.keyRange())
	fv.Set(ptr)
}

// labelled decodes a collection of named blocks: mailbox "info" { … } in
// HCL, mailboxes: {info: {…}} in YAML.
func (d *decoder) labelled(e *entry, f *field, fv reflect.Value, et reflect.Type) {
	add := func(name string, nameRange hcl.Range, body *node) {
		if !d.plainText(name, nameRange, f.name+" name", false) {
			return
		}
		ptr := reflect.New(et)
		spec := specOf(et)
		ptr.Elem().Field(spec.label.index).SetString(name)
		d.body(body, ptr.Elem(), blockName{kind: f.name, label: name}, nameRange)
		fv.Set(reflect.Append(fv, ptr))
	}
	switch e.val.kind {
	case kindBlocks:
		for _, item := range e.val.items {
			if len(item.labels) != 1 {
				rng := item.rng()
				if len(item.labels) > 1 {
					rng = item.labels[1].rng()
				}
				d.errorf(rng, fmt.Sprintf("Write %s \"name\" { … }.", f.name), "%s takes exactly one name", f.name)
				continue
			}
			add(item.labels[0].name, item.labels[0].rng(), item)
		}
	case kindMap:
		for _, ent := range e.val.entries {
			body := ent.val
			switch body.kind {
			case kindNull:
				body = &node{kind: kindMap, pos: spanOf(ent.keyRange())}
			case kindMap:
			default:
				d.errorf(body.rng(), fmt.Sprintf("Under %s, map each name to its settings: %s: {…}.", f.yamlName, ent.key),
					"%s %q must be a mapping of its settings, not %s", f.name, ent.key, body.kind)
				continue
			}
			add(ent.key, ent.keyRange(), body)
		}
	case kindNull:
	default:
		d.errorf(e.val.rng(), fmt.Sprintf("Write %s as a mapping from each name to its settings.", f.yamlName),
			"%s must be a mapping of names, not %s", f.yamlName, e.val.kind)
	}
}

// list decodes repeated unlabelled blocks: record { … } record { … } in
// HCL, records: [{…}, {…}] in YAML.
func (d *decoder) list(e *entry, f *field, fv reflect.Value, et reflect.Type) {
	add := func(body *node, i int) {
		ptr := reflect.New(et)
		d.body(body, ptr.Elem(), blockName{kind: f.name, index: i + 1}, body.rng())
		fv.Set(reflect.Append(fv, ptr))
	}
	switch e.val.kind {
	case kindBlocks:
		for i, item := range e.val.items {
			if len(item.labels) > 0 {
				d.errorf(item.labels[0].rng(), fmt.Sprintf("Write %s { … } without a name.", f.name), "%s block takes no label", f.name)
			}
			add(item, i)
		}
	case kindList:
		for i, item := range e.val.items {
			if item.kind != kindMap {
				d.errorf(item.rng(), fmt.Sprintf("Each item of %s is a mapping of its settings.", f.yamlName), "%s item must be a mapping, not %s", f.yamlName, item.kind)
				continue
			}
			add(item, i)
		}
	case kindNull:
	default:
		d.errorf(e.val.rng(), fmt.Sprintf("Write %s as a list of mappings.", f.yamlName), "%s must be a list, not %s", f.yamlName, e.val.kind)
	}
}

var (
	sizeType     = reflect.TypeOf(Size(0))
	secretType   = reflect.TypeOf(Secret{})
	servicesType = reflect.TypeOf(Services(0))
	dateType     = reflect.TypeOf(Date{})
	periodType   = reflect.TypeOf(Period(0))
	enumType     = reflect.TypeOf((*enum)(nil)).Elem()
	envName      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// value decodes one attribute value into fv. key names it in Node.Attrs.
func (d *decoder) value(n *node, f *field, fv reflect.Value, nd *Node, key string) {
	t := fv.Type()
	if t.Kind() == reflect.Pointer {
		ptr := reflect.New(t.Elem())
		before := len(d.diags)
		if d.value(n, f, ptr.Elem(), nd, key); len(d.diags) == before {
			fv.Set(ptr)
		}
		return
	}
	mismatch := func() {
		d.errorf(n.rng(), fmt.Sprintf("Write %s.", d.sample(f.name, t, f.secret)), "%s must be %s, not %s", f.name, describe(t, f.secret), n.kind)
	}
	switch {
	case t == secretType:
		d.secret(n, f, fv)
	case t == sizeType:
		if n.kind != kindString {
			mismatch()
			return
		}
		s, err := ParseSize(n.str)
		if err != nil {
			d.errorf(n.rng(), fmt.Sprintf("Write %s.", d.sample(f.name, t, f.secret)), "%s: %s", f.name, err)
			return
		}
		fv.SetInt(int64(s))
	case t == servicesType:
		if n.kind != kindList {
			mismatch()
			return
		}
		var set Services
		names := make([]string, len(AllServices))
		for i, s := range AllServices {
			names[i] = string(s)
		}
		for i, item := range n.items {
			nd.setAttr(fmt.Sprintf("%s.%d", key, i), item.pos)
			if item.kind != kindString || serviceBit(Service(strings.ToLower(item.str))) == 0 {
				detail := "The services are imap, pop3, smtp and webmail."
				if s := suggest(item.str, names); s != "" && item.kind == kindString {
					detail = fmt.Sprintf("Did you mean %q? %s", s, detail)
				}
				d.errorf(item.rng(), detail, "unknown service %s", shown(item))
				continue
			}
			set |= serviceBit(Service(strings.ToLower(item.str)))
		}
		fv.SetUint(uint64(set))
	case t == dateType:
		if n.kind != kindString {
			mismatch()
			return
		}
		dt, err := ParseDate(n.str)
		if err != nil {
			d.errorf(n.rng(), "Write a day as \"2026-08-01\" or a moment as \"2026-08-01T09:00:00+02:00\".", "%s: %s", f.name, err)
			return
		}
		fv.Set(reflect.ValueOf(dt))
	case t == periodType:
		if n.kind != kindString {
			mismatch()
			return
		}
		p, err := ParsePeriod(n.str)
		if err != nil {
			d.errorf(n.rng(), fmt.Sprintf("Write %s.", d.sample(f.name, t, f.secret)), "%s: %s", f.name, err)
			return
		}
		fv.SetInt(int64(p))
	case t.Implements(enumType):
		if n.kind != kindString {
			mismatch()
			return
		}
		vals := reflect.Zero(t).Interface().(enum).values()
		for _, v := range vals {
			if strings.EqualFold(v, n.str) {
				fv.SetString(v)
				return
			}
		}
		detail := fmt.Sprintf("%s is one of %s.", f.name, quoteList(vals))
		if s := suggest(n.str, vals); s != "" {
			detail = fmt.Sprintf("Did you mean %q? %s", s, detail)
		}
		d.errorf(n.rng(), detail, "%s %q is not one of %s", f.name, n.str, quoteList(vals))
	case t.Kind() == reflect.String:
		if n.kind != kindString {
			if n.kind == kindRef {
				d.errorf(n.rng(), fmt.Sprintf("%s is not a secret; write the value itself.", f.name), "%s takes no %s() reference", f.name, n.refFunc())
				return
			}
			mismatch()
			return
		}
		if !d.plainText(n.str, n.rng(), f.name, f.lines) {
			return
		}
		fv.SetString(n.str)
	case t.Kind() == reflect.Int:
		i, ok := wholeNumber(n)
		if !ok {
			mismatch()
			return
		}
		fv.SetInt(i)
	case t.Kind() == reflect.Bool:
		if n.kind != kindBool {
			mismatch()
			return
		}
		fv.SetBool(n.boolean)
	case t.Kind() == reflect.Slice:
		if n.kind != kindList {
			mismatch()
			return
		}
		out := reflect.MakeSlice(t, 0, len(n.items))
		for i, item := range n.items {
			ek := fmt.Sprintf("%s.%d", key, i)
			nd.setAttr(ek, item.pos)
			if item.kind == kindInvalid {
				continue
			}
			ev := reflect.New(t.Elem()).Elem()
			before := len(d.diags)
			d.value(item, f, ev, nd, ek)
			if len(d.diags) == before {
				out = reflect.Append(out, ev)
			}
		}
		fv.Set(out)
	default:
		panic(fmt.Sprintf("schema: no decoder for %s", t))
	}
}

func wholeNumber(n *node) (int64, bool) {
	if n.kind != kindNumber || n.num == nil || !n.num.IsInt() {
		return 0, false
	}
	i, acc := n.num.Int64()
	if acc != big.Exact || i > 1<<31 || i < -(1<<31) {
		return 0, false
	}
	return i, true
}

// plainText refuses control characters in a string: a line break, a NUL
// or an escape sequence in a name, a DNS value or a subject would reach a
// zone file, a mail header or a terminal as it is. A text of lines
// (multiline) may hold line breaks and tabs.
func (d *decoder) plainText(s string, rng hcl.Range, what string, lines bool) bool {
	c, at := controlChar(s, lines)
	if at < 0 {
		return true
	}
	detail := "Write it on one line, with printable characters only."
	if lines {
		detail = "Line breaks and tabs are allowed here; other control characters are not."
	}
	d.errorf(rng, detail, "%s holds the control character %U at byte %d", what, c, at)
	return false
}

// controlChar finds the first control character of s (C0, DEL, C1, and
// the Unicode line and paragraph separators), allowing line breaks and
// tabs in a text of lines; at is -1 when there is none.
func controlChar(s string, lines bool) (c rune, at int) {
	for i, r := range s {
		switch {
		case lines && (r == '\n' || r == '\r' || r == '\t'):
		case r < 0x20, r >= 0x7f && r < 0xa0, r == '\u2028', r == '\u2029':
			return r, i
		}
	}
	return 0, -1
}

// secret decodes a password or credential. A literal is accepted only where
// a crypt hash is expected, and only when it is one; nothing here ever puts
// the value into a diagnostic.
func (d *decoder) secret(n *node, f *field, fv reflect.Value) {
	switch n.kind {
	case kindRef:
		if !d.plainText(n.str, n.rng(), n.refFunc()+"()", false) {
			return
		}
		s := Secret{Kind: SecretEnv, Ref: n.str}
		if n.file {
			s.Kind = SecretFile
			if strings.TrimSpace(n.str) == "" {
				d.errorf(n.rng(), refUsage("file"), "file() needs a path")
				return
			}
		} else if !envName.MatchString(n.str) {
			d.errorf(n.rng(), "A variable name is letters, digits and underscores, not starting with a digit: env(\"MAILFORM_ACME_INFO_PASSWORD\").",
				"env(%q) does not name an environment variable", n.str)
			return
		}
		fv.Set(reflect.ValueOf(s))
		d.refs = append(d.refs, SecretRef{s, n.rng()})
	case kindString:
		if f.secret == secretHashRef {
			if problem := checkHash(n.str); problem != hashOK {
				d.diags = append(d.diags, hashDiagnostic(n.rng(), f.name, problem))
				return
			}
			fv.Set(reflect.ValueOf(Secret{Kind: SecretHash, Hash: n.str}))
			return
		}
		d.diags = append(d.diags, plaintextDiagnostic(n.rng(), f.name))
	default:
		d.errorf(n.rng(), fmt.Sprintf("Write %s.", d.sample(f.name, secretType, f.secret)), "%s must be %s, not %s", f.name, describe(secretType, f.secret), n.kind)
	}
}

// setting decodes a provider-specific attribute; providerTypes checks it.
func (d *decoder) setting(e *entry, fv reflect.Value) {
	if fv.IsNil() {
		fv.Set(reflect.MakeMap(fv.Type()))
	}
	n := e.val
	s := &Setting{Range: n.rng()}
	switch n.kind {
	case kindString:
		if !d.plainText(n.str, n.rng(), e.key, false) {
			return
		}
		s.Kind, s.String = SettingString, n.str
	case kindNumber:
		i, ok := wholeNumber(n)
		if !ok {
			d.errorf(n.rng(), "Write a whole number.", "%s must be a whole number", e.key)
			return
		}
		s.Kind, s.Int = SettingInt, int(i)
	case kindBool:
		s.Kind, s.Bool = SettingBool, n.boolean
	case kindRef:
		if !d.plainText(n.str, n.rng(), n.refFunc()+"()", false) {
			return
		}
		sec := Secret{Kind: SecretEnv, Ref: n.str}
		if n.file {
			sec.Kind = SecretFile
		}
		s.Kind, s.Secret = SettingSecret, &sec
		d.refs = append(d.refs, SecretRef{sec, s.Range})
	case kindList:
		s.Kind = SettingList
		for _, item := range n.items {
			if item.kind != kindString {
				d.errorf(item.rng(), "Write a list of strings.", "%s must be a list of strings", e.key)
				return
			}
			if !d.plainText(item.str, item.rng(), e.key, false) {
				return
			}
			s.List = append(s.List, item.str)
		}
	case kindNull, kindInvalid:
		return
	default:
		d.errorf(n.rng(), "Provider settings are strings, numbers, booleans, lists of strings or env()/file() references.", "%s cannot be %s", e.key, n.kind)
		return
	}
	fv.SetMapIndex(reflect.ValueOf(e.key), reflect.ValueOf(s))
}

// describe says in words what a field takes.
func describe(t reflect.Type, sp secretPolicy) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == secretType && sp == secretRefOnly:
		return `env("NAME") or file("path")`
	case t == secretType:
		return `a crypt hash or env("NAME") / file("path")`
	case t == sizeType:
		return `a size such as "8GB"`
	case t == servicesType:
		return `a list of services`
	case t == dateType:
		return `a date such as "2026-08-01"`
	case t == periodType:
		return `a period such as "30d"`
	case t.Implements(enumType):
		return "one of " + quoteList(reflect.Zero(t).Interface().(enum).values())
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Int:
		return "a whole number"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Int:
		return "a list of whole numbers"
	case t.Kind() == reflect.Slice && t.Elem() == sizeType:
		return `a list of sizes such as ["8GB", "25GB"]`
	case t.Kind() == reflect.Slice:
		return "a list of strings"
	}
	return t.String()
}

// exampleOf writes a sample value for a field, in the syntax-neutral form
// name = value used in details.
func exampleOf(name string, t reflect.Type, sp secretPolicy) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var v string
	switch {
	case t == secretType && sp == secretRefOnly:
		v = `env("MAILFORM_ACME_INFO_PASSWORD")`
	case t == secretType:
		v = `"{SHA512-CRYPT}$6$…"`
	case t == sizeType:
		v = `"8GB"`
	case t == servicesType:
		v = `["imap", "smtp", "webmail"]`
	case t == dateType:
		v = `"2026-08-01"`
	case t == periodType:
		v = `"30d"`
	case t.Implements(enumType):
		v = fmt.Sprintf("%q", reflect.Zero(t).Interface().(enum).values()[0])
	case t.Kind() == reflect.String:
		v = `"…"`
	case t.Kind() == reflect.Int:
		v = "10"
	case t.Kind() == reflect.Bool:
		v = "true"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Int:
		v = "[250, 1000]"
	case t.Kind() == reflect.Slice && t.Elem() == sizeType:
		v = `["8GB", "25GB"]`
	default:
		v = `["…"]`
	}
	return name + " = " + v
}

// sample is exampleOf in the decoder's syntax.
func (d *decoder) sample(name string, t reflect.Type, sp secretPolicy) string {
	ex := exampleOf(name, t, sp)
	if d.syn == syntaxYAML {
		return strings.Replace(ex, " = ", ": ", 1)
	}
	return ex
}

func example(f *field, syn syntax) string {
	if f.kind != fieldAttr {
		if syn == syntaxYAML {
			return f.yamlName + ": {…}"
		}
		return f.name + " { … }"
	}
	ex := exampleOf(f.name, f.typ, f.secret)
	if syn == syntaxYAML {
		return strings.Replace(ex, " = ", ": ", 1)
	}
	return ex
}

func shown(n *node) string {
	if n.kind == kindString {
		return fmt.Sprintf("%q", n.str)
	}
	return n.kind.String()
}

func quoteList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// place writes a range as file:line:col.
func place(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
