// Package testfiles serves an app's files to profiles and lint in tests,
// from a map or a directory, the way the frontend serves them from the
// build context.
package testfiles

import (
	"os"
	"path/filepath"
)

// reader is what FirstOf needs of Map and Dir.
type reader interface {
	ReadFile(name string) ([]byte, error)
}

// firstOf is the first of paths r can read, or "".
func firstOf(r reader, paths []string) string {
	for _, p := range paths {
		if _, err := r.ReadFile(p); err == nil {
			return p
		}
	}
	return ""
}

// Map serves files from memory.
type Map map[string]string

// ReadFile returns a file's content or os.ErrNotExist.
func (m Map) ReadFile(name string) ([]byte, error) {
	if v, ok := m[name]; ok {
		return []byte(v), nil
	}
	return nil, os.ErrNotExist
}

// FirstOf returns the first of paths the map has, or "".
func (m Map) FirstOf(paths ...string) string { return firstOf(m, paths) }

// Dir serves files from a directory on disk.
type Dir string

// ReadFile reads name under the directory.
func (d Dir) ReadFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), name))
}

// FirstOf returns the first of paths that is a file under the directory, or "".
func (d Dir) FirstOf(paths ...string) string { return firstOf(d, paths) }
