package schema

import (
	"math/big"

	"github.com/hashicorp/hcl/v2"
)

// syntax is the language a file is written in. The two syntaxes share one
// model; they differ in how a collection of labelled blocks is spelled
// (`mailbox "info" {}` in HCL, `mailboxes: {info: {}}` in YAML).
type syntax int

const (
	syntaxHCL syntax = iota + 1
	syntaxYAML
)

func (s syntax) String() string {
	if s == syntaxYAML {
		return "YAML"
	}
	return "HCL"
}

// kind is the shape of a node of the syntax-neutral tree.
type kind uint8

const (
	kindNull kind = iota
	kindString
	kindNumber
	kindBool
	kindList
	kindMap
	kindRef     // env("NAME") or file("path")
	kindBlocks  // HCL blocks of one type: items are bodies with labels
	kindInvalid // a value already reported as wrong: written, but not usable
)

func (k kind) String() string {
	switch k {
	case kindString:
		return "a string"
	case kindNumber:
		return "a number"
	case kindBool:
		return "a boolean"
	case kindList:
		return "a list"
	case kindMap:
		return "a map"
	case kindRef:
		return "a secret reference"
	case kindBlocks:
		return "a block"
	case kindInvalid:
		return "an invalid value"
	}
	return "nothing (null)"
}

// node is one value of a config file, whichever syntax it was written in.
// Both loaders turn a file into a tree of nodes; one decoder turns that tree
// into the model, so that both syntaxes give the same model and the same
// diagnostics. A large reseller's config holds millions of nodes, so a node
// is kept small: its range is a span, and the fields are ordered to leave
// no gaps.
type node struct {
	pos     span
	kind    kind
	boolean bool       // kindBool
	block   bool       // written as an HCL block, not as a value
	file    bool       // kindRef: file("path"), not env("NAME")
	str     string     // kindString; kindRef: the variable name or the path
	num     *big.Float // kindNumber
	items   []*node    // kindList; kindBlocks: one body per block
	entries []*entry   // kindMap, in source order
	labels  []label    // a block body's labels (HCL)
}

// rng is where the node was written.
func (n *node) rng() hcl.Range { return n.pos.rng() }

// refFunc is a reference's function, as written: "env" or "file".
func (n *node) refFunc() string {
	if n.file {
		return "file"
	}
	return "env"
}

type entry struct {
	key    string
	keyPos span
	val    *node
}

// keyRange is where the entry's key was written.
func (e *entry) keyRange() hcl.Range { return e.keyPos.rng() }

type label struct {
	name string
	pos  span
}

func (l label) rng() hcl.Range { return l.pos.rng() }

// span is a range of a config file in 40 bytes, where an hcl.Range takes
// 64: its positions are 32-bit numbers, as in the model's AttrRange.
type span struct {
	file       string
	start, end pos32
}

func spanOf(r hcl.Range) span {
	return span{r.Filename, compactPos(r.Start), compactPos(r.End)}
}

func (s span) rng() hcl.Range {
	return hcl.Range{Filename: s.file, Start: s.start.pos(), End: s.end.pos()}
}
