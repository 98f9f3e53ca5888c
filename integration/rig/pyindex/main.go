// Command pyindex is the rig's local Python package index: PyPI cannot be
// reached from these machines, so the Python examples install from this one,
// through the same index setting a user with a private index would use.
//
//	pyindex build -out DIR -epoch SECONDS UNPACKED...
//	pyindex serve -dir DIR -addr 127.0.0.1:3141 -credentials FILE
//
// build turns Debian python3-* packages, each unpacked with dpkg -x into its
// own directory, into pure-Python wheels (py3-none-any: the module files and
// a .dist-info made from the package's own .dist-info or .egg-info, with a
// fresh WHEEL and RECORD; compiled extensions are left out, so only packages
// with a pure-Python fallback qualify) and writes a PEP 503 simple index over
// them: DIR/simple/<project>/index.html and DIR/files/<wheel>. Wheels are
// reproducible (sorted entries, fixed times), so the same packages give the
// same hashes.
//
// serve serves DIR over HTTP twice: openly under /simple/ and /files/, and
// under /private/simple/ and /private/files/ only with the HTTP basic
// credentials (user:password) in FILE, like a private index that needs a
// token, which a build must pass as a secret.
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"html"
	"io/fs"
	"log"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("pyindex: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: pyindex build|serve ...")
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

// distPackages is where Debian installs Python 3 modules.
const distPackages = "usr/lib/python3/dist-packages"

type wheel struct {
	project  string // PEP 503 normalized name
	file     string
	sha256   string
	requires string // Requires-Python
}

func build(args []string) error {
	fl := flag.NewFlagSet("build", flag.ExitOnError)
	out := fl.String("out", "", "output directory (simple/ and files/)")
	epoch := fl.Int64("epoch", 1767225600, "time of every wheel entry (SOURCE_DATE_EPOCH)")
	_ = fl.Parse(args)
	if *out == "" || fl.NArg() == 0 {
		return errors.New("usage: pyindex build -out DIR [-epoch N] UNPACKED_DEB_DIR...")
	}
	mtime := time.Unix(*epoch, 0).UTC()
	if err := os.MkdirAll(filepath.Join(*out, "files"), 0o755); err != nil {
		return err
	}
	var wheels []wheel
	for _, dir := range fl.Args() {
		w, err := makeWheel(dir, *out, mtime)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		wheels = append(wheels, w)
	}
	return writeIndex(*out, wheels)
}

// makeWheel repacks the one distribution an unpacked Debian package holds.
func makeWheel(dir, out string, mtime time.Time) (wheel, error) {
	root := filepath.Join(dir, distPackages)
	entries, err := os.ReadDir(root)
	if err != nil {
		return wheel{}, err
	}
	var info string
	for _, e := range entries {
		if e.IsDir() && (strings.HasSuffix(e.Name(), ".dist-info") || strings.HasSuffix(e.Name(), ".egg-info")) {
			if info != "" {
				return wheel{}, fmt.Errorf("more than one distribution (%s, %s)", info, e.Name())
			}
			info = e.Name()
		}
	}
	if info == "" {
		return wheel{}, errors.New("no .dist-info or .egg-info")
	}
	meta, err := metadata(filepath.Join(root, info))
	if err != nil {
		return wheel{}, err
	}
	name, version := header(meta, "Name"), header(meta, "Version")
	if name == "" || version == "" {
		return wheel{}, fmt.Errorf("%s: no Name or Version", info)
	}
	dist := strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(name, "_"))
	distInfo := dist + "-" + version + ".dist-info"

	files := map[string][]byte{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
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
	if err != nil {
		return wheel{}, err
	}
	// The .dist-info: the metadata, the package's entry points and top-level
	// names, licence files; a new WHEEL and RECORD. pip writes INSTALLER and
	// REQUESTED itself.
	files[distInfo+"/METADATA"] = meta
	files[distInfo+"/WHEEL"] = []byte("Wheel-Version: 1.0\nGenerator: appbuild-pyindex\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
	err = filepath.WalkDir(filepath.Join(root, info), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(root, info), p)
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
	if err != nil {
		return wheel{}, err
	}

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
	files[distInfo+"/RECORD"] = record.Bytes()
	names = append(names, distInfo+"/RECORD") // RECORD last, as wheel tools write it

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate, Modified: mtime}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return wheel{}, err
		}
		if _, err := w.Write(files[n]); err != nil {
			return wheel{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return wheel{}, err
	}
	file := dist + "-" + version + "-py3-none-any.whl"
	if err := os.WriteFile(filepath.Join(out, "files", file), buf.Bytes(), 0o644); err != nil {
		return wheel{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return wheel{
		project:  strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(name, "-")),
		file:     file,
		sha256:   hex.EncodeToString(sum[:]),
		requires: header(meta, "Requires-Python"),
	}, nil
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
		dir := filepath.Join(out, "simple", p)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page.String()), 0o644); err != nil {
			return err
		}
	}
	idx.WriteString("</body></html>\n")
	return os.WriteFile(filepath.Join(out, "simple", "index.html"), []byte(idx.String()), 0o644)
}

func serve(args []string) error {
	fl := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fl.String("dir", "", "directory written by pyindex build")
	addr := fl.String("addr", "127.0.0.1:3141", "listen address (keep it on loopback)")
	credFile := fl.String("credentials", "", "file holding user:password for /private/")
	_ = fl.Parse(args)
	if *dir == "" || *credFile == "" {
		return errors.New("usage: pyindex serve -dir DIR -credentials FILE [-addr HOST:PORT]")
	}
	cred, err := os.ReadFile(*credFile)
	if err != nil {
		return err
	}
	user, pass, ok := strings.Cut(strings.TrimSpace(string(cred)), ":")
	if !ok || user == "" || pass == "" {
		return fmt.Errorf("%s: want user:password", *credFile)
	}
	files := http.FileServer(http.Dir(*dir))
	mux := http.NewServeMux()
	public := func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s", r.Method, r.URL.Path)
		files.ServeHTTP(w, r)
	}
	mux.HandleFunc("/simple/", public)
	mux.HandleFunc("/files/", public)
	mux.HandleFunc("/private/", func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(pass)) != 1 {
			log.Printf("%s %s: 401", r.Method, r.URL.Path)
			w.Header().Set("WWW-Authenticate", `Basic realm="appbuild rig private index"`)
			http.Error(w, "credentials required", http.StatusUnauthorized)
			return
		}
		log.Printf("%s %s (authenticated)", r.Method, r.URL.Path)
		r2 := r.Clone(r.Context())
		r2.URL.Path = path.Clean("/" + strings.TrimPrefix(r.URL.Path, "/private/"))
		if strings.HasSuffix(r.URL.Path, "/") && r2.URL.Path != "/" {
			r2.URL.Path += "/"
		}
		files.ServeHTTP(w, r2)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	log.Printf("serving %s on http://%s/simple/ (and /private/simple/ with credentials)", *dir, *addr)
	return (&http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}).ListenAndServe()
}
