package spec_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/org/appbuild/spec"
)

// TestExamplesMatchSchema: every example spec parses, and validates against
// the committed JSON Schema with an independent validator, so what editors
// check and what appbuild accepts agree.
func TestExamplesMatchSchema(t *testing.T) {
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(mustRead(t, "schema.json")))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../examples/*/app.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		data := mustRead(t, f)
		if _, err := spec.Parse("app.yaml", data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s does not match schema.json: %v", f, err)
		}
	}
	// And the schema is not a check that cannot fail.
	bad, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"name":"x","helthcheck":{}}`)))
	if schema.Validate(bad) == nil {
		t.Error("schema accepted an unknown field")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
