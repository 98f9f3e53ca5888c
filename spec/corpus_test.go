package spec_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// The injection corpus: hostile values in every string field of the spec,
// in every language, each run through parse, plan and the three renderers
// (render_test.go). testdata/hostile/corpus.txt is the table of verdicts,
// one line a case: refused (at the value's line, with the message) or
// literal (all three renderers carry the value as its own bytes). The test
// fails when a verdict changes (go test ./spec -run TestHostileCorpus
// -update rewrites the table, to be read before it is committed), when a
// refusal does not point at the value, or when an oracle finds the value
// anywhere but as itself.

// base is a small spec for one language, over the files of an example;
// each entry is one top-level key and its YAML.
type base struct {
	dir     string
	entries [][2]string
}

var bases = map[string]base{
	"go":     {"go-hello", [][2]string{{"name", "name: hello"}, {"language", "language: go"}, {"build", "build: ./cmd/hello"}, {"port", "port: 8080"}}},
	"python": {"py-flask", [][2]string{{"name", "name: py"}, {"language", "language: python"}, {"cmd", "cmd: [/app/app.py]"}, {"port", "port: 8080"}}},
	"node":   {"node-express", [][2]string{{"name", "name: web"}, {"language", "language: node"}, {"port", "port: 8080"}}},
	"java":   {"java-maven", [][2]string{{"name", "name: jv"}, {"language", "language: java"}, {"build", "build: com.example.hello.App"}, {"port", "port: 8080"}}},
	"rust":   {"rust-hello", [][2]string{{"name", "name: rust-hello"}, {"language", "language: rust"}, {"port", "port: 8080"}}},
	"static": {"static-site", [][2]string{{"name", "name: site"}, {"language", "language: static"}, {"version", `version: "24"`}, {"build", "build: dist"}, {"port", "port: 8080"}}},
}

// field puts a value (already YAML, on one line) into a spec: the
// top-level key it replaces, and its YAML, the value on its last line.
type field struct {
	path  string
	top   string
	yaml  func(v string) string
	langs []string
}

func entry(top, prefix string) func(string) string {
	return func(v string) string { return top + ":" + prefix + v }
}

