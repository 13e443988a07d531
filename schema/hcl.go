package schema

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// readHCL parses one HCL file into the syntax-neutral tree. Attribute values
// must be literals; the only calls allowed are env("NAME") and file("path"),
// which stay references and are never evaluated here.
func readHCL(filename string, src []byte) (*node, hcl.Diagnostics) {
	if n, ok := fastHCL(filename, src); ok {
		return n, nil
	}
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, diags
	}
	n, more := hclBody(body)
	return n, append(diags, more...)
}

func hclBody(b *hclsyntax.Body) (*node, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	n := &node{kind: kindMap, pos: spanOf(b.SrcRange), block: true}
	type placed struct {
		at int
		e  *entry
	}
	var all []placed
	for _, a := range b.Attributes {
		val, d := hclExpr(a.Expr)
		diags = append(diags, d...)
		all = append(all, placed{a.NameRange.Start.Byte, &entry{key: a.Name, keyPos: spanOf(a.NameRange), val: val}})
	}
	groups := map[string]*node{}
	for _, blk := range b.Blocks {
		item, d := hclBody(blk.Body)
		diags = append(diags, d...)
		item.pos = spanOf(hcl.RangeBetween(blk.TypeRange, blk.CloseBraceRange))
		for i, l := range blk.Labels {
			item.labels = append(item.labels, label{name: l, pos: spanOf(blk.LabelRanges[i])})
		}
		g, seen := groups[blk.Type]
		if !seen {
			g = &node{kind: kindBlocks, pos: spanOf(item.rng()), block: true}
			groups[blk.Type] = g
			all = append(all, placed{blk.TypeRange.Start.Byte, &entry{key: blk.Type, keyPos: spanOf(blk.TypeRange), val: g}})
		}
		g.items = append(g.items, item)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at < all[j].at })
	for _, p := range all {
		n.entries = append(n.entries, p.e)
	}
	return n, diags
}

// hclExpr turns an attribute's expression into a node without evaluating
// anything that could reach outside the file.
func hclExpr(expr hclsyntax.Expression) (*node, hcl.Diagnostics) {
	rng := expr.Range()
	switch e := expr.(type) {
	case *hclsyntax.FunctionCallExpr:
		return hclCall(e)
	case *hclsyntax.TupleConsExpr:
		n := &node{kind: kindList, pos: spanOf(rng)}
		var diags hcl.Diagnostics
		for _, item := range e.Exprs {
			v, d := hclExpr(item)
			diags = append(diags, d...)
			n.items = append(n.items, v)
		}
		return n, diags
	case *hclsyntax.ObjectConsExpr:
		n := &node{kind: kindMap, pos: spanOf(rng)}
		var diags hcl.Diagnostics
		for _, item := range e.Items {
			key, kd := objectKey(item.KeyExpr)
			if kd != nil {
				diags = append(diags, kd)
				continue
			}
			v, d := hclExpr(item.ValueExpr)
			diags = append(diags, d...)
			n.entries = append(n.entries, &entry{key: key, keyPos: spanOf(item.KeyExpr.Range()), val: v})
		}
		return n, diags
	case *hclsyntax.ScopeTraversalExpr:
		name := hcl.ExprAsKeyword(e)
		if name == "null" {
			return &node{kind: kindNull, pos: spanOf(rng)}, nil
		}
		return &node{kind: kindInvalid, pos: spanOf(rng)}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("bare word %s is not a value", traversalText(e.Traversal)),
			Detail:   fmt.Sprintf("mailform configs have no variables; quote the text: %q.", traversalText(e.Traversal)),
			Subject:  rng.Ptr(),
		}}
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return &node{kind: kindInvalid, pos: spanOf(rng)}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "only literal values are allowed here",
			Detail:   `mailform configs have no variables or expressions; write the value itself, or env("NAME") / file("path") for a secret.`,
			Subject:  rng.Ptr(),
		}}
	}
	return ctyNode(v, rng), nil
}

func objectKey(expr hclsyntax.Expression) (string, *hcl.Diagnostic) {
	if k, ok := expr.(*hclsyntax.ObjectConsKeyExpr); ok {
		if name := hcl.ExprAsKeyword(k.Wrapped); name != "" && !k.ForceNonLiteral {
			return name, nil
		}
		expr = k.Wrapped
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "object keys must be literal names or strings",
			Detail:   `Write the key as name = … or "name" = ….`,
			Subject:  expr.Range().Ptr(),
		}
	}
	return v.AsString(), nil
}

// hclCall reads env("NAME") and file("path"), the two secret references.
func hclCall(e *hclsyntax.FunctionCallExpr) (*node, hcl.Diagnostics) {
	rng := e.Range()
	if e.Name != "env" && e.Name != "file" {
		detail := `Only env("NAME") and file("path") may be called in a mailform config.`
		if s := suggest(e.Name, []string{"env", "file"}); s != "" {
			detail = fmt.Sprintf("Did you mean %s(…)? %s", s, detail)
		}
		return &node{kind: kindInvalid, pos: spanOf(rng)}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("unknown function %s()", e.Name),
			Detail:   detail,
			Subject:  e.NameRange.Ptr(),
		}}
	}
	bad := hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("%s() takes one quoted string", e.Name),
		Detail:   refUsage(e.Name),
		Subject:  rng.Ptr(),
	}}
	if len(e.Args) != 1 || e.ExpandFinal {
		return &node{kind: kindInvalid, pos: spanOf(rng)}, bad
	}
	v, diags := e.Args[0].Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return &node{kind: kindInvalid, pos: spanOf(rng)}, bad
	}
	return &node{kind: kindRef, pos: spanOf(rng), file: e.Name == "file", str: v.AsString()}, nil
}

func refUsage(fn string) string {
	if fn == "file" {
		return `Write file("path/to/secret"), with the path relative to the config directory.`
	}
	return `Write env("MAILFORM_VARIABLE_NAME"), naming an environment variable that holds the secret when mailform plans.`
}

func ctyNode(v cty.Value, rng hcl.Range) *node {
	switch {
	case v.IsNull():
		return &node{kind: kindNull, pos: spanOf(rng)}
	case !v.IsKnown():
		return &node{kind: kindNull, pos: spanOf(rng)}
	case v.Type() == cty.String:
		return &node{kind: kindString, pos: spanOf(rng), str: v.AsString()}
	case v.Type() == cty.Number:
		return &node{kind: kindNumber, pos: spanOf(rng), num: v.AsBigFloat()}
	case v.Type() == cty.Bool:
		return &node{kind: kindBool, pos: spanOf(rng), boolean: v.True()}
	case v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType():
		n := &node{kind: kindList, pos: spanOf(rng)}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			n.items = append(n.items, ctyNode(ev, rng))
		}
		return n
	case v.Type().IsMapType() || v.Type().IsObjectType():
		n := &node{kind: kindMap, pos: spanOf(rng)}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			n.entries = append(n.entries, &entry{key: k.AsString(), keyPos: spanOf(rng), val: ctyNode(ev, rng)})
		}
		return n
	}
	return &node{kind: kindNull, pos: spanOf(rng)}
}

func traversalText(t hcl.Traversal) string {
	s := ""
	for _, step := range t {
		switch st := step.(type) {
		case hcl.TraverseRoot:
			s += st.Name
		case hcl.TraverseAttr:
			s += "." + st.Name
		default:
			s += "[…]"
		}
	}
	return s
}
