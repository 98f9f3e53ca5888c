package spec

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// header is the first line of every spec: it routes the file to appbuild.
const header = "# syntax=org/appbuild\n"

// Marshal prints a spec as YAML, fields in the order of the Spec type and
// map keys sorted, so that Parse(Marshal(s)) gives s back. Empty fields are
// left out.
func Marshal(s *Spec) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(node(reflect.ValueOf(s).Elem())); err != nil {
		return nil, fmt.Errorf("marshal spec: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal spec: %w", err)
	}
	return b.Bytes(), nil
}

func scalar(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

// node builds the YAML node of v; the encoder quotes strings that would
// read back as another type ("3.10", "true", "8080").
func node(v reflect.Value) *yaml.Node {
	switch x := v.Interface().(type) {
	case Port:
		if x.Protocol == "" || x.Protocol == "tcp" {
			return scalar("!!int", strconv.Itoa(x.Number))
		}
		return scalar("!!str", x.String())
	case Duration:
		return scalar("!!str", x.String())
	}
	switch v.Kind() {
	case reflect.Pointer:
		return node(v.Elem())
	case reflect.String:
		return scalar("!!str", v.String())
	case reflect.Bool:
		return scalar("!!bool", strconv.FormatBool(v.Bool()))
	case reflect.Int:
		return scalar("!!int", strconv.FormatInt(v.Int(), 10))
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := range v.Len() {
			n.Content = append(n.Content, node(v.Index(i)))
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			n.Content = append(n.Content, scalar("!!str", k.String()), node(v.MapIndex(k)))
		}
		return n
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, f := range yamlFields(v.Type()) {
			fv := v.Field(f.index)
			_, opts, _ := strings.Cut(v.Type().Field(f.index).Tag.Get("yaml"), ",")
			if opts == "omitempty" && fv.IsZero() {
				continue
			}
			n.Content = append(n.Content, scalar("!!str", f.name), node(fv))
		}
		return n
	}
	panic(fmt.Sprintf("spec: cannot marshal %s", v.Type()))
}
