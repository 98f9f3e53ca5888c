package spec

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

const (
	// MaxSize is the largest spec Parse reads, in bytes. A real spec is a
	// few hundred bytes; the cap bounds what hostile input can cost
	// (yaml.v3's duplicate-key check is quadratic: 40k keys take seconds).
	// The frontend need not read more of the file than this, plus one byte.
	MaxSize = 64 << 10
	// MaxNodes bounds the YAML nodes Parse visits, counting a node again each
	// time an alias repeats it, so that an alias bomb (billion laughs) stops
	// early: yaml.v3 refuses those only when decoding into Go values, not
	// into yaml.Node.
	MaxNodes = 10000
	// maxErrors is where Parse stops collecting errors.
	maxErrors = 100
)

// Parse reads a spec. The error, when not nil, joins one *Error per mistake
// found (every one, not only the first), sorted by position; Errors unwraps
// them. filename is only used in messages and by File.
func Parse(filename string, data []byte) (*Spec, error) {
	if len(data) > MaxSize {
		l := errorList{file: filename}
		l.add(Range{Start: Position{1, 1}, End: Position{1, 1}}, "spec is %d bytes; the limit is %d", len(data), MaxSize)
		return nil, l.err()
	}
	p := &parser{
		errorList: errorList{file: filename},
		src:       newSource(data),
		locs:      map[string]Range{},
		vals:      map[string]Range{},
		bad:       map[string]bool{},
		null:      map[string]bool{},
	}
	root := p.document(data)
	if root == nil {
		return nil, p.err()
	}
	s := &Spec{file: filename, locs: p.locs}
	p.locs[""] = p.src.rangeOf(root)
	p.structure("", root, reflect.ValueOf(s).Elem())
	if !p.stopped {
		validate(s, p)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// parser walks a yaml.Node tree into a Spec, recording positions and
// collecting errors.
type parser struct {
	errorList
	src  *source
	locs map[string]Range // field, item and entry paths: from key to end of value
	vals map[string]Range // the same paths: the value alone, for messages about it
	bad  map[string]bool  // paths whose value could not be decoded
	null map[string]bool  // fields written with no value ("name:")
	// nodes counts visits; alias is the outermost alias being expanded.
	nodes   int
	alias   *yaml.Node
	stopped bool
}

// errorAt records an error, and stops the walk once there are too many.
func (p *parser) errorAt(r Range, format string, args ...any) {
	if p.stopped {
		return
	}
	p.add(r, format, args...)
	if len(p.errs) >= maxErrors {
		p.more = &Error{File: p.file, Range: r, Msg: "too many errors; fix these and parse again"}
		p.stopped = true
	}
}

// fail reports that the value at path could not be decoded.
func (p *parser) fail(path string, format string, args ...any) {
	p.bad[path] = true
	p.errorAt(p.vals[path], label(path)+format, args...)
}

// label prefixes messages about path.
func label(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// isNull reports whether n is, or aliases, a null scalar ("", "~" or "null").
func isNull(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a node's kind for messages ("got a list").
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "a string"
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "null"
		case "!!timestamp":
			return "a date"
		}
		return fmt.Sprintf("a value tagged %s", n.Tag)
	}
	return "a document"
}

// follow resolves an alias, remembering the outermost one for the
// too-many-nodes message, and counts the visit. Call leave when done with
// the node; ok is false once the walk must stop.
func (p *parser) follow(n *yaml.Node) (target *yaml.Node, leave func(), ok bool) {
	leave = func() {}
	if p.stopped {
		return n, leave, false
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if p.alias == nil {
			p.alias = n
			leave = func() { p.alias = nil }
		}
		n = n.Alias
	}
	return n, leave, p.count(n, 1)
}

// count adds k visits and stops the walk past MaxNodes.
func (p *parser) count(n *yaml.Node, k int) bool {
	p.nodes += k
	if p.nodes <= MaxNodes {
		return true
	}
	if p.alias != nil {
		p.errorAt(p.src.rangeOf(p.alias), "too many nodes: aliases expand beyond %d (a billion-laughs document?)", MaxNodes)
	} else {
		p.errorAt(p.src.rangeOf(n), "too many nodes: a spec holds at most %d", MaxNodes)
	}
	p.stopped = true
	return false
}

// value decodes the node at path into v.
func (p *parser) value(path string, n *yaml.Node, v reflect.Value) {
	p.vals[path] = p.src.rangeOf(n)
	n, leave, ok := p.follow(n)
	defer leave()
	if !ok {
		return
	}
	if p.tagged(path, n) {
		p.decode(path, n, v)
	}
}

// tagged refuses tags other than YAML's own types (!!binary, !custom).
func (p *parser) tagged(path string, n *yaml.Node) bool {
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!map", "!!seq":
		return true
	}
	p.fail(path, "unsupported tag %q", n.Tag)
	return false
}

