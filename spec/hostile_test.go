package spec

import (
	"strings"
	"testing"
)

// hostileSpecs are inputs near MaxSize built to be slow or deep. Each must
// fail, quickly (see BenchmarkParseHostile), with the error given.
func hostileSpecs() map[string]struct{ data, err string } {
	var deepBlock, deepSeq strings.Builder
	for i := 0; deepBlock.Len() < 60000; i++ {
		deepBlock.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	for i := 0; deepSeq.Len() < 60000; i++ {
		deepSeq.WriteString(strings.Repeat(" ", i) + "-\n")
	}
	return map[string]struct{ data, err string }{
		"flow-depth":     {strings.Repeat("[", 60000), "app.yaml:1:1: exceeded max depth of 10000"},
		"flow-map-depth": {strings.Repeat("{a: ", 15000), "app.yaml:1:1: exceeded max depth of 10000"},
		"block-depth":    {deepBlock.String(), `app.yaml:1:1: missing required field "name"`},
		"seq-depth":      {deepSeq.String(), "app.yaml:1:1: the spec must be a mapping"},
		"duplicate-keys": {"name: a\nenv:\n" + strings.Repeat("  A: 1\n", 8000), `app.yaml:4:3: env: duplicate key "A" (first at line 3)`},
		"wide-mapping":   {"name: a\nenv: {" + strings.Repeat("A: 1, ", 10000) + "}", "too many nodes: a spec holds at most 10000"},
		"wide-list":      {"name: a\nplatforms: [" + strings.Repeat("1,", 30000) + "]", "too many nodes: a spec holds at most 10000"},
		"documents":      {strings.Repeat("---\n", 16000), "app.yaml:1:1: empty spec"},
		"cycle":          {"name: a\nx: &a [*a]\nplatforms: *a\n", "platforms[0]: expected a string, got a list"},
		"merge-cycle":    {"name: a\nenv: &e {<<: *e}\n", "app.yaml:2:14: too many nodes: aliases expand beyond 10000"},
	}
}

func TestHostile(t *testing.T) {
	for name, tt := range hostileSpecs() {
		_, err := Parse("app.yaml", []byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: Parse gave %v, want %q", name, err, tt.err)
		}
	}
}

func BenchmarkParseHostile(b *testing.B) {
	for name, tt := range hostileSpecs() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Parse("app.yaml", []byte(tt.data))
			}
		})
	}
}
