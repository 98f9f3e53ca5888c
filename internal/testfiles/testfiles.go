// Package testfiles serves an app's files to profiles and lint in tests,
// from a map or a directory, the way the frontend serves them from the
// build context.
package testfiles

import (
	"os"
	"path/filepath"
)

// Map serves files from memory.
type Map map[string]string

// ReadFile returns a file's content or os.ErrNotExist.
func (m Map) ReadFile(name string) ([]byte, error) {
	if v, ok := m[name]; ok {
		return []byte(v), nil
	}
	return nil, os.ErrNotExist
}

// Dir serves files from a directory on disk.
type Dir string

// ReadFile reads name under the directory.
func (d Dir) ReadFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), name))
}
