package main

// build-python: Debian python3-* packages, each unpacked with dpkg -x into its
// own directory, become pure-Python wheels (py3-none-any: the module files and
// a .dist-info made from the package's own .dist-info or .egg-info, with a
// fresh WHEEL and RECORD; compiled extensions are left out, so only packages
// with a pure-Python fallback qualify) under a PEP 503 simple index:
// DIR/simple/<project>/index.html and DIR/files/<wheel>. Wheels are
// reproducible (sorted entries, fixed times), so the same packages give the
// same hashes.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// distPackages is where Debian installs Python 3 modules.
const distPackages = "usr/lib/python3/dist-packages"

type wheel struct {
	project  string // PEP 503 normalized name
	file     string
	sha256   string
	requires string // Requires-Python
}

// pyName matches the runs of separators PEP 503 folds into one.
var pyName = regexp.MustCompile(`[-_.]+`)

func buildPython(args []string) error {
	out, mtime, dirs, err := buildFlags("build-python", args)
	if err != nil {
		return err
	}
	var wheels []wheel
	for _, dir := range dirs {
		w, err := makeWheel(dir, out, mtime)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		wheels = append(wheels, w)
	}
	return writeIndex(out, wheels)
}

// makeWheel repacks the one distribution an unpacked Debian package holds.
func makeWheel(dir, out string, mtime time.Time) (wheel, error) {
	root := filepath.Join(dir, distPackages)
	info, err := findInfo(root)
	if err != nil {
		return wheel{}, err
	}
	meta, err := metadata(filepath.Join(root, info))
	if err != nil {
		return wheel{}, err
	}
	name, version := header(meta, "Name"), header(meta, "Version")
	if name == "" || version == "" {
		return wheel{}, fmt.Errorf("%s: no Name or Version", info)
	}
	dist := strings.ToLower(pyName.ReplaceAllString(name, "_"))
	distInfo := dist + "-" + version + ".dist-info"

	files := map[string][]byte{}
	if err := moduleFiles(root, info, files); err != nil {
		return wheel{}, err
	}
	// The .dist-info: the metadata, the package's entry points and top-level
	// names, licence files; a new WHEEL and RECORD. pip writes INSTALLER and
	// REQUESTED itself. The generator keeps its old name: it is in every
	// wheel's bytes, and so in every lock file's hashes.
	files[distInfo+"/METADATA"] = meta
	files[distInfo+"/WHEEL"] = []byte("Wheel-Version: 1.0\nGenerator: appbuild-pyindex\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
	if err := distInfoFiles(filepath.Join(root, info), distInfo, files); err != nil {
		return wheel{}, err
	}
	whl, err := zipWheel(files, distInfo, mtime)
	if err != nil {
		return wheel{}, err
	}
	file := dist + "-" + version + "-py3-none-any.whl"
	if err := writeFile(filepath.Join(out, "files", file), whl); err != nil {
		return wheel{}, err
	}
	sum := sha256.Sum256(whl)
	return wheel{
		project:  strings.ToLower(pyName.ReplaceAllString(name, "-")),
		file:     file,
		sha256:   hex.EncodeToString(sum[:]),
		requires: header(meta, "Requires-Python"),
	}, nil
}

// findInfo names the one .dist-info or .egg-info directory in root.
func findInfo(root string) (string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", err
	}
	var info string
	for _, e := range entries {
		if e.IsDir() && (strings.HasSuffix(e.Name(), ".dist-info") || strings.HasSuffix(e.Name(), ".egg-info")) {
			if info != "" {
				return "", fmt.Errorf("more than one distribution (%s, %s)", info, e.Name())
			}
			info = e.Name()
		}
	}
	if info == "" {
		return "", errors.New("no .dist-info or .egg-info")
	}
	return info, nil
}

// moduleFiles adds the distribution's module files under root to files,
// without the metadata directory info and without compiled code.
func moduleFiles(root, info string, files map[string][]byte) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir() && (d.Name() == "__pycache__" || rel == info):
			return fs.SkipDir
		case d.IsDir():
			return nil
		case strings.HasSuffix(rel, ".so") || strings.HasSuffix(rel, ".pyc"):
			return nil // compiled code: the wheel is pure Python
		}
		data, err := readRegular(p, d)
		if err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
}

// distInfoFiles adds the files of the metadata directory info to files under
// distInfo, leaving out the ones a wheel's installer writes or that only
// setuptools reads.
func distInfoFiles(info, distInfo string, files map[string][]byte) error {
	return filepath.WalkDir(info, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(info, p)
		switch filepath.ToSlash(rel) {
		case "METADATA", "PKG-INFO", "WHEEL", "RECORD", "INSTALLER", "REQUESTED", "direct_url.json",
			"requires.txt", "SOURCES.txt", "dependency_links.txt", "not-zip-safe", "zip-safe":
			return nil
		}
		data, err := readRegular(p, d)
		if err != nil {
			return err
		}
		files[distInfo+"/"+filepath.ToSlash(rel)] = data
		return nil
	})
}

