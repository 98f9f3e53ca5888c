package spec

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/org/appbuild/internal/golden"
)

// TestSchemaFresh fails when schema.json no longer matches the Spec type,
// its doc comments and the languages; go generate ./spec or make golden
// rewrites it.
func TestSchemaFresh(t *testing.T) {
	want, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "schema.json", want)
}

func TestSchemaShape(t *testing.T) {
	b, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Schema     string                     `json:"$schema"`
		Required   []string                   `json:"required"`
		Additional bool                       `json:"additionalProperties"`
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" || s.Additional || !slices.Equal(s.Required, []string{"name"}) {
		t.Errorf("schema root: $schema %q, additionalProperties %v, required %v", s.Schema, s.Additional, s.Required)
	}
	for _, f := range yamlFields(reflect.TypeFor[Spec]()) {
		if _, ok := s.Properties[f.name]; !ok {
			t.Errorf("schema lacks property %q", f.name)
		}
	}
	for _, def := range []string{"Port", "Duration", "Healthcheck", "Service", "Secret", "Dependencies", "Packages", "Resources", "Scan"} {
		if _, ok := s.Defs[def]; !ok {
			t.Errorf("schema lacks $defs/%s", def)
		}
	}
	var lang struct {
		Enum        []string `json:"enum"`
		Description string   `json:"description"`
	}
	if err := json.Unmarshal(s.Properties["language"], &lang); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lang.Enum, []string{"go", "python", "node", "java", "rust", "static"}) || lang.Description == "" {
		t.Errorf("language: enum %v, description %q", lang.Enum, lang.Description)
	}
}