// fields are every string field of the spec (and the keys that are names),
// with the languages in which the field means something different.
var fields = []field{
	{"name", "name", entry("name", " "), []string{"go"}},
	{"language", "language", entry("language", " "), []string{"go"}},
	{"version", "version", entry("version", " "), []string{"go", "node"}},
	{"dir", "dir", entry("dir", " "), []string{"go", "static"}},
	{"dependencies.manager", "dependencies", entry("dependencies", "\n  manager: "), []string{"python"}},
	{"dependencies.files[0]", "dependencies", entry("dependencies", "\n  files:\n    - "), []string{"node", "rust"}},
	{"dependencies.index", "dependencies", entry("dependencies", "\n  index: "), []string{"python", "java", "node", "rust"}},
	{"build", "build", entry("build", " "), []string{"go", "python", "node", "java", "rust", "static"}},
	{"build_command[1]", "build_command", entry("build_command", "\n  - make\n  - "), []string{"java", "node", "static"}},
	{"entrypoint[1]", "entrypoint", entry("entrypoint", "\n  - /app/x\n  - "), []string{"go", "python"}},
	{"cmd[0]", "cmd", entry("cmd", "\n  - "), []string{"go", "python"}},
	{"test[2]", "test", entry("test", "\n  - go\n  - test\n  - "), []string{"go", "rust"}},
	{"port", "port", entry("port", " "), []string{"go"}},
	{"healthcheck.http", "healthcheck", entry("healthcheck", "\n  http: "), []string{"go", "static"}},
	{"healthcheck.tcp", "healthcheck", entry("healthcheck", "\n  tcp: "), []string{"go"}},
	{"healthcheck.exec[1]", "healthcheck", entry("healthcheck", "\n  exec:\n    - /app/x\n    - "), []string{"go"}},
	{"healthcheck.interval", "healthcheck", entry("healthcheck", "\n  tcp: 8080\n  interval: "), []string{"go"}},
	{"env.X", "env", entry("env", "\n  X: "), []string{"go", "java"}},
	{"env key", "env", func(v string) string { return "env:\n  " + v + ": x" }, []string{"go"}},
	{"workdir", "workdir", entry("workdir", " "), []string{"go", "node"}},
	{"runtime", "runtime", entry("runtime", " "), []string{"go"}},
	{"user", "user", entry("user", " "), []string{"go"}},
	{"packages.build[0]", "packages", entry("packages", "\n  build:\n    - "), []string{"python", "node"}},
	{"packages.runtime[0]", "packages", entry("packages", "\n  runtime:\n    - "), []string{"rust"}},
	{"resources.memory", "resources", entry("resources", "\n  memory: "), []string{"go"}},
	{"resources.cpus", "resources", entry("resources", "\n  cpus: "), []string{"go"}},
	{"services key", "services", func(v string) string { return "services:\n  db: {image: redis:8}\n  " + v + ": {image: redis:8}" }, []string{"go"}},
	{"services.db.image", "services", entry("services", "\n  db:\n    image: "), []string{"go"}},
	{"services.db.env.X", "services", entry("services", "\n  db:\n    image: postgres:17\n    env:\n      X: "), []string{"go"}},
	{"services.db.secrets key", "services", func(v string) string {
		return "services:\n  db:\n    image: postgres:17\n    secrets:\n      " + v + ": ./pw.txt"
	}, []string{"go"}},
	{"services.db.secrets.pw", "services", entry("services", "\n  db:\n    image: postgres:17\n    secrets:\n      pw: "), []string{"go"}},
	{"services.db.volume", "services", entry("services", "\n  db:\n    image: postgres:17\n    volume: "), []string{"go"}},
	{"volumes[0]", "volumes", entry("volumes", "\n  - "), []string{"go", "node"}},
	{"processes.worker[1]", "processes", entry("processes", "\n  web: [/app/x]\n  worker:\n    - /app/x\n    - "), []string{"go", "node"}},
	{"scan.severity[0]", "scan", entry("scan", "\n  severity:\n    - "), []string{"go"}},
	{"secrets[0].id", "secrets", entry("secrets", "\n  - id: "), []string{"go", "python", "node"}},
	{"secrets[0].env", "secrets", entry("secrets", "\n  - id: tok\n    env: "), []string{"python"}},
	{"platforms[0]", "platforms", entry("platforms", "\n  - "), []string{"go"}},
	{"image", "image", entry("image", " "), []string{"go"}},
	{"healthcheck.retries", "healthcheck", entry("healthcheck", "\n  tcp: 8080\n  retries: "), []string{"go"}},
}

// class is a kind of hostile value, and the fields it goes into (nil: every
// field above but the numeric ones). raw values are YAML as they are
// (numbers); the others are quoted.
type class struct {
	name   string
	values []string
	fields []string
	raw    bool
}

