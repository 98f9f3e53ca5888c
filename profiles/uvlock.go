package profiles

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// uv.lock is read here, not by uv: no uv binary can be had on the build
// stage (Debian 13 does not package it, and its releases are downloads
// from GitHub or PyPI). What `uv export --frozen --no-dev --format
// requirements-txt` would print is made from the lock instead: the
// project's main dependencies, followed through the lock, each pinned to
// its locked version with the sha256 of every wheel and sdist the lock
// lists, for pip to install with --require-hashes --no-deps. Only the lock
// is read: [tool.uv] settings (indexes, sources, overrides) are not, as
// the lock already records what they resolved to.

// uvLock is the part of uv.lock that appbuild reads.
type uvLock struct {
	Version  int         `toml:"version"`
	Packages []uvPackage `toml:"package"`
}

type uvPackage struct {
	Name                 string             `toml:"name"`
	Version              string             `toml:"version"`
	Source               map[string]any     `toml:"source"`
	Dependencies         []uvDep            `toml:"dependencies"`
	OptionalDependencies map[string][]uvDep `toml:"optional-dependencies"`
	Sdist                *uvFile            `toml:"sdist"`
	Wheels               []uvFile           `toml:"wheels"`
}

// uvDep is an edge of the lock's graph: a package name, the version and
// source when the lock holds several packages of that name, the marker
// under which it applies and the extras it asks for.
type uvDep struct {
	Name    string         `toml:"name"`
	Version string         `toml:"version"`
	Source  map[string]any `toml:"source"`
	Marker  string         `toml:"marker"`
	Extra   []string       `toml:"extra"`
}

type uvFile struct {
	Hash string `toml:"hash"`
}

// pyprojectName is [project].name of pyproject.toml.
type pyprojectName struct {
	Project struct {
		Name string `toml:"name"`
	} `toml:"project"`
}

