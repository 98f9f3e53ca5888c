// Command cargoreg is the rig's local Cargo registry: the crates registry
// cannot be reached from these machines, so the Rust example resolves and
// downloads its crates from this one, through the setting a user with a
// private registry mirror uses (a [source] replacement in .cargo/config.toml).
//
//	cargoreg build -out DIR -epoch SECONDS CRATE_DIR...
//	cargoreg serve -dir DIR -addr 127.0.0.1:3143
//
// build turns crate source directories, as Debian's librust-*-dev packages
// install them (/usr/share/cargo/registry/<name>-<version>/, with the
// normalized Cargo.toml that the crate was published with, as Debian patched
// it), into .crate archives (DIR/crates/<name>/<name>-<version>.crate: a
// gzipped tar of <name>-<version>/..., entries sorted, times fixed, stored
// uncompressed inside gzip so the bytes, and so Cargo.lock's checksums, never
// depend on a compressor's version) and a sparse index (DIR/index/, one file
// per crate, one JSON line per version, as Cargo's registry index format
// says: dependencies with their kind, target, features and renames, the
// features, links and the archive's sha256).
//
// serve serves DIR over HTTP: /index/config.json (written per request with
// the host the client used, so the download URL is always reachable), the
// index files and the archives.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("cargoreg: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: cargoreg build|serve ...")
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = build(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (build or serve)", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

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

func build(args []string) error {
	fl := flag.NewFlagSet("build", flag.ExitOnError)
	out := fl.String("out", "", "output directory")
	epoch := fl.Int64("epoch", 0, "time of every archive entry (SOURCE_DATE_EPOCH)")
	_ = fl.Parse(args)
	if *out == "" || fl.NArg() == 0 {
		return errors.New("usage: cargoreg build -out DIR -epoch SECONDS CRATE_DIR...")
	}
	mtime := time.Unix(*epoch, 0).UTC()
	index := map[string][]entry{}
	for _, dir := range fl.Args() {
		e, crate, err := pack(dir, mtime)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		file := filepath.Join(*out, "crates", e.Name, e.Name+"-"+e.Vers+".crate")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file, crate, 0o644); err != nil {
			return err
		}
		index[e.Name] = append(index[e.Name], e)
	}
	for name, entries := range index {
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
		file := filepath.Join(*out, "index", indexPath(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	log.Printf("%d crates, %d versions in %s", len(index), fl.NArg(), *out)
	return nil
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
	var m manifest
	if err := toml.Unmarshal(raw, &m); err != nil {
		return entry{}, nil, fmt.Errorf("Cargo.toml: %w", err)
	}
	var all map[string]any
	if err := toml.Unmarshal(raw, &all); err != nil {
		return entry{}, nil, err
	}
	if m.Package.Name == "" || m.Package.Version == "" {
		return entry{}, nil, errors.New("Cargo.toml names no package and version")
	}
	e := entry{Name: m.Package.Name, Vers: m.Package.Version, V: 1, Features: map[string][]string{}, Deps: []dep{}, RustVersion: m.Package.RustVersion}
	if m.Package.Links != "" {
		links := m.Package.Links
		e.Links = &links
	}
	for name, list := range m.Features {
		if list == nil {
			list = []string{}
		}
		// Features that name "dep:x" or "x?/f" go in features2 (index v2).
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
	kinds := map[string]string{
		"dependencies": "normal", "dev-dependencies": "dev", "dev_dependencies": "dev",
		"build-dependencies": "build", "build_dependencies": "build",
	}
	addDeps := func(tables map[string]any, target *string) error {
		for key, kind := range kinds {
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
	if err := addDeps(all, nil); err != nil {
		return entry{}, nil, err
	}
	for spec, tables := range m.Target {
		s := spec
		if err := addDeps(tables, &s); err != nil {
			return entry{}, nil, err
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

	crate, err := archive(dir, e.Name+"-"+e.Vers, mtime)
	if err != nil {
		return entry{}, nil, err
	}
	sum := sha256.Sum256(crate)
	e.Cksum = hex.EncodeToString(sum[:])
	return e, crate, nil
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

func serve(args []string) error {
	fl := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fl.String("dir", "", "directory written by build")
	addr := fl.String("addr", "127.0.0.1:3143", "listen address (keep it on loopback)")
	_ = fl.Parse(args)
	if *dir == "" {
		return errors.New("usage: cargoreg serve -dir DIR -addr ADDR")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /index/config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"dl": "http://" + r.Host + "/crates/{crate}/{crate}-{version}.crate",
		})
	})
	files := http.FileServer(http.Dir(*dir))
	mux.Handle("GET /index/", files)
	mux.Handle("GET /crates/", files)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("serving %s on http://%s/index/", *dir, *addr)
	return srv.ListenAndServe()
}
