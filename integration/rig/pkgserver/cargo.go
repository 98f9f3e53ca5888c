package main

// build-cargo: the crate sources Debian's librust-*-dev packages install
// (ROOT/usr/share/cargo/registry/<name>-<version>/, with the normalized
// Cargo.toml the crate was published with, as Debian patched it) become
// .crate archives (DIR/crates/<name>/<name>-<version>.crate: a gzipped tar
// of <name>-<version>/..., entries sorted, times fixed, stored uncompressed
// inside gzip so the bytes, and so Cargo.lock's checksums, never depend on a
// compressor's version) and a sparse index (DIR/index/, one file per crate,
// one JSON line per version, as Cargo's registry index format says:
// dependencies with their kind, target, features and renames, the features,
// links and the archive's sha256).

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// entry is one line of the index: one version of one crate.
type entry struct {
	Name        string              `json:"name"`
	Vers        string              `json:"vers"`
	Deps        []dep               `json:"deps"`
	Cksum       string              `json:"cksum"`
	Features    map[string][]string `json:"features"`
	Features2   map[string][]string `json:"features2,omitempty"`
	Yanked      bool                `json:"yanked"`
	Links       *string             `json:"links"`
	V           int                 `json:"v"`
	RustVersion string              `json:"rust_version,omitempty"`
}

type dep struct {
	Name            string   `json:"name"`
	Req             string   `json:"req"`
	Features        []string `json:"features"`
	Optional        bool     `json:"optional"`
	DefaultFeatures bool     `json:"default_features"`
	Target          *string  `json:"target"`
	Kind            string   `json:"kind"`
	Package         string   `json:"package,omitempty"`
}

// manifest is what the index needs from a normalized Cargo.toml.
type manifest struct {
	Package struct {
		Name        string `toml:"name"`
		Version     string `toml:"version"`
		Links       string `toml:"links"`
		RustVersion string `toml:"rust-version"`
	} `toml:"package"`
	Features map[string][]string       `toml:"features"`
	Target   map[string]map[string]any `toml:"target"`
}

// cargoRegistry is where Debian's librust-*-dev packages install crate sources.
const cargoRegistry = "usr/share/cargo/registry"

func buildCargo(args []string) error {
	out, mtime, root, err := rootFlags("build-cargo", args)
	if err != nil {
		return err
	}
	dirs, err := crateDirs(filepath.Join(root, cargoRegistry))
	if err != nil {
		return err
	}
	index := map[string][]entry{}
	for _, dir := range dirs {
		e, crate, err := pack(dir, mtime)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		if err := writeFile(filepath.Join(out, "crates", e.Name, e.Name+"-"+e.Vers+".crate"), crate); err != nil {
			return err
		}
		index[e.Name] = append(index[e.Name], e)
	}
	for name, entries := range index {
		if err := writeIndexFile(filepath.Join(out, "index", indexPath(name)), entries); err != nil {
			return err
		}
	}
	log.Printf("%d crates, %d versions in %s", len(index), len(dirs), out)
	return nil
}

// crateDirs lists the crate directories in registry. Feature packages
// (librust-x+feature-dev) ship no directory of their own, only links.
func crateDirs(registry string) ([]string, error) {
	entries, err := os.ReadDir(registry)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(registry, e.Name()))
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no crates in %s", registry)
	}
	return dirs, nil
}

// writeIndexFile writes one crate's index file: a JSON line per version.
func writeIndexFile(file string, entries []entry) error {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Vers < entries[j].Vers })
	var buf bytes.Buffer
	for _, e := range entries {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	return writeFile(file, buf.Bytes())
}

// indexPath is where the index keeps a crate's file: 1/a, 2/ab, 3/a/abc,
// ab/cd/abcd..., lower-cased.
func indexPath(name string) string {
	n := strings.ToLower(name)
	switch len(n) {
	case 1:
		return path.Join("1", n)
	case 2:
		return path.Join("2", n)
	case 3:
		return path.Join("3", n[:1], n)
	}
	return path.Join(n[:2], n[2:4], n)
}

// pack makes the .crate archive of one crate directory and its index entry.
func pack(dir string, mtime time.Time) (entry, []byte, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
	if err != nil {
		return entry{}, nil, err
	}
	e, err := entryOf(raw)
	if err != nil {
		return entry{}, nil, fmt.Errorf("Cargo.toml: %w", err)
	}
	crate, err := archive(dir, e.Name+"-"+e.Vers, mtime)
	if err != nil {
		return entry{}, nil, err
	}
	sum := sha256.Sum256(crate)
	e.Cksum = hex.EncodeToString(sum[:])
	return e, crate, nil
}

