package spec

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Errors returns the *Error values inside err, in the order Parse sorted them
// (by position). It returns nil when err holds none.
func Errors(err error) []*Error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok {
		return []*Error{e}
	}
	var out []*Error
	switch w := err.(type) {
	case interface{ Unwrap() []error }:
		for _, inner := range w.Unwrap() {
			out = append(out, Errors(inner)...)
		}
	case interface{ Unwrap() error }:
		out = Errors(w.Unwrap())
	}
	return out
}

// errorList collects a spec's errors.
type errorList struct {
	file string
	errs []*Error
	more *Error // says the list stops short; it goes last
}

func (l *errorList) add(r Range, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.file, Range: r, Msg: fmt.Sprintf(format, args...)})
}

// err sorts the errors by position, drops repeats (an alias can show the
// same mistake several times) and joins them; nil when there are none.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(l.errs, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Range.Start.Line, b.Range.Start.Line),
			cmp.Compare(a.Range.Start.Column, b.Range.Start.Column),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	l.errs = slices.CompactFunc(l.errs, func(a, b *Error) bool { return *a == *b })
	if l.more != nil {
		l.errs = append(l.errs, l.more)
	}
	errs := make([]error, len(l.errs))
	for i, e := range l.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}
