package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// readTree maps every file and directory under dir (slash paths) to its
// content; directories map to "/".
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			tree[rel] = "/"
			return nil
		}
		data, err := os.ReadFile(p)
		tree[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// assertSameTree fails unless a and b hold the same files with the same bytes.
func assertSameTree(t *testing.T, a, b string) {
	t.Helper()
	ta, tb := readTree(t, a), readTree(t, b)
	for name, data := range ta {
		if other, ok := tb[name]; !ok || !bytes.Equal([]byte(data), []byte(other)) {
			t.Errorf("%s differs between two builds of the same input", name)
		}
	}
	if len(ta) != len(tb) {
		t.Errorf("%d entries against %d", len(ta), len(tb))
	}
}