// entryOf reads a normalized Cargo.toml into an index entry (without the
// archive's checksum).
func entryOf(raw []byte) (entry, error) {
	var m manifest
	if err := toml.Unmarshal(raw, &m); err != nil {
		return entry{}, err
	}
	var all map[string]any
	if err := toml.Unmarshal(raw, &all); err != nil {
		return entry{}, err
	}
	if m.Package.Name == "" || m.Package.Version == "" {
		return entry{}, errors.New("names no package and version")
	}
	e := entry{Name: m.Package.Name, Vers: m.Package.Version, V: 1, Features: map[string][]string{}, Deps: []dep{}, RustVersion: m.Package.RustVersion}
	if m.Package.Links != "" {
		links := m.Package.Links
		e.Links = &links
	}
	e.setFeatures(m.Features)
	if err := e.addDeps(all, nil); err != nil {
		return entry{}, err
	}
	for spec, tables := range m.Target {
		s := spec
		if err := e.addDeps(tables, &s); err != nil {
			return entry{}, err
		}
	}
	sort.Slice(e.Deps, func(i, j int) bool {
		a, b := e.Deps[i], e.Deps[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return deref(a.Target) < deref(b.Target)
	})
	return e, nil
}

// setFeatures files the manifest's features: those that name "dep:x" or
// "x?/f" go in features2, which only index version 2 readers understand.
func (e *entry) setFeatures(features map[string][]string) {
	for name, list := range features {
		if list == nil {
			list = []string{}
		}
		v2 := false
		for _, f := range list {
			if strings.HasPrefix(f, "dep:") || strings.Contains(f, "?/") {
				v2 = true
			}
		}
		if v2 {
			if e.Features2 == nil {
				e.Features2 = map[string][]string{}
			}
			e.Features2[name] = list
			e.V = 2
		} else {
			e.Features[name] = list
		}
	}
}

// depKinds maps a manifest's dependency tables (both spellings) to the
// index's dependency kinds.
var depKinds = map[string]string{
	"dependencies": "normal", "dev-dependencies": "dev", "dev_dependencies": "dev",
	"build-dependencies": "build", "build_dependencies": "build",
}

// addDeps adds the dependencies of tables (the manifest's top level, or one
// [target.'spec'] table with its spec as target).
func (e *entry) addDeps(tables map[string]any, target *string) error {
	for key, kind := range depKinds {
		t, ok := tables[key].(map[string]any)
		if !ok {
			continue
		}
		for name, v := range t {
			d, err := depOf(name, v, kind, target)
			if err != nil {
				return fmt.Errorf("%s.%s: %w", key, name, err)
			}
			e.Deps = append(e.Deps, d)
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// depOf reads one dependency: "1.0" or a table with version, optional,
// default-features, features and package (a rename).
func depOf(name string, v any, kind string, target *string) (dep, error) {
	d := dep{Name: name, Req: "*", Features: []string{}, DefaultFeatures: true, Kind: kind, Target: target}
	switch v := v.(type) {
	case string:
		d.Req = v
	case map[string]any:
		if s, ok := v["version"].(string); ok {
			d.Req = s
		}
		if b, ok := v["optional"].(bool); ok {
			d.Optional = b
		}
		for _, k := range []string{"default-features", "default_features"} {
			if b, ok := v[k].(bool); ok {
				d.DefaultFeatures = b
			}
		}
		if fs, ok := v["features"].([]any); ok {
			for _, f := range fs {
				if s, ok := f.(string); ok {
					d.Features = append(d.Features, s)
				}
			}
		}
		if p, ok := v["package"].(string); ok && p != name {
			d.Package = p
		}
	default:
		return dep{}, fmt.Errorf("unexpected %T", v)
	}
	return d, nil
}

// archive is the .crate: a gzipped tar of the directory under prefix/,
// entries sorted, owners and times fixed. Debian's .cargo-checksum.json
// (its directory-source bookkeeping) is left out.
func archive(dir, prefix string, mtime time.Time) ([]byte, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
			rel, _ := filepath.Rel(dir, p)
			if rel != ".cargo-checksum.json" {
				files = append(files, rel)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	tw := tar.NewWriter(gz)
	for _, rel := range files {
		full := filepath.Join(dir, rel)
		data, err := os.ReadFile(full) // follows links: a .crate holds files only
		if err != nil {
			return nil, err
		}
		mode := int64(0o644)
		if info, err := os.Stat(full); err == nil && info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		hdr := &tar.Header{Name: prefix + "/" + filepath.ToSlash(rel), Mode: mode, Size: int64(len(data)),
			ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
