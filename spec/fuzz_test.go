package spec

import (
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error it returns
// lies inside the file, and that a spec it accepts survives Marshal and
// Parse unchanged. Seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("app.yaml", data)
		if err != nil {
			if s != nil {
				t.Fatalf("Parse returned a spec with its errors")
			}
			errs := Errors(err)
			if len(errs) == 0 {
				t.Fatalf("error holds no *Error: %v", err)
			}
			for _, e := range errs {
				checkRange(t, data, e)
			}
			return
		}
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("app.yaml", out)
		if err != nil {
			t.Fatalf("Parse(Marshal(s)): %v\ninput:\n%s\nmarshalled:\n%s", err, data, out)
		}
		if !reflect.DeepEqual(bare(back), bare(s)) {
			t.Fatalf("round trip differs:\n%+v\nwant\n%+v\nmarshalled:\n%s", bare(back), bare(s), out)
		}
	})
}