func (p *parser) decode(path string, n *yaml.Node, v reflect.Value) {
	switch v.Type() {
	case reflect.TypeFor[Port]():
		if port, ok := p.port(path, n); ok {
			v.Set(reflect.ValueOf(port))
		}
		return
	case reflect.TypeFor[Duration]():
		if d, ok := p.duration(path, n); ok {
			v.Set(reflect.ValueOf(d))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		p.decode(path, n, e.Elem())
		if !p.bad[path] {
			v.Set(e)
		}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			p.fail(path, "expected a mapping like %s, got %s", mappingExample(v.Type()), describe(n))
			return
		}
		p.structure(path, n, v)
	case reflect.String:
		if s, ok := p.str(path, n, false); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || err != nil {
			p.fail(path, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int:
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || err != nil {
			p.fail(path, "expected a whole number, got %s", describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Slice:
		p.list(path, n, v)
	case reflect.Map:
		p.dict(path, n, v)
	default:
		panic(fmt.Sprintf("spec: no decoder for %s", v.Type()))
	}
}

// mappingExample shows a small mapping of type t for messages.
func mappingExample(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Dependencies]():
		return "{manager: npm}"
	case reflect.TypeFor[Healthcheck]():
		return "{http: /healthz}"
	case reflect.TypeFor[Packages]():
		return "{runtime: [ca-certificates]}"
	case reflect.TypeFor[Resources]():
		return "{memory: 512m}"
	case reflect.TypeFor[Service]():
		return "{image: postgres:17}"
	case reflect.TypeFor[Scan]():
		return "{severity: [HIGH, CRITICAL]}"
	case reflect.TypeFor[Secret]():
		return "{id: npmrc}"
	}
	return "{key: value}"
}

// execExample is an example command for the fields written in exec form.
func execExample(path string) (string, bool) {
	switch path {
	case "entrypoint":
		return `["/app", "--flag"]`, true
	case "cmd":
		return `["--flag"]`, true
	case "test":
		return `["go", "test", "./..."]`, true
	case "build_command":
		return `["make", "build"]`, true
	case "healthcheck.exec":
		return `["/app", "healthcheck"]`, true
	}
	return "", false
}

// str decodes a scalar as text. Numbers and dates keep the text as written;
// booleans must be quoted unless bools is set (env values, as in compose).
func (p *parser) str(path string, n *yaml.Node, bools bool) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.fail(path, "expected a string, got %s", describe(n))
		return "", false
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!timestamp":
	case "!!float":
		if path == "version" {
			f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if num := strconv.FormatFloat(f, 'g', -1, 64); err == nil && num != n.Value {
				p.fail(path, "write versions as strings (%q): YAML reads %s as the number %s", n.Value, n.Value, num)
			} else {
				p.fail(path, "write versions as strings (%q); unquoted, YAML reads it as a number", n.Value)
			}
			return "", false
		}
	case "!!bool":
		if !bools {
			p.fail(path, "expected a string, got the boolean %s; quote it (%q) if you mean the text", n.Value, n.Value)
			return "", false
		}
	default:
		p.fail(path, "expected a string, got %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// port decodes 8080, "8080" or "8080/udp".
func (p *parser) port(path string, n *yaml.Node) (Port, bool) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!str" && n.ShortTag() != "!!float") {
		p.fail(path, "expected a port number like 8080 or \"8080/udp\", got %s", describe(n))
		return Port{}, false
	}
	port, err := parsePort(n.Value)
	if err != nil {
		p.fail(path, "%v", err)
		return Port{}, false
	}
	return port, true
}

// duration decodes "30s" or "1m30s".
func (p *parser) duration(path string, n *yaml.Node) (Duration, bool) {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
		p.fail(path, "write a duration with a unit, like \"%ss\", not the bare number %s", n.Value, n.Value)
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		p.fail(path, "expected a duration like \"30s\", got %s", describe(n))
		return 0, false
	}
	d, err := parseDuration(n.Value)
	if err != nil {
		p.fail(path, "%v", err)
		return 0, false
	}
	return d, true
}

// list decodes a YAML sequence into a slice; an empty list is left nil.
func (p *parser) list(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		if ex, ok := execExample(path); ok && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
			p.fail(path, "write a list (exec form), like %s; a string would need a shell, and distroless has none", ex)
		} else {
			p.fail(path, "expected a list, got %s", describe(n))
		}
		return
	}
	s := reflect.MakeSlice(v.Type(), 0, len(n.Content))
	for i, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		p.locs[ip] = p.src.rangeOf(item)
		elem := reflect.New(v.Type().Elem()).Elem()
		p.value(ip, item, elem)
		s = reflect.Append(s, elem)
	}
	if s.Len() > 0 {
		v.Set(s)
	}
}

