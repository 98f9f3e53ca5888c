package spec

import (
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// source is the spec's text split into lines the way the YAML scanner counts
// them, so that yaml.Node positions and ours agree.
type source struct {
	lines [][]rune
}

func newSource(data []byte) *source {
	s := &source{}
	for _, l := range splitLines(string(data)) {
		s.lines = append(s.lines, []rune(l))
	}
	return s
}

// splitLines splits text at every line break YAML knows: \r\n, \r, \n, and
// the Unicode breaks NEL, LS and PS. A text always has at least one line.
func splitLines(text string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		brk := 0
		switch {
		case r == '\r' && strings.HasPrefix(text[i:], "\r\n"):
			brk = 2
		case r == '\r' || r == '\n' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			brk = size
		}
		if brk == 0 {
			i += size
			continue
		}
		lines = append(lines, text[start:i])
		i += brk
		start = i
	}
	return append(lines, text[start:])
}

// line returns line n (1-based), or nil past the end.
func (s *source) line(n int) []rune {
	if n < 1 || n > len(s.lines) {
		return nil
	}
	return s.lines[n-1]
}

// clamp moves a position inside the file: a line that exists and a column
// at most one past that line's end.
func (s *source) clamp(p Position) Position {
	p.Line = min(max(p.Line, 1), len(s.lines))
	p.Column = min(max(p.Column, 1), len(s.lines[p.Line-1])+1)
	return p
}

func start(n *yaml.Node) Position {
	return Position{Line: n.Line, Column: n.Column}
}

// rangeOf is where a node stands in the file: from its first character (its
// anchor or tag, if any) to the end of its text.
func (s *source) rangeOf(n *yaml.Node) Range {
	r := Range{Start: s.clamp(start(n)), End: s.clamp(s.end(n))}
	if r.End.before(r.Start) {
		r.End = r.Start
	}
	return r
}

// end is the position just past a node's text. A scalar ends on the line it
// starts on (a multi-line scalar ends where its first line does); a
// collection ends where its last child does, or after its closing bracket.
func (s *source) end(n *yaml.Node) Position {
	switch n.Kind {
	case yaml.AliasNode:
		return Position{Line: n.Line, Column: n.Column + 1 + utf8.RuneCountInString(n.Value)}
	case yaml.ScalarNode:
		return s.scalarEnd(n)
	}
	if len(n.Content) == 0 {
		line := s.line(n.Line)
		i := skipProperties(line, n.Column-1)
		if i < len(line) && (line[i] == '[' || line[i] == '{') {
			close := ']'
			if line[i] == '{' {
				close = '}'
			}
			for j := i + 1; j < len(line); j++ {
				if line[j] == close {
					return Position{Line: n.Line, Column: j + 2}
				}
			}
		}
		return Position{Line: n.Line, Column: i + 1}
	}
	end := s.end(n.Content[len(n.Content)-1])
	if n.Style&yaml.FlowStyle != 0 {
		// Past the closing bracket when it is on the same line.
		line := s.line(end.Line)
		for j := end.Column - 1; j >= 0 && j < len(line); j++ {
			switch line[j] {
			case ' ', ',', '\t':
				continue
			case ']', '}':
				return Position{Line: end.Line, Column: j + 2}
			}
			break
		}
	}
	return end
}

// skipProperties skips a node's anchor (&a) and tag (!!str), which yaml.v3
// counts as the start of the node.
func skipProperties(line []rune, i int) int {
	for i >= 0 && i < len(line) && (line[i] == '&' || line[i] == '!') {
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
	}
	return max(i, 0)
}

func (s *source) scalarEnd(n *yaml.Node) Position {
	line := s.line(n.Line)
	i := skipProperties(line, n.Column-1)
	end := func(j int) Position { return Position{Line: n.Line, Column: j + 1} }
	if i >= len(line) {
		return end(i)
	}
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0 && line[i] == '"':
		for j := i + 1; j < len(line); j++ {
			switch line[j] {
			case '\\':
				j++
			case '"':
				return end(j + 1)
			}
		}
		return end(len(line))
	case n.Style&yaml.SingleQuotedStyle != 0 && line[i] == '\'':
		for j := i + 1; j < len(line); j++ {
			if line[j] == '\'' {
				if j+1 < len(line) && line[j+1] == '\'' {
					j++
					continue
				}
				return end(j + 1)
			}
		}
		return end(len(line))
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		return end(j)
	}
	// A plain scalar on one line is its own source text.
	if v := []rune(n.Value); len(v) > 0 && i+len(v) <= len(line) && string(line[i:i+len(v)]) == n.Value {
		return end(i + len(v))
	}
	if n.Value == "" {
		return end(i)
	}
	// A plain scalar folded over several lines: its first line, without a
	// trailing comment.
	j := i
	for j < len(line) && !(line[j] == '#' && j > 0 && (line[j-1] == ' ' || line[j-1] == '\t')) {
		j++
	}
	for j > i && (line[j-1] == ' ' || line[j-1] == '\t') {
		j--
	}
	return end(j)
}
