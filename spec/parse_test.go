package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// bare drops what Parse records besides the spec itself, for comparisons.
func bare(s *Spec) Spec {
	c := *s
	c.locs, c.file = nil, ""
	return c
}

func parseFile(t *testing.T, name string) *Spec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "valid", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("app.yaml", data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return s
}

func TestParseValid(t *testing.T) {
	tcp := func(n int) *Port { return &Port{Number: n, Protocol: "tcp"} }
	tests := []struct {
		file string
		want Spec
	}{
		{"minimal.yaml", Spec{Name: "hello"}},
		{"go-full.yaml", Spec{
			Name:     "hello",
			Language: "go",
			Version:  "1.26",
			Dir:      "services/hello",
			Dependencies: &Dependencies{
				Manager: "go",
				Files:   []string{"go.mod", "go.sum"},
			},
			Build:        "./cmd/hello",
			BuildCommand: []string{"go", "build", "-trimpath", "-o", "/out/hello", "./cmd/hello"},
			Entrypoint:   []string{"/app/hello"},
			Cmd:          []string{"--listen", ":8080"},
			Ports:        []Port{{8080, "tcp"}, {9090, "udp"}},
			Healthcheck: &Healthcheck{
				HTTP:        "/healthz",
				Interval:    Duration(10 * time.Second),
				Timeout:     Duration(2 * time.Second),
				StartPeriod: Duration(90 * time.Second),
				Retries:     5,
			},
			Env:      map[string]string{"GOMAXPROCS": "2", "DEBUG": "false", "GREETING": "hello, world"},
			Workdir:  "/app",
			Runtime:  "scratch",
			User:     "1000:1000",
			Packages: &Packages{Build: []string{"git"}, Runtime: []string{"ca-certificates", "tzdata=2025b-1"}},
			Resources: &Resources{
				Memory: "512m",
				CPUs:   "0.5",
			},
			Services: map[string]Service{"db": {
				Image:   "postgres:17",
				Env:     map[string]string{"POSTGRES_DB": "app"},
				Secrets: map[string]string{"db_password": "secrets/db_password.txt"},
				Volume:  "/var/lib/postgresql/data",
			}},
			Scan:      &Scan{Severity: []string{"HIGH", "CRITICAL"}, IgnoreUnfixed: true},
			Test:      []string{"go", "test", "./..."},
			Secrets:   []Secret{{ID: "netrc"}, {ID: "GOPRIVATE_TOKEN", Env: "GOPRIVATE_TOKEN"}},
			Platforms: []string{"linux/amd64", "linux/arm64"},
			Image:     "registry.example.com/team/hello:1.2",
		}},
		{"anchors.yaml", Spec{
			Name:     "api",
			Language: "python",
			Version:  "3.13.1",
			Port:     tcp(8000),
			Healthcheck: &Healthcheck{
				HTTP:     "/ready",
				Interval: Duration(15 * time.Second),
				Retries:  4,
			},
			Env: map[string]string{"LOG_FORMAT": "json", "REGION": "us-east-1", "APP_PORT": "8000"},
			Services: map[string]Service{
				"primary": {Image: "postgres:17", Env: map[string]string{"POSTGRES_DB": "app"}},
				"replica": {Image: "postgres:17", Env: map[string]string{"POSTGRES_DB": "replica"}, Volume: "/data"},
			},
		}},
		{"python-node.yaml", Spec{
			Name:     "web.front_end-2",
			Language: "node",
			Version:  "22",
			Dependencies: &Dependencies{
				Manager: "pnpm",
				Files:   []string{"package.json", "pnpm-lock.yaml"},
				Index:   "https://npm.example.com/",
			},
			Build:       "build",
			Port:        tcp(3000),
			Healthcheck: &Healthcheck{TCP: tcp(3000)},
			User:        "nonroot",
			Runtime:     "distroless",
			Secrets:     []Secret{{ID: "npmrc"}},
		}},
		{"nulls.yaml", Spec{
			Name:        "quiet",
			Healthcheck: &Healthcheck{None: true},
			Scan:        &Scan{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := parseFile(t, tt.file)
			if got := bare(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%s) =\n%+v\nwant\n%+v", tt.file, got, tt.want)
			}
			if s.File() != "app.yaml" {
				t.Errorf("File() = %q", s.File())
			}
		})
	}
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) != len(tests) {
		t.Errorf("testdata/valid has %d files and the table %d cases", len(files), len(tests))
	}
}

