package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/appbuild/internal/golden"
)

// TestErrors parses every testdata/errors/<case>.yaml and compares all the
// errors, one per line, with <case>.txt. Run with -update to rewrite the
// golden files, then review them: each line:col must point at the key or
// value at fault.
func TestErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found %d error cases, want at least 50", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse("app.yaml", data)
			if err == nil {
				t.Fatalf("Parse succeeded, want errors: %+v", s)
			}
			if s != nil {
				t.Errorf("Parse returned a spec with its errors")
			}
			errs := Errors(err)
			if len(errs) == 0 {
				t.Fatalf("Errors(%v) is empty", err)
			}
			var lines []string
			for _, e := range errs {
				checkRange(t, data, e)
				lines = append(lines, e.Error())
			}
			got := strings.Join(lines, "\n")
			if err.Error() != got {
				t.Errorf("err.Error() differs from its errors:\n%s\nwant\n%s", err, got)
			}
			golden.Check(t, strings.TrimSuffix(file, ".yaml")+".txt", []byte(got+"\n"))
		})
	}
}

// checkRange fails when an error's range is not inside the file.
func checkRange(t *testing.T, data []byte, e *Error) {
	t.Helper()
	lines := splitLines(string(data))
	inside := func(p Position) bool {
		return p.Line >= 1 && p.Line <= len(lines) && p.Column >= 1 && p.Column <= len([]rune(lines[p.Line-1]))+1
	}
	r := e.Range
	if !inside(r.Start) || !inside(r.End) {
		t.Errorf("%v: range %+v is outside the file (%d lines)", e, r, len(lines))
	}
	if r.End.Line < r.Start.Line || (r.End.Line == r.Start.Line && r.End.Column < r.Start.Column) {
		t.Errorf("%v: range %+v ends before it starts", e, r)
	}
	if e.File != "app.yaml" {
		t.Errorf("%v: file is %q", e, e.File)
	}
}
