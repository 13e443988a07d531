// Command genschema writes the files generated from the model, so that
// what is committed stays what the model says: the JSON Schema of the YAML
// form and the configuration reference. Run it with go generate ./schema.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mailform/mailform/schema"
)

func main() {
	jsonOut := flag.String("schema", "mailform.schema.json", "JSON Schema file to write")
	refOut := flag.String("reference", "../docs/configuration.md", "Markdown reference file to write")
	flag.Parse()
	b, err := schema.JSONSchema()
	if err == nil {
		err = os.WriteFile(*jsonOut, b, 0o644)
	}
	if err == nil {
		err = os.WriteFile(*refOut, schema.Reference(), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}
