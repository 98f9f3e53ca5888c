package spec

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSlowCorpus(t *testing.T) {
	dir := os.Getenv("CORPUS")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.SplitN(string(b), "\n", 2)
		lit := strings.TrimSpace(lines[1])
		lit = strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")")
		s, err := strconv.Unquote(lit)
		if err != nil {
			t.Logf("%s: %v", f, err)
			continue
		}
		start := time.Now()
		Parse("app.yaml", []byte(s))
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Logf("%s: %v, %d bytes", filepath.Base(f), d, len(s))
		}
	}
}
