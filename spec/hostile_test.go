package spec

import (
	"strings"
	"testing"
	"time"
)

func TestHostileTiming(t *testing.T) {
	var deepBlock strings.Builder
	for i := 0; deepBlock.Len() < 60000; i++ {
		deepBlock.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	var deepSeq strings.Builder
	for i := 0; deepSeq.Len() < 60000; i++ {
		deepSeq.WriteString(strings.Repeat(" ", i) + "-\n")
	}
	cases := map[string]string{
		"flow-open":  strings.Repeat("[", 60000),
		"flow-map":   strings.Repeat("{a: ", 15000),
		"deep-block": deepBlock.String(),
		"deep-seq":   deepSeq.String(),
		"many-keys":  strings.Repeat("ab: 1\n", 10000),
		"many-dupes": "name: a\nenv:\n" + strings.Repeat("  A: 1\n", 8000),
		"env-flow":   "name: a\nenv: {" + strings.Repeat("A: 1, ", 10000) + "}",
		"aliases":    "x: &a " + strings.Repeat("[*a, ", 1) + "]\nname: *a\n",
		"long-line":  "name: " + strings.Repeat("a", 65000),
		"many-docs":  strings.Repeat("---\n", 16000),
		"many-items": "name: a\nplatforms: [" + strings.Repeat("1,", 30000) + "]",
	}
	for name, c := range cases {
		start := time.Now()
		_, err := Parse("app.yaml", []byte(c))
		msg := ""
		if err != nil {
			msg = strings.SplitN(err.Error(), "\n", 2)[0]
		}
		t.Logf("%s: %d bytes, %v: %s", name, len(c), time.Since(start), msg)
	}
}
