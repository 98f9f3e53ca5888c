package spec

import (
	"fmt"
	"strings"
	"testing"
)

// bigSpec is a valid spec of about 60 KiB: many env entries and services,
// the kind of input that is large without being hostile.
func bigSpec() []byte {
	var b strings.Builder
	b.WriteString("# syntax=org/appbuild\nname: big\nlanguage: go\nport: 8080\nhealthcheck:\n  http: /healthz\nenv:\n")
	for i := 0; b.Len() < 50<<10; i++ {
		fmt.Fprintf(&b, "  VARIABLE_%04d: \"value number %d\"\n", i, i)
	}
	b.WriteString("services:\n")
	for i := 0; b.Len() < 60<<10; i++ {
		fmt.Fprintf(&b, "  db%d:\n    image: postgres:17\n    env: {POSTGRES_DB: app%d}\n", i, i)
	}
	return []byte(b.String())
}

func TestBigSpec(t *testing.T) {
	data := bigSpec()
	if len(data) < 60<<10 || len(data) > MaxSize {
		t.Fatalf("bigSpec is %d bytes", len(data))
	}
	if _, err := Parse("app.yaml", data); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkParse60K guards Parse's speed on a 60 KiB spec; it should stay
// far under a second (yaml.v3's quadratic duplicate-key check is why
// MaxSize exists).
func BenchmarkParse60K(b *testing.B) {
	data := bigSpec()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("app.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
