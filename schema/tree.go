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
type kind int

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
// diagnostics.
type node struct {
	kind    kind
	rng     hcl.Range
	str     string     // kindString; kindRef: the function, "env" or "file"
	arg     string     // kindRef: the variable name or the path
	num     *big.Float // kindNumber
	boolean bool       // kindBool
	items   []*node    // kindList; kindBlocks: one body per block
	entries []*entry   // kindMap, in source order
	labels  []label    // a block body's labels (HCL)
	block   bool       // written as an HCL block, not as a value
}

type entry struct {
	key      string
	keyRange hcl.Range
	val      *node
}

type label struct {
	name string
	rng  hcl.Range
}