var (
	// pep508Name is PEP 508's name, case-insensitive.
	pep508Name = regexp.MustCompile(`^(?i:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)
	// lockedVersion is a conservative PEP 440 version: an epoch, a
	// release, pre/post/dev parts and a local label are all within it.
	lockedVersion = regexp.MustCompile(`^[0-9]+!?[A-Za-z0-9.+_-]*$`)
	lockedHash    = regexp.MustCompile(`^(sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$`)
	// markerText keeps a marker to what PEP 508 markers are written with;
	// nothing pip's requirement-file parser treats specially ($, #, \).
	markerText = regexp.MustCompile(`^[A-Za-z0-9_ .'"()<>=!~,*+-]+$`)
	nameSep    = regexp.MustCompile(`[-_.]+`)
)

// normalizeName is PEP 503's normalised project name.
func normalizeName(name string) string {
	return strings.ToLower(nameSep.ReplaceAllString(name, "-"))
}

// uvLockError is a mistake in uv.lock, at a line and column when known.
type uvLockError struct {
	line, col int
	msg       string
}

func (e *uvLockError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("uv.lock:%d:%d: %s", e.line, e.col, e.msg)
	}
	return "uv.lock: " + e.msg
}

// notValidTOML is a TOML file's syntax error, at its line and column when
// the parser gives them.
func notValidTOML(file string, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		return fmt.Errorf("%s:%d:%d: not valid TOML: %s", file, line, col, strings.TrimPrefix(de.Error(), "toml: "))
	}
	return fmt.Errorf("%s: not valid TOML: %v", file, err)
}

// uvRequirements reads uv.lock and pyproject.toml and returns the
// requirements file pip installs: one line a package, sorted by name, as
// `name==version [; marker] --hash=... --hash=...`.
func uvRequirements(lockData, pyproject []byte) ([]byte, error) {
	var lock uvLock
	if err := toml.Unmarshal(lockData, &lock); err != nil {
		return nil, notValidTOML("uv.lock", err)
	}
	if lock.Version != 1 {
		return nil, &uvLockError{msg: fmt.Sprintf("lock version %d is not one appbuild reads (version = 1, written by uv 0.4 and later)", lock.Version)}
	}
	var project pyprojectName
	if err := toml.Unmarshal(pyproject, &project); err != nil {
		return nil, notValidTOML("pyproject.toml", err)
	}
	g := uvGraph{lock: lock, at: packagePositions(lockData), byName: map[string][]int{}}
	for i, p := range lock.Packages {
		n := normalizeName(p.Name)
		g.byName[n] = append(g.byName[n], i)
	}
	root, err := uvRoot(lock, project.Project.Name)
	if err != nil {
		return nil, err
	}
	when, err := g.closure(root)
	if err != nil {
		return nil, err
	}
	return g.render(root, when)
}

// uvGraph is a parsed uv.lock: its packages, where each is written (for
// errors at a line and column), and the packages of each name.
type uvGraph struct {
	lock   uvLock
	at     []map[string]unstable.Position
	byName map[string][]int
}

// errAt is an error at package i's key in uv.lock (or the package itself).
func (g uvGraph) errAt(i int, key, format string, args ...any) error {
	e := &uvLockError{msg: fmt.Sprintf(format, args...)}
	if i < len(g.at) {
		p, ok := g.at[i][key]
		if !ok {
			p = g.at[i][""]
		}
		e.line, e.col = p.Line, p.Column
	}
	return e
}

// uvRoot finds the project itself: the package at ".", virtual (no build
// system) or editable, named as pyproject.toml names it.
func uvRoot(lock uvLock, name string) (int, error) {
	root := -1
	var atDot []string
	for i, p := range lock.Packages {
		if src := p.Source; src["virtual"] == "." || src["editable"] == "." {
			atDot = append(atDot, p.Name)
			if root < 0 && (name == "" || normalizeName(p.Name) == normalizeName(name)) {
				root = i
			}
		}
	}
	if root >= 0 {
		return root, nil
	}
	if name != "" {
		return 0, &uvLockError{msg: fmt.Sprintf("no package for the project %q (source = { virtual = \".\" } or { editable = \".\" }); found %v: run uv lock", name, atDot)}
	}
	return 0, &uvLockError{msg: "no package for the project (source = { virtual = \".\" } or { editable = \".\" }): run uv lock"}
}

// resolve finds the package an edge points at.
func (g uvGraph) resolve(from int, d uvDep) (int, error) {
	var match []int
	for _, c := range g.byName[normalizeName(d.Name)] {
		if d.Version != "" && g.lock.Packages[c].Version != d.Version {
			continue
		}
		if d.Source != nil && !sameSource(g.lock.Packages[c].Source, d.Source) {
			continue
		}
		match = append(match, c)
	}
	switch {
	case len(match) == 1:
		return match[0], nil
	case len(match) == 0:
		return 0, g.errAt(from, "dependencies", "%s depends on %s, which the lock has no package for: run uv lock", g.lock.Packages[from].Name, d.Name)
	}
	return 0, g.errAt(from, "dependencies", "%s depends on %s, which the lock holds %d times without saying which: run uv lock", g.lock.Packages[from].Name, d.Name, len(match))
}

// closure is the closure of the main dependencies, each package with the
// markers under which it is needed: a set of terms (or), each term a set
// of edge markers (and); the empty term is "always".
func (g uvGraph) closure(root int) (map[int][][]string, error) {
	when := map[int][][]string{root: {nil}}
	queue := []int{root}
	for len(queue) > 0 {
		from := queue[0]
		queue = queue[1:]
		edges := slices.Clone(g.lock.Packages[from].Dependencies)
		for j := 0; j < len(edges); j++ {
			d := edges[j]
			to, err := g.resolve(from, d)
			if err != nil {
				return nil, err
			}
			// An extra asked for brings the target's optional group along.
			for _, x := range d.Extra {
				for _, od := range g.lock.Packages[to].OptionalDependencies[x] {
					od.Marker = andMarker(d.Marker, od.Marker)
					edges = append(edges, od)
				}
			}
			changed := false
			for _, term := range when[from] {
				t := term
				if m := strings.TrimSpace(d.Marker); m != "" && !slices.Contains(term, m) {
					t = append(slices.Clone(term), m)
					sort.Strings(t)
				}
				var added bool
				if when[to], added = addTerm(when[to], t); added {
					changed = true
				}
			}
			if len(when[to]) > 16 {
				return nil, g.errAt(to, "", "%s is needed under too many different markers for appbuild to combine: install it with pip from a requirements.txt (uv export)", g.lock.Packages[to].Name)
			}
			if changed && to != root {
				queue = append(queue, to)
			}
		}
	}
	return when, nil
}

// render writes the requirements, one line per package but the root,
// sorted by name.
func (g uvGraph) render(root int, when map[int][][]string) ([]byte, error) {
	type line struct{ name, text string }
	var lines []line
	for i, terms := range when {
		if i == root {
			continue
		}
		p := g.lock.Packages[i]
		text, err := requirementLine(p, terms, func(key, format string, args ...any) error {
			return g.errAt(i, key, format, args...)
		})
		if err != nil {
			return nil, err
		}
		lines = append(lines, line{normalizeName(p.Name), text})
	}
	sort.Slice(lines, func(a, b int) bool {
		if lines[a].name != lines[b].name {
			return lines[a].name < lines[b].name
		}
		return lines[a].text < lines[b].text
	})
	var b strings.Builder
	b.WriteString("# Made by appbuild from uv.lock: the main dependencies with their locked hashes.\n")
	for _, l := range lines {
		b.WriteString(l.text + "\n")
	}
	return []byte(b.String()), nil
}

// requirementLine is one locked package as a requirement pip checks by
// hash; terms are the markers it is needed under.
func requirementLine(p uvPackage, terms [][]string, errAt func(key, format string, args ...any) error) (string, error) {
	name := p.Name
	if !pep508Name.MatchString(name) {
		return "", errAt("name", "%q is not a package name (PEP 508)", name)
	}
	if reg, ok := p.Source["registry"].(string); ok && !strings.Contains(reg, "://") {
		return "", errAt("source", "%s comes from the directory %s (find-links), which pip does not search here; publish it to the index", name, reg)
	}
	if _, ok := p.Source["registry"]; !ok {
		kind := "no source"
		for _, k := range []string{"git", "path", "url", "directory", "editable", "virtual"} {
			if v, ok := p.Source[k]; ok {
				kind = fmt.Sprintf("%s = %v", k, v)
				break
			}
		}
		return "", errAt("source", "%s comes from %s, which appbuild cannot install with pinned hashes; only packages from an index (source = { registry = ... }) are supported: publish it to the index or vendor it in the app's source", name, kind)
	}
	if !lockedVersion.MatchString(p.Version) || len(p.Version) > 64 {
		return "", errAt("version", "%s has version %q, which is not a version appbuild accepts", name, p.Version)
	}
	var hashes []string
	files := slices.Clone(p.Wheels)
	if p.Sdist != nil {
		files = append(files, *p.Sdist)
	}
	for _, f := range files {
		if !lockedHash.MatchString(f.Hash) {
			return "", errAt("wheels", "%s %s has a file with hash %q: want sha256:<64 hex digits>", name, p.Version, f.Hash)
		}
		if !slices.Contains(hashes, f.Hash) {
			hashes = append(hashes, f.Hash)
		}
	}
	if len(hashes) == 0 {
		return "", errAt("", "%s %s lists no wheel or sdist with a hash: run uv lock", name, p.Version)
	}
	sort.Strings(hashes)
	text := normalizeName(name) + "==" + p.Version
	if m := orMarker(terms); m != "" {
		if !markerText.MatchString(m) {
			return "", errAt("", "%s is needed under the marker %q, which holds characters appbuild does not pass to pip", name, m)
		}
		for _, tok := range strings.Fields(m) {
			if strings.HasPrefix(tok, "-") {
				return "", errAt("", "%s is needed under the marker %q, which pip would read as an option", name, m)
			}
		}
		text += " ; " + m
	}
	for _, h := range hashes {
		text += " --hash=" + h
	}
	return text, nil
}

// addTerm adds an and-term to an or-set, keeping the set minimal: a term
// that holds another adds nothing, and replaces the terms that hold it.
func addTerm(set [][]string, t []string) ([][]string, bool) {
	for _, s := range set {
		if subset(s, t) {
			return set, false
		}
	}
	out := set[:0:0]
	for _, s := range set {
		if !subset(t, s) {
			out = append(out, s)
		}
	}
	return append(out, t), true
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func andMarker(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") and (" + b + ")"
}

// orMarker renders an or-set of and-terms; "" when a term is "always".
func orMarker(terms [][]string) string {
	var ors []string
	for _, t := range terms {
		if len(t) == 0 {
			return ""
		}
		and := t[0]
		if len(t) > 1 {
			and = "(" + strings.Join(t, ") and (") + ")"
		}
		ors = append(ors, and)
	}
	sort.Strings(ors)
	if len(ors) == 1 {
		return ors[0]
	}
	return "(" + strings.Join(ors, ") or (") + ")"
}

func sameSource(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if fmt.Sprint(b[k]) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}

// packagePositions finds, for each [[package]] of uv.lock in order, where
// its header ("") and its keys (name, version, source, ...) are, for
// errors that point at the line.
func packagePositions(data []byte) []map[string]unstable.Position {
	var out []map[string]unstable.Position
	p := unstable.Parser{}
	p.Reset(data)
	in := false
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.ArrayTable, unstable.Table:
			keys := e.Key()
			var parts []string
			var first *unstable.Node
			for keys.Next() {
				if first == nil {
					first = keys.Node()
				}
				parts = append(parts, string(keys.Node().Data))
			}
			in = false
			if e.Kind == unstable.ArrayTable && len(parts) == 1 && parts[0] == "package" && first != nil {
				pos := p.Shape(first.Raw).Start
				// Point at the "[[" that opens the header.
				if i := strings.LastIndex(string(data[:pos.Offset]), "[["); i >= 0 && pos.Offset-i <= pos.Column {
					pos.Column -= pos.Offset - i
					pos.Offset = i
				}
				out = append(out, map[string]unstable.Position{"": pos})
				in = true
			}
		case unstable.KeyValue:
			if !in {
				continue
			}
			keys := e.Key()
			if keys.Next() {
				k := keys.Node()
				out[len(out)-1][string(k.Data)] = p.Shape(k.Raw).Start
			}
		}
	}
	return out
}