var classes = []class{
	{name: "newline-instruction", values: []string{"x\nFROM docker.io/library/busybox AS evil\nRUN touch /pwned #", "mvn\nRUN touch /pwned"}},
	{name: "carriage-return", values: []string{"x\rRUN touch /pwned"}},
	{name: "lexer-variable", values: []string{"$HOME", "${X:?boom}", "${X:-default}"}},
	{name: "lexer-quote-escape", values: []string{`"`, `'`, `/srv\`, `C:\Windows`}},
	{name: "heredoc", values: []string{"<<EOF"}},
	{name: "glob", values: []string{"*", "a?b"}},
	{name: "compose-interpolation", values: []string{"a$$b"}},
	{name: "shell", values: []string{"; touch /pwned", "$(touch /pwned)", "`touch /pwned`"}},
	{name: "flag", values: []string{"--help"}},
	{name: "mount-options", values: []string{"/data:ro", "/data:/etc:rw"}},
	{name: "path-dots", values: []string{"..", "."}},
	{name: "control", values: []string{"a\x07b", "\x1b[31mred"}},
	{name: "unicode", values: []string{"\u2028", "naïve ☃", "\ufeff"}},
	{name: "empty-space", values: []string{"", " x "}},
	{name: "yaml", values: []string{"a: b #c"}},
	{name: "uid", values: []string{"0", "00", "000:0", "0:0", "0:1000", "1000:0", "4294967294", "4294967295", "9999999999", "-1", "0x0", "root", "ROOT"}, fields: []string{"user"}},
	{name: "integer-bound", values: []string{"0", "-1", "2147483647", "2147483648", "9223372036854775808", "0x10", "1e3"}, fields: []string{"healthcheck.retries"}, raw: true},
	{name: "integer-bound", values: []string{"0", "65535", "65536", "99999999999", "8080/sctp"}, fields: []string{"port", "healthcheck.tcp"}},
	{name: "integer-bound", values: []string{"7e", "8e", "9999999999999p", "512m", "0.5g"}, fields: []string{"resources.memory"}},
	{name: "integer-bound", values: []string{"9223372036", "9223372037", "0.001", "0"}, fields: []string{"resources.cpus"}},
	{name: "integer-bound", values: []string{"2562047h", "2562048h", "1ms", "999us", "1.5s"}, fields: []string{"healthcheck.interval"}},
	{name: "secret-id", values: []string{"a/b", "a,b", "a=b", "x y", "-x", "ok_id.1"}, fields: []string{"secrets[0].id", "services.db.secrets key"}},
	{name: "absolute-path", values: []string{"/srv/$HOME", "/srv/${X:?boom}", `/srv/"q"`, "/srv/<<EOF", "/srv/*", "/srv dir/x", "/srv/'$(id)'"}, fields: []string{"workdir", "services.db.volume", "volumes[0]", "healthcheck.http"}},
	{name: "volume", values: []string{"/data,ro", "/data/../etc/", "relative", "/"}, fields: []string{"services.db.volume", "volumes[0]"}},
	{name: "app-volume", values: []string{"/app", "/app/", "/app/data", "/tmp/cache", "/proc/x", "/var/lib/app"}, fields: []string{"volumes[0]"}},
	{name: "index-url", values: []string{"http://x/simple/\n[evil]", "http://x/a]]></url>", "http://x/\";touch", "http://x/${X}/$HOME", "http://x/a b", "https://u:p@x/", "http://x/%0A%22", "http://x/#;["}, fields: []string{"dependencies.index"}},
	{name: "health-path", values: []string{"/{path}", "/a\"b", "/$HOME", "/ok/../x", "/a\\b"}, fields: []string{"healthcheck.http"}},
}

// hostileCase is one line of the corpus.
type hostileCase struct {
	class, lang string
	field       field
	value       string // YAML
}

func (c hostileCase) src() (string, int) {
	b := bases[c.lang]
	var lines []string
	for _, e := range b.entries {
		if e[0] != c.field.top {
			lines = append(lines, e[1])
		}
	}
	lines = append(lines, c.field.yaml(c.value))
	src := strings.Join(lines, "\n") + "\n"
	return src, strings.Count(src, "\n")
}

// composed reports whether compose.Generate (and kubernetes.Generate)
// read the field.
func (f field) composed() bool {
	for _, p := range []string{"name", "image", "user", "port", "env", "healthcheck", "resources", "services", "volumes", "processes", "(spec)"} {
		if f.path == p || strings.HasPrefix(f.path, p+".") || strings.HasPrefix(f.path, p+"[") || strings.HasPrefix(f.path, p+" ") {
			return true
		}
	}
	return false
}

func fieldByPath(path string) field {
	for _, f := range fields {
		if f.path == path {
			return f
		}
	}
	panic("no field " + path)
}

// corpus lists every case: each class's values in each of its fields, in
// each of the field's languages.
func corpus() []hostileCase {
	var out []hostileCase
	for _, cl := range classes {
		fs := cl.fields
		if fs == nil {
			for _, f := range fields {
				if f.path != "healthcheck.retries" {
					fs = append(fs, f.path)
				}
			}
		}
		for _, path := range fs {
			f := fieldByPath(path)
			for _, lang := range f.langs {
				for _, v := range cl.values {
					if !cl.raw {
						v = quote(v)
					}
					out = append(out, hostileCase{cl.name, lang, f, v})
				}
			}
		}
	}
	return append(out, scenarios()...)
}

// scenarios are cases a single field cannot make: two fields that must
// agree.
func scenarios() []hostileCase {
	whole := func(yaml string) field {
		return field{path: "(spec)", top: "services", yaml: func(string) string { return yaml }}
	}
	return []hostileCase{
		{"secret-file", "go", whole("services:\n  db: {image: postgres:17, secrets: {pw: ./a.txt}}\n  cache: {image: redis:8, secrets: {pw: ./b.txt}}"), "pw in two services, two files"},
		{"secret-file", "go", whole("services:\n  db: {image: postgres:17, secrets: {pw: ./a.txt}}\n  cache: {image: redis:8, secrets: {pw: a.txt}}"), "pw in two services, one file"},
		{"go-secrets", "go", field{path: "(spec)", top: "secrets", yaml: func(string) string { return "secrets:\n  - {id: netrc, required: true}" }}, "netrc, required"},
		{"service-env-newline", "go", whole("services:\n  db: {image: postgres:17, env: {INIT: \"line one\\nline two\"}}"), "a line break in a service's env"},
	}
}

// TestHostileCorpus runs the corpus and checks its table of verdicts.
func TestHostileCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("the corpus plans and renders every case")
	}
	initScripts(t)
	cases := corpus()
	if len(cases) < 150 {
		t.Fatalf("%d cases; the corpus holds at least 150", len(cases))
	}
	var table strings.Builder
	counts := map[string]map[string]int{}
	for _, c := range cases {
		src, line := c.src()
		var v verdict
		t.Run(c.class+"/"+c.lang+"/"+c.field.path, func(t *testing.T) {
			v = render(t, src, line, filepath.Join("../examples", bases[c.lang].dir), c.field.composed())
		})
		outcome := "literal"
		if v.refused {
			outcome = "refused"
		}
		if counts[c.class] == nil {
			counts[c.class] = map[string]int{}
		}
		counts[c.class][outcome]++
		fmt.Fprintf(&table, "%-7s  %-21s  %-6s  %-23s  %s", outcome, c.class, c.lang, c.field.path, c.value)
		if v.err != nil {
			fmt.Fprintf(&table, "  => %d:%d %s", v.err.Range.Start.Line, v.err.Range.Start.Column, v.err.Msg)
		}
		table.WriteString("\n")
	}
	table.WriteString(summary(counts, len(cases)))
	golden.Check(t, "testdata/hostile/corpus.txt", []byte(table.String()))
}

func summary(counts map[string]map[string]int, total int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n# %d cases, by class: refused (at the value's line) / literal (LLB, Dockerfile and compose carry it as itself)\n", total)
	for _, cl := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "# %-21s %4d refused %4d literal\n", cl, counts[cl]["refused"], counts[cl]["literal"])
	}
	return b.String()
}

// initScripts collects the scripts profiles run with -c from the plans of
// the base specs, for every platform the corpus plans for.
func initScripts(t testing.TB) {
	if len(fixedScripts) > 0 {
		return
	}
	for lang, b := range bases {
		var lines []string
		for _, e := range b.entries {
			lines = append(lines, e[1])
		}
		s, err := spec.Parse("app.yaml", []byte(strings.Join(lines, "\n")+"\n"))
		if err != nil {
			t.Fatalf("%s base: %v", lang, err)
		}
		p, _ := profiles.Get(lang)
		for _, target := range []struct{ os, arch string }{{"linux", "amd64"}, {"linux", "arm64"}, {"$TARGETOS", "$TARGETARCH"}} {
			env := profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: nil}
			env.TargetPlatform.OS, env.TargetPlatform.Architecture = target.os, target.arch
			env.Files = testfiles.Dir(filepath.Join("../examples", b.dir))
			pl, err := p.Plan(s, env)
			if err != nil {
				t.Fatalf("%s base: %v", lang, err)
			}
			for _, st := range pl.Stages {
				for _, step := range st.Steps {
					if r := step.Run; r != nil {
						for i, a := range r.Args[:max(len(r.Args)-1, 0)] {
							if a == "-c" {
								fixedScripts[r.Args[i+1]] = true
							}
						}
					}
				}
			}
		}
	}
}

// FuzzRender puts one value into every string field of the spec (each in
// the first language the corpus lists for it) and holds every spec to the
// corpus's oracles: refused at the value's line, or carried as itself by
// the LLB, the ejected Dockerfile and compose.yaml. Seeds are the first
// value of each of the corpus's classes.
func FuzzRender(f *testing.F) {
	for _, cl := range classes {
		f.Add(cl.values[0])
	}
	initScripts(f)
	f.Fuzz(func(t *testing.T, v string) {
		if len(v) > 4096 {
			return // a spec has a size limit, refused at its first line
		}
		for _, fl := range fields {
			if fl.path == "healthcheck.retries" {
				continue // a number, not a string
			}
			c := hostileCase{"fuzz", fl.langs[0], fl, quote(v)}
			src, line := c.src()
			render(t, src, line, filepath.Join("../examples", bases[c.lang].dir), fl.composed())
		}
	})
}
