// Reading the spec's bytes as one YAML document, and turning yaml.v3's
// errors (plain text with a line number) into errors at a line and column.

package spec

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// document decodes the single YAML document of the spec and returns its
// root mapping, or nil after recording why there is none.
func (p *parser) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root *yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.yamlError(err, data)
			return nil
		}
		if len(doc.Content) == 0 || isNull(doc.Content[0]) {
			continue // an empty document, such as a trailing "---"
		}
		if root != nil {
			at := p.src.clamp(start(&doc))
			end := at
			if line := p.src.line(at.Line); strings.HasPrefix(string(line[at.Column-1:]), "---") {
				end.Column += 3
			}
			p.errorAt(Range{Start: at, End: end}, "a second YAML document starts here; a spec is one document")
			return nil
		}
		root = doc.Content[0]
	}
	if root == nil {
		p.errorAt(Range{Start: Position{1, 1}, End: Position{1, 1}}, "empty spec")
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.errorAt(p.src.rangeOf(root), "the spec must be a mapping of fields like \"name: hello\", got %s", describe(root))
		return nil
	}
	return root
}

var yamlLine = regexp.MustCompile(`^line (\d+): `)

// yamlError records a syntax error from yaml.v3, which gives a line (not
// always) and no column: find the column when the cause is clear.
func (p *parser) yamlError(err error, data []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	at := Position{Line: 1, Column: 1}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		at.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if parserProblem(msg) {
			// The parser, unlike the scanner, prints 0-based lines (yaml.v3
			// decode.go, parser.fail), and none for the first line.
			at.Line++
		}
	}
	text := string(data)
	switch {
	case strings.HasPrefix(msg, "did not find expected ',' or ']'"):
		if i := slices.Index(p.src.line(at.Line), '['); i >= 0 {
			at.Column = i + 1
		}
	case strings.HasPrefix(msg, "did not find expected ',' or '}'"):
		if i := slices.Index(p.src.line(at.Line), '{'); i >= 0 {
			at.Column = i + 1
		}
	case strings.Contains(msg, "found character that cannot start any token"):
		if i := slices.Index(p.src.line(at.Line), '\t'); i >= 0 {
			at.Column = i + 1
			msg += " (a tab: indent with spaces)"
		}
	case strings.Contains(msg, "control characters are not allowed"):
		at = positionOf(text, strings.IndexFunc(text, func(r rune) bool {
			return r != '\t' && r != '\n' && r != '\r' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0 && r != 0x85))
		}))
	case strings.Contains(msg, "UTF-8"), strings.Contains(msg, "UTF-16"):
		at = positionOf(text, strings.IndexRune(text, utf8.RuneError))
	case strings.HasPrefix(msg, "unknown anchor '"):
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		at = positionOf(text, strings.Index(text, "*"+name))
	}
	at = p.src.clamp(at)
	p.errorAt(Range{Start: at, End: at}, "%s", msg)
}

// parserProblem reports whether msg comes from yaml.v3's parser rather than
// its scanner (parserc.go).
func parserProblem(msg string) bool {
	for _, p := range []string{
		"did not find expected <stream-start>",
		"did not find expected <document start>",
		"found undefined tag handle",
		"did not find expected node content",
		"did not find expected '-' indicator",
		"did not find expected key",
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found duplicate %TAG directive",
	} {
		if msg == p {
			return true
		}
	}
	return false
}

// positionOf is the position of byte offset off in text (1:1 when off < 0).
func positionOf(text string, off int) Position {
	if off < 0 {
		return Position{Line: 1, Column: 1}
	}
	lines := splitLines(text[:off])
	return Position{Line: len(lines), Column: utf8.RuneCountInString(lines[len(lines)-1]) + 1}
}