func TestWhere(t *testing.T) {
	s := parseFile(t, "go-full.yaml")
	tests := []struct {
		path       string
		start, end Position
	}{
		{"name", Position{2, 1}, Position{2, 12}},
		{"ports[1]", Position{15, 5}, Position{15, 15}},
		{"healthcheck", Position{16, 1}, Position{21, 13}},
		{"healthcheck.http", Position{17, 3}, Position{17, 17}},
		{"env.GREETING", Position{25, 3}, Position{25, 27}},
		{"build_command", Position{10, 1}, Position{10, 79}},
		{"dependencies.files[0]", Position{8, 11}, Position{8, 19}},
		{"services.db.image", Position{37, 5}, Position{37, 23}},
		{"secrets[1].env", Position{50, 5}, Position{50, 25}},
		{"platforms", Position{51, 1}, Position{51, 38}},
	}
	for _, tt := range tests {
		r, ok := s.Where(tt.path)
		if !ok {
			t.Errorf("Where(%q): not found", tt.path)
			continue
		}
		if want := (Range{tt.start, tt.end}); r != want {
			t.Errorf("Where(%q) = %v, want %v", tt.path, r, want)
		}
	}
	if _, ok := s.Where("port"); ok {
		t.Errorf("Where(port) found a field the file does not hold")
	}
	// Fields reached through an alias point into the anchor they come from.
	a := parseFile(t, "anchors.yaml")
	if r, _ := a.Where("healthcheck.interval"); r.Start != (Position{4, 3}) {
		t.Errorf("Where(healthcheck.interval) = %v, want the anchor's line 4", r)
	}
	if r, _ := a.Where("services.primary"); r.Start != (Position{27, 3}) || r.End != (Position{27, 15}) {
		t.Errorf("Where(services.primary) = %v, want 27:3-27:15", r)
	}
}

func TestAllPorts(t *testing.T) {
	for _, tt := range []struct {
		yaml string
		want []Port
	}{
		{"name: a\n", nil},
		{"name: a\nport: 80\n", []Port{{80, "tcp"}}},
		{"name: a\nports: [53/udp, 80]\n", []Port{{53, "udp"}, {80, "tcp"}}},
	} {
		s, err := Parse("app.yaml", []byte(tt.yaml))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.AllPorts(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: AllPorts() = %v, want %v", tt.yaml, got, tt.want)
		}
	}
}

func TestMarshal(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	for _, f := range files {
		s := parseFile(t, filepath.Base(f))
		out, err := Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(out), "# syntax=org/appbuild\n") {
			t.Errorf("%s: Marshal output lacks the syntax line:\n%s", f, out)
		}
		back, err := Parse("app.yaml", out)
		if err != nil {
			t.Fatalf("%s: Parse(Marshal(s)): %v\n%s", f, err, out)
		}
		if !reflect.DeepEqual(bare(back), bare(s)) {
			t.Errorf("%s: round trip differs:\n%+v\n%+v", f, bare(back), bare(s))
		}
	}
	want := `# syntax=org/appbuild
name: hello
version: "3.10"
ports:
  - 8080
  - 53/udp
healthcheck:
  exec:
    - /app
    - health
  interval: 1m30s
env:
  A: "true"
  B: |-
    two
    lines
`
	s := &Spec{
		Name:        "hello",
		Version:     "3.10",
		Ports:       []Port{{8080, "tcp"}, {53, "udp"}},
		Healthcheck: &Healthcheck{Exec: []string{"/app", "health"}, Interval: Duration(90 * time.Second)},
		Env:         map[string]string{"B": "two\nlines", "A": "true"},
	}
	out, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", out, want)
	}
}

