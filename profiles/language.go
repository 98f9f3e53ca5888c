package profiles

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// A Language is everything appbuild knows about one language outside its
// Plan, declared once in the language's own file: spec validation (through
// the generated spec/languages.go), the files the frontend loads,
// detection and lint all read it, so adding a language touches that file
// (and the examples) and nothing else.
type Language struct {
	// Name is the spec's language value.
	Name string
	// Rank orders languages wherever they are listed (the schema's enum,
	// error messages): the order they were added in; a new one takes the
	// next number.
	Rank int
	// Profile plans the language's builds.
	Profile Profile
	// Managers are the dependencies.manager values the profile installs
	// with.
	Managers []string
	// Detect are the files whose presence means an app is in this
	// language, and DetectRank orders the languages' detection (lower
	// first): a compiled language's build file comes before package.json,
	// which a Go or Java repository often carries for front-end tooling.
	Detect     []string
	DetectRank int
	// Locks say which lock files pin a manifest, for lint's
	// MissingLockfile.
	Locks []Lock
	// VersionFiles pin the toolchain version when the spec does not.
	VersionFiles []string
	// Pinned, when set, replaces "one of VersionFiles exists" (Go reads
	// go.mod's go line), and Unpinned is lint's message when it reports
	// false. A language with neither (static) has no version to pin.
	Pinned   func(Files) bool
	Unpinned string
	// Reads are the other files the profile reads to plan a build
	// (package manager configuration), beyond Detect, Locks and
	// VersionFiles.
	Reads []string
	// Scratch is true when the app runs on scratch (no libc, no
	// interpreter): a static binary.
	Scratch bool
}

// Lock names the lock files that may pin a manifest.
type Lock struct {
	Manifest string
	Files    []string
	// HasDeps, when set, reports whether the manifest declares any
	// dependency: a manifest without any needs no lock file.
	HasDeps func(manifest []byte) bool
}

// languages is every language, keyed by name. Each language's file adds
// itself with register while the package's variables are initialised,
// before any function runs; nothing writes it after.
var languages = map[string]Language{}

// register adds a language; a name taken twice is a programming error.
func register(l Language) Language {
	if _, ok := languages[l.Name]; ok {
		panic("profiles: language " + l.Name + " registered twice")
	}
	languages[l.Name] = l
	return l
}

// All lists the languages in Rank order.
func All() []Language {
	out := make([]Language, 0, len(languages))
	for _, l := range languages {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rank < out[j].Rank })
	return out
}

// Lookup returns the language of a name.
func Lookup(name string) (Language, bool) {
	l, ok := languages[name]
	return l, ok
}

// Get returns the profile of a language.
func Get(language string) (Profile, error) {
	l, ok := languages[language]
	if !ok {
		return nil, fmt.Errorf("language %q is not supported yet (supported: %s)", language, strings.Join(Languages(), ", "))
	}
	return l.Profile, nil
}

// Languages lists the supported languages, sorted.
func Languages() []string {
	var names []string
	for name := range languages {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// ManifestFiles are the files some profile may read to plan a build:
// detection files, manifests, lock files, version pins and configuration.
// The frontend transfers only these (and the spec's dependencies.files),
// not the whole context.
func ManifestFiles() []string {
	var out []string
	add := func(files ...string) {
		for _, f := range files {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	for _, l := range All() {
		add(l.Detect...)
		for _, lock := range l.Locks {
			add(lock.Manifest)
			add(lock.Files...)
		}
		add(l.VersionFiles...)
		add(l.Reads...)
	}
	return out
}

// IsPinned reports whether the app's files pin the language's toolchain
// version, for a spec that sets none.
func (l Language) IsPinned(files Files) bool {
	if l.Pinned != nil {
		return l.Pinned(files)
	}
	if len(l.VersionFiles) == 0 {
		return true // nothing to pin
	}
	return slices.ContainsFunc(l.VersionFiles, func(f string) bool { return exists(files, f) })
}

// hasLine reports whether a line of data starts with prefix, after
// leading spaces.
func hasLine(data []byte, prefix string) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if strings.HasPrefix(strings.TrimSpace(sc.Text()), prefix) {
			return true
		}
	}
	return false
}
