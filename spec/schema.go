package spec

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"go/ast"
	goparser "go/parser"
	"go/token"
	"math"
	"reflect"
	"strings"
)

// sources are the files whose doc comments describe the schema.
//
//go:embed spec.go types.go
var sources embed.FS

// JSONSchema returns the JSON Schema (draft 2020-12) of a spec, made from
// the Spec type (yaml names, jsonschema tags) and the doc comments of
// spec.go and types.go. schema.json holds it; "go generate ./spec"
// rewrites it, and a test fails when it is stale.
func JSONSchema() ([]byte, error) {
	docs, err := comments()
	if err != nil {
		return nil, err
	}
	g := &schemaGen{docs: docs, defs: map[string]any{}}
	root := g.object(reflect.TypeFor[Spec]())
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["title"] = "appbuild app spec"
	root["$defs"] = g.defs
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return b.Bytes(), nil
}

// comments maps "Type" and "Type.Field" to their doc comments.
func comments() (map[string]string, error) {
	docs := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range []string{"spec.go", "types.go"} {
		src, err := sources.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		f, err := goparser.ParseFile(fset, name, src, goparser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil {
					doc = gd.Doc
				}
				docs[ts.Name.Name] = text(doc)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, field := range st.Fields.List {
					for _, n := range field.Names {
						docs[ts.Name.Name+"."+n.Name] = text(field.Doc)
					}
				}
			}
		}
	}
	return docs, nil
}

// text turns a doc comment into paragraphs of single lines.
func text(c *ast.CommentGroup) string {
	paras := strings.Split(strings.TrimSpace(c.Text()), "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}

type schemaGen struct {
	docs map[string]string
	defs map[string]any
}

// object is the schema of a struct type.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, f := range yamlFields(t) {
		sf := t.Field(f.index)
		props[f.name] = g.field(t, sf)
		if _, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ","); opts != "omitempty" {
			required = append(required, f.name)
		}
	}
	s := map[string]any{
		"type":                 "object",
		"description":          g.docs[t.Name()],
		"properties":           props,
		"patternProperties":    map[string]any{"^x-": map[string]any{}},
		"additionalProperties": false,
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// field is the schema of one struct field: its type, its jsonschema tag,
// its doc comment, and the shapes validate.go checks.
func (g *schemaGen) field(t reflect.Type, f reflect.StructField) map[string]any {
	s := g.typ(f.Type)
	s["description"] = g.docs[t.Name()+"."+f.Name]
	for opt := range strings.SplitSeq(f.Tag.Get("jsonschema"), ",") {
		key, value, _ := strings.Cut(opt, "=")
		switch key {
		case "enum":
			target := s
			if f.Type.Kind() == reflect.Slice {
				target = s["items"].(map[string]any)
			}
			target["enum"] = tagEnum(value)
		case "type":
			s["type"] = strings.Split(value, "|")
		}
	}
	envValue := map[string]any{"type": []string{"string", "number", "boolean"}}
	switch t.Name() + "." + f.Name {
	case "Spec.Name":
		s["pattern"] = nameRe.String()
		s["maxLength"] = nameMaxLen
	case "Spec.Version":
		s["pattern"] = versionRe.String()
	case "Spec.User":
		s["pattern"] = `^(nonroot|root|` + strings.Trim(userRe.String(), "^$") + `)$`
	case "Spec.Workdir", "Healthcheck.HTTP":
		s["pattern"] = "^/"
	case "Service.Volume":
		s["pattern"] = "^/[^:,]*$"
	case "Spec.Image", "Service.Image":
		s["pattern"] = imageRefRe.String()
	case "Spec.Env", "Service.Env":
		s["propertyNames"] = map[string]any{"pattern": envNameRe.String()}
		s["additionalProperties"] = envValue
	case "Spec.Services":
		s["propertyNames"] = map[string]any{"pattern": nameRe.String()}
	case "Service.Secrets":
		s["propertyNames"] = map[string]any{"pattern": secretIDRe.String()}
	case "Secret.ID":
		s["pattern"] = secretIDRe.String()
	case "Secret.Env":
		s["pattern"] = envNameRe.String()
	case "Spec.Entrypoint", "Spec.Cmd", "Spec.Test", "Spec.BuildCommand", "Healthcheck.Exec":
		s["minItems"] = 1
	case "Packages.Build", "Packages.Runtime":
		s["items"].(map[string]any)["pattern"] = debianRe.String()
	case "Healthcheck.Retries":
		s["minimum"] = 1
		s["maximum"] = math.MaxInt32
	case "Resources.Memory":
		s["type"] = []string{"string", "integer"}
		s["pattern"] = memoryRe.String()
	case "Resources.CPUs":
		s["type"] = []string{"string", "number"}
		s["pattern"] = cpusRe.String()
	}
	return s
}

// typ is the schema of a Go type; structs, Port and Duration go to $defs.
func (g *schemaGen) typ(t reflect.Type) map[string]any {
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/$defs/" + name} }
	switch t {
	case reflect.TypeFor[Port]():
		g.defs["Port"] = map[string]any{
			"description": g.docs["Port"],
			"oneOf": []any{
				map[string]any{"type": "integer", "minimum": 1, "maximum": 65535},
				map[string]any{"type": "string", "pattern": `^[0-9]{1,5}(/(tcp|udp))?$`},
			},
		}
		return ref("Port")
	case reflect.TypeFor[Duration]():
		g.defs["Duration"] = map[string]any{
			"description": g.docs["Duration"],
			"type":        "string",
			"pattern":     durationRe.String(),
		}
		return ref("Duration")
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.typ(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.typ(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.typ(t.Elem())}
	case reflect.Struct:
		if _, ok := g.defs[t.Name()]; !ok {
			g.defs[t.Name()] = nil // claimed, for recursive types
			g.defs[t.Name()] = g.object(t)
		}
		return ref(t.Name())
	}
	panic(fmt.Sprintf("spec: no schema for %s", t))
}
