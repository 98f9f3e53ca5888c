package spec

import "fmt"

// Errorf reports a mistake at a field's position (a path as in Where). A
// field that was not written, whose default is at fault, is reported at the
// top of the file.
func (s *Spec) Errorf(path, format string, args ...any) *Error {
	r, ok := s.Where(path)
	if !ok {
		r = Range{Start: Position{Line: 1, Column: 1}, End: Position{Line: 1, Column: 1}}
	}
	return &Error{File: s.File(), Range: r, Msg: fmt.Sprintf(format, args...)}
}