// dict decodes a YAML mapping into a Go map; an empty mapping is left nil.
func (p *parser) dict(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		p.fail(path, "expected a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMap(v.Type())
	for _, e := range p.entries(path, n) {
		ep := join(path, e.name)
		p.locs[ep] = p.entryRange(e)
		elem := reflect.New(v.Type().Elem()).Elem()
		switch {
		case isNull(e.val) && elem.Kind() == reflect.Struct:
			p.vals[ep] = p.locs[ep] // an empty service; validation says what it lacks
		case isNull(e.val):
			p.vals[ep] = p.locs[ep]
			p.fail(ep, "give a value (write \"\" for an empty one)")
		case elem.Kind() == reflect.String:
			p.vals[ep] = p.src.rangeOf(e.val)
			if n, leave, ok := p.follow(e.val); ok {
				if p.tagged(ep, n) {
					if s, ok := p.str(ep, n, true); ok {
						elem.SetString(s)
					}
				}
				leave()
			}
		default:
			p.value(ep, e.val, elem)
		}
		m.SetMapIndex(reflect.ValueOf(e.name), elem)
	}
	if m.Len() > 0 {
		v.Set(m)
	}
}

// yamlField is a struct field and its YAML name.
type yamlField struct {
	name  string
	index int
}

func yamlFields(t reflect.Type) []yamlField {
	var fields []yamlField
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields = append(fields, yamlField{name: name, index: i})
		}
	}
	return fields
}

// structure decodes a YAML mapping into a struct. Keys starting with "x-"
// are extensions, ignored as in compose files: a place for anchors.
func (p *parser) structure(path string, n *yaml.Node, v reflect.Value) {
	fields := yamlFields(v.Type())
	for _, e := range p.entries(path, n) {
		i := slices.IndexFunc(fields, func(f yamlField) bool { return f.name == e.name })
		if i < 0 {
			if !strings.HasPrefix(e.name, "x-") {
				names := make([]string, len(fields))
				for j, f := range fields {
					names[j] = f.name
				}
				p.errorAt(p.src.rangeOf(e.key), "%sunknown field %q%s", label(path), e.name, didYouMean(e.name, names))
			}
			continue
		}
		fp := join(path, e.name)
		p.locs[fp] = p.entryRange(e)
		if isNull(e.val) {
			p.vals[fp] = p.locs[fp] // a null has no text to point at
			p.null[fp] = true       // and a field left empty is a field left out
			continue
		}
		p.value(fp, e.val, v.Field(fields[i].index))
	}
}

// entry is one key and value of a mapping, merged keys included.
type entry struct {
	key  *yaml.Node // as written (it may be an alias), for positions
	name string
	val  *yaml.Node
}

// entryRange is where a key and its value stand, from the key's start. A
// value can stand before its key: an explicit key ("? k") with no value
// gives an empty value at the key's indicator. Then the range is the key's.
func (p *parser) entryRange(e entry) Range {
	key, val := p.src.rangeOf(e.key), p.src.rangeOf(e.val)
	if val.End.before(key.Start) {
		return key
	}
	return Range{Start: key.Start, End: val.End}
}

// entries lists a mapping's keys and values, reporting duplicate keys and
// resolving merge keys ("<<: *base"): keys written in the mapping win over
// merged ones, and earlier merged mappings win over later ones.
func (p *parser) entries(path string, n *yaml.Node) []entry {
	if !p.count(n, len(n.Content)/2) {
		return nil
	}
	var out []entry
	first := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		k := key
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		switch {
		case k.Kind != yaml.ScalarNode:
			p.errorAt(p.src.rangeOf(key), "%skeys must be strings, got %s", label(path), describe(k))
		case k.ShortTag() == "!!merge":
			merges = append(merges, val)
		case first[k.Value] != nil:
			p.errorAt(p.src.rangeOf(key), "%sduplicate key %q (first at line %d)", label(path), k.Value, first[k.Value].Line)
		default:
			first[k.Value] = key
			out = append(out, entry{key: key, name: k.Value, val: val})
		}
	}
	for _, m := range merges {
		out = p.merge(path, m, first, out, true)
	}
	return out
}

// merge adds the entries of a merged mapping (or list of mappings) that are
// not set yet.
func (p *parser) merge(path string, m *yaml.Node, set map[string]*yaml.Node, out []entry, lists bool) []entry {
	n, leave, ok := p.follow(m)
	defer leave()
	if !ok {
		return out
	}
	switch {
	case n.Kind == yaml.MappingNode:
		for _, e := range p.entries(path, n) {
			if set[e.name] == nil {
				set[e.name] = e.key
				out = append(out, e)
			}
		}
	case n.Kind == yaml.SequenceNode && lists:
		for _, item := range n.Content {
			out = p.merge(path, item, set, out, false)
		}
	default:
		p.errorAt(p.src.rangeOf(m), "%s<<: expected a mapping or a list of mappings to merge, got %s", label(path), describe(n))
	}
	return out
}