func TestErrorsUnwrap(t *testing.T) {
	_, err := Parse("app.yaml", []byte("name: A\nport: x\n"))
	if n := len(Errors(err)); n != 2 {
		t.Fatalf("Errors: %d errors, want 2: %v", n, err)
	}
	if n := len(Errors(fmt.Errorf("load spec: %w", err))); n != 2 {
		t.Errorf("Errors of a wrapped error: %d errors, want 2", n)
	}
	one := &Error{File: "f", Msg: "m"}
	if got := Errors(one); len(got) != 1 || got[0] != one {
		t.Errorf("Errors(*Error) = %v", got)
	}
	if Errors(nil) != nil || Errors(errors.New("x")) != nil {
		t.Errorf("Errors of nil or a plain error is not empty")
	}
	var e *Error
	if !errors.As(err, &e) || e.Range.Start.Line != 1 {
		t.Errorf("errors.As gave %v, want the first error, on line 1", e)
	}
}

func TestCleanPath(t *testing.T) {
	for _, tt := range []struct{ in, want, err string }{
		{"go.mod", "go.mod", ""},
		{"./a/../b/", "b", ""},
		{".", ".", ""},
		{"a/..", ".", ""},
		{"..", "", `".." leaves the build context`},
		{"../x", "", `"../x" leaves the build context`},
		{"a/../../x", "", `"a/../../x" leaves the build context`},
		{"..foo", "..foo", ""},
		{"/etc/passwd", "", `"/etc/passwd" is absolute; write it relative to the build context`},
		{"", "", "empty path"},
		{"a\nb", "", "contains a line break; write it on one line"},
		{"a\x00b", "", "contains the control character U+0000"},
	} {
		got, err := CleanPath(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("CleanPath(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	known := []string{"healthcheck", "env", "ports", "build_command", "id"}
	for _, tt := range []struct{ word, want string }{
		{"helthcheck", "healthcheck"},
		{"healtcheck", "healthcheck"},
		{"Healthcheck", "healthcheck"},
		{"buildCommand", "build_command"},
		{"prots", "ports"},
		{"evn", "env"},
		{"environment", "env"},
		{"x", ""},
		{"zebra", ""},
	} {
		want := ""
		if tt.want != "" {
			want = fmt.Sprintf(" (did you mean %q?)", tt.want)
		}
		if got := didYouMean(tt.word, known); got != want {
			t.Errorf("didYouMean(%q) = %q, want %q", tt.word, got, want)
		}
	}
}

// TestMarshalTrickyStrings round-trips strings that YAML would read as
// something else, or that need quoting or block styles.
func TestMarshalTrickyStrings(t *testing.T) {
	tricky := []string{
		"", " ", "  lead", "trail  ", "true", "no", "~", "null", "3.10", "0x1F", "1e3", "2024-01-01",
		"- item", "key: value", "#comment", "a #b", "*alias", "&anchor", "!tag", "%percent", "@at", "`tick",
		"'single'", `"double"`, "{flow}", "[list]", "<<", "?", "|", ">", "a\nb", "a\n\nb\n", "\nlead", "trail\n\n",
		"tab\there", "\ttab", "naïve ☃", "a\u00a0b", "---", "...", "a: b\nc: d", "x\n  indented", "back\\slash",
	}
	// The app's env holds no line breaks (eject could not write them); a
	// service's env, which goes to compose only, may.
	db := Service{Image: "postgres:17", Env: map[string]string{}}
	s := &Spec{Name: "tricky", Entrypoint: tricky[1:], Cmd: tricky, Env: map[string]string{}, Services: map[string]Service{"db": db}}
	for i, v := range tricky {
		db.Env[fmt.Sprintf("V%02d", i)] = v
		if !strings.Contains(v, "\n") {
			s.Env[fmt.Sprintf("V%02d", i)] = v
		}
	}
	out, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("app.yaml", out)
	if err != nil {
		t.Fatalf("Parse(Marshal(s)): %v\n%s", err, out)
	}
	if !reflect.DeepEqual(bare(back), bare(s)) {
		t.Errorf("round trip differs:\n%q\n%q\n%s", back.Cmd, s.Cmd, out)
	}
}
