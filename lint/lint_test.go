package lint_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/lint"
	"github.com/org/appbuild/spec"
)

// clean is a spec no rule fires on; each case below breaks one thing.
const clean = `name: app
language: go
port: 8080
healthcheck:
  http: /healthz
resources:
  memory: 256m
  cpus: "0.5"
`

var goFiles = testfiles.Map{"go.mod": "module x\n\ngo 1.26\n\nrequire example.com/y v1.0.0\n", "go.sum": "x"}

func findings(t *testing.T, src string, fs testfiles.Map, skip ...string) []string {
	t.Helper()
	s, err := spec.Parse("app.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range lint.Run(s, fs, skip) {
		r, _ := s.Where(f.Path)
		out = append(out, fmt.Sprintf("%d:%d %s: %s", r.Start.Line, r.Start.Column, f.Rule.Name, f.Detail))
	}
	return out
}

func TestCleanSpecHasNoFindings(t *testing.T) {
	if got := findings(t, clean, goFiles); len(got) != 0 {
		t.Fatalf("findings on a clean spec:\n%s", strings.Join(got, "\n"))
	}
}

func TestEachRuleFires(t *testing.T) {
	cases := []struct {
		rule  string
		src   string
		files testfiles.Map
		want  string
	}{
		{"MissingHealthcheck", strings.Replace(clean, "  http: /healthz", "  none: true", 1), goFiles,
			"5:3 MissingHealthcheck: healthcheck is turned off"},
		{"RunsAsRoot", clean + "user: root\n", goFiles,
			"9:1 RunsAsRoot: user is root, uid 0; leave it out to run as nonroot (65532)"},
		{"UnpinnedVersion", clean, testfiles.Map{"go.mod": "module x\n"},
			"2:1 UnpinnedVersion: no version and no go line in go.mod: the default Go version is used"},
		{"MissingLockfile", clean, testfiles.Map{"go.mod": "module x\ngo 1.26\nrequire a.b/c v1.0.0\n"},
			"2:1 MissingLockfile: go.mod has no lock file next to it (go.sum)"},
		{"PrivilegedPort", strings.Replace(clean, "port: 8080", "port: 80", 1), goFiles,
			"3:1 PrivilegedPort: port 80 is below 1024 and the app runs as non-root; listen on 8080 or similar"},
		{"SecretInEnv", clean + "env:\n  API_TOKEN: abc\n  TOKEN_FILE: /run/secrets/t\n", goFiles,
			"10:3 SecretInEnv: env API_TOKEN looks like a secret; pass it at run time or as a build secret"},
		{"LatestTag", clean + "services:\n  cache:\n    image: redis\n", goFiles,
			"11:5 LatestTag: service cache uses redis: pin a version tag or a digest"},
		{"ManifestNotFound", clean + "dependencies:\n  manager: go\n  files: [go.mod, go.work]\n", goFiles,
			"11:19 ManifestNotFound: go.work does not exist in the app's directory"},
		{"NoResourceLimits", "name: app\nlanguage: go\nport: 8080\n", goFiles,
			"1:1 NoResourceLimits: no resources: set resources.memory and resources.cpus"},
		{"InlinePassword", clean + "services:\n  db:\n    image: postgres:17\n    env:\n      POSTGRES_PASSWORD: hunter2\n", goFiles,
			"13:7 InlinePassword: service db sets POSTGRES_PASSWORD inline; use secrets (a file) instead"},
		{"VolumeInAppDir", clean + "volumes: [/data, /app/uploads]\n", goFiles,
			"9:18 VolumeInAppDir: /app/uploads is inside /app, the app's own files; keep state apart, like /data"},
	}
	if len(cases) != len(lint.Rules) {
		t.Fatalf("%d cases for %d rules: every rule needs a case", len(cases), len(lint.Rules))
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			got := findings(t, c.src, c.files)
			if len(got) != 1 || got[0] != c.want {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), c.want)
			}
			if skipped := findings(t, c.src, c.files, c.rule); len(skipped) != 0 {
				t.Fatalf("skipping %s left %v", c.rule, skipped)
			}
		})
	}
}

func TestDirective(t *testing.T) {
	src := "# syntax=org/appbuild\n# check=skip=RunsAsRoot,NoResourceLimits;error=true\nname: x\n# check=skip=Ignored\n"
	got, ok := lint.Directive([]byte(src))
	if !ok || got != "skip=RunsAsRoot,NoResourceLimits;error=true" {
		t.Fatalf("directive = %q, %v", got, ok)
	}
	if _, ok := lint.Directive([]byte("name: x\n# check=skip=A\n")); ok {
		t.Fatal("a check comment after the first key was read as a directive")
	}
}

// TestRunsAsRootEverySpelling: uid 0 however it is written, and nothing else.
func TestRunsAsRootEverySpelling(t *testing.T) {
	for user, root := range map[string]bool{
		"root": true, "0": true, "00": true, "000:0": true, "0:0": true, "0:1000": true, "0000000000": true,
		"nonroot": false, "1000": false, "1000:0": false, "10": false, "65532:65532": false,
	} {
		got := findings(t, clean+"user: \""+user+"\"\n", goFiles)
		fired := len(got) == 1 && strings.Contains(got[0], "RunsAsRoot")
		if fired != root || (!root && len(got) != 0) {
			t.Errorf("user %q: findings %v, want RunsAsRoot %v", user, got, root)
		}
	}
}

// TestLanguageRules: the lock and pin rules follow each language's
// descriptor (profiles.Language), not only Go's.
func TestLanguageRules(t *testing.T) {
	rust := strings.Replace(clean, "language: go", "language: rust", 1)
	static := strings.Replace(clean, "language: go", "language: static", 1)
	cases := []struct {
		name  string
		src   string
		files testfiles.Map
		want  []string
	}{
		{"a Cargo.toml without Cargo.lock", rust + "version: \"1.90\"\n", testfiles.Map{"Cargo.toml": "[package]\n"},
			[]string{"2:1 MissingLockfile: Cargo.toml has no lock file next to it (Cargo.lock)"}},
		{"a rust toolchain pinned by rust-toolchain.toml", rust, testfiles.Map{"Cargo.toml": "", "Cargo.lock": "", "rust-toolchain.toml": ""}, nil},
		{"rust with no version and no pin", rust, testfiles.Map{"Cargo.toml": "", "Cargo.lock": ""},
			[]string{"2:1 UnpinnedVersion: no version: the profile's default rust version is used; set version"}},
		{"a static site has no version to pin", static, testfiles.Map{"index.html": ""}, nil},
		{"go.mod without requirements needs no go.sum", clean, testfiles.Map{"go.mod": "module x\ngo 1.26\n"}, nil},
	}
	for _, c := range cases {
		got := findings(t, c.src, c.files)
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: findings\n%s\nwant\n%s", c.name, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}
