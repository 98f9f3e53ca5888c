package spec

import (
	"fmt"
	"strconv"
	"time"
)

// Position is a place in the spec file; Line and Column are 1-based, as in
// yaml.Node and in BuildKit's pb.Position.
type Position struct {
	Line   int
	Column int
}

// before tells whether p comes earlier in the file than q.
func (p Position) before(q Position) bool {
	return p.Line < q.Line || (p.Line == q.Line && p.Column < q.Column)
}

// Range is a span of the spec file. End is the position just past the last
// character of the node's text on its last line.
type Range struct {
	Start Position
	End   Position
}

// Error is one mistake in a spec, with where it is.
type Error struct {
	File  string
	Range Range
	Msg   string
}

// Error renders the mistake as file:line:col: message, the form editors and
// CI logs link to.
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Range.Start.Line, e.Range.Start.Column, e.Msg)
}

// Port is a port number with its protocol. In YAML it is written 8080,
// "8080" or "8080/udp"; tcp is the default protocol. The number is 1 to
// 65535 and the protocol tcp or udp, in lowercase; after Parse, Protocol is
// never empty.
type Port struct {
	Number   int
	Protocol string
}

// String renders the port as "8080/tcp".
func (p Port) String() string {
	proto := p.Protocol
	if proto == "" {
		proto = "tcp"
	}
	return strconv.Itoa(p.Number) + "/" + proto
}

// Duration is a time span written in Go/compose syntax ("30s", "1m30s"),
// at least 1ms. A bare number is refused: its unit would be a guess.
type Duration time.Duration

// String renders the duration as Go does ("30s").
func (d Duration) String() string { return time.Duration(d).String() }