// zipWheel writes files and their RECORD into a wheel: entries sorted,
// RECORD last as wheel tools write it, one time and mode for all.
func zipWheel(files map[string][]byte, distInfo string, mtime time.Time) ([]byte, error) {
	names := make([]string, 0, len(files)+1)
	var record bytes.Buffer
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sum := sha256.Sum256(files[n])
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", csvField(n), base64.RawURLEncoding.EncodeToString(sum[:]), len(files[n]))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", distInfo)
	names = append(names, distInfo+"/RECORD")
	files[distInfo+"/RECORD"] = record.Bytes()

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate, Modified: mtime}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// readRegular reads a regular file; links inside a package (Debian links
// shared files) are read through.
func readRegular(p string, d fs.DirEntry) ([]byte, error) {
	if d.Type()&fs.ModeSymlink != 0 {
		t, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("%s: dangling link: %w", p, err)
		}
		p = t
	}
	return os.ReadFile(p)
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// metadata returns the core metadata of a .dist-info (METADATA) or an
// .egg-info (PKG-INFO, with requires.txt turned into Requires-Dist lines).
func metadata(info string) ([]byte, error) {
	if strings.HasSuffix(info, ".dist-info") {
		return os.ReadFile(filepath.Join(info, "METADATA"))
	}
	pkg, err := os.ReadFile(filepath.Join(info, "PKG-INFO"))
	if err != nil {
		return nil, err
	}
	reqs, err := os.ReadFile(filepath.Join(info, "requires.txt"))
	if errors.Is(err, fs.ErrNotExist) || len(reqs) == 0 || header(pkg, "Requires-Dist") != "" {
		// Newer setuptools writes Requires-Dist into PKG-INFO itself.
		return pkg, nil
	} else if err != nil {
		return nil, err
	}
	// Headers end at the first blank line; the description follows.
	head, body, _ := bytes.Cut(pkg, []byte("\n\n"))
	var out bytes.Buffer
	out.Write(head)
	out.WriteByte('\n')
	for _, r := range requiresDist(reqs) {
		fmt.Fprintf(&out, "Requires-Dist: %s\n", r)
	}
	if len(body) > 0 {
		out.WriteByte('\n')
		out.Write(body)
	}
	return out.Bytes(), nil
}

// requiresDist converts setuptools' requires.txt: plain lines, then
// sections "[extra]", "[:marker]" or "[extra:marker]".
func requiresDist(reqs []byte) []string {
	var out []string
	marker := ""
	sc := bufio.NewScanner(bytes.NewReader(reqs))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			extra, m, _ := strings.Cut(line[1:len(line)-1], ":")
			var parts []string
			if m != "" {
				parts = append(parts, "("+m+")")
			}
			if extra != "" {
				parts = append(parts, `extra == "`+extra+`"`)
			}
			marker = strings.Join(parts, " and ")
		case marker != "":
			out = append(out, line+"; "+marker)
		default:
			out = append(out, line)
		}
	}
	return out
}

// header returns the first value of a core metadata header.
func header(meta []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(meta))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, key) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// writeIndex writes the PEP 503 pages: the project list and one page per
// project linking its wheels with their sha256.
func writeIndex(out string, wheels []wheel) error {
	byProject := map[string][]wheel{}
	for _, w := range wheels {
		byProject[w.project] = append(byProject[w.project], w)
	}
	projects := make([]string, 0, len(byProject))
	for p := range byProject {
		projects = append(projects, p)
	}
	sort.Strings(projects)
	var idx strings.Builder
	idx.WriteString("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>appbuild rig index</title></head><body>\n")
	for _, p := range projects {
		fmt.Fprintf(&idx, "<a href=\"%s/\">%s</a>\n", p, p)
		var page strings.Builder
		fmt.Fprintf(&page, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Links for %s</title></head><body>\n<h1>Links for %s</h1>\n", p, p)
		ws := byProject[p]
		sort.Slice(ws, func(i, j int) bool { return ws[i].file < ws[j].file })
		for _, w := range ws {
			attr := ""
			if w.requires != "" {
				attr = fmt.Sprintf(" data-requires-python=\"%s\"", html.EscapeString(w.requires))
			}
			fmt.Fprintf(&page, "<a href=\"../../files/%s#sha256=%s\"%s>%s</a>\n", w.file, w.sha256, attr, w.file)
		}
		page.WriteString("</body></html>\n")
		if err := writeFile(filepath.Join(out, "simple", p, "index.html"), []byte(page.String())); err != nil {
			return err
		}
	}
	idx.WriteString("</body></html>\n")
	return writeFile(filepath.Join(out, "simple", "index.html"), []byte(idx.String()))
}
