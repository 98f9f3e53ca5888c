package lint

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/org/appbuild/spec"
)

// Rule is one check.
type Rule struct {
	Name        string
	Description string
}

// Finding is one rule that fired, at a spec field.
type Finding struct {
	Rule Rule
	// Path is the spec field at fault ("env.API_TOKEN"); Where gives its
	// position. A rule about something missing points at its parent.
	Path   string
	Detail string
}

// Files reads the app's files (the spec's dir in the build context).
type Files interface {
	ReadFile(name string) ([]byte, error)
}

// The rules, in the order they run.
var (
	MissingHealthcheck = Rule{"MissingHealthcheck", "the image should have a HEALTHCHECK so orchestrators can tell a hung app from a healthy one"}
	RunsAsRoot         = Rule{"RunsAsRoot", "the app should not run as root: a compromised process then owns the container"}
	UnpinnedVersion    = Rule{"UnpinnedVersion", "the toolchain version should be pinned, so a new default cannot change the build"}
	MissingLockfile    = Rule{"MissingLockfile", "dependencies should be installed from a lock file, so every build gets the same versions"}
	PrivilegedPort     = Rule{"PrivilegedPort", "a non-root process cannot listen on a port below 1024"}
	SecretInEnv        = Rule{"SecretInEnv", "secrets must not be set in env: they land in the image config for anyone who pulls it"}
	LatestTag          = Rule{"LatestTag", "images and versions should not be 'latest': the build changes when upstream does"}
	ManifestNotFound   = Rule{"ManifestNotFound", "a dependency file the spec names must exist in the app's directory"}
	NoResourceLimits   = Rule{"NoResourceLimits", "the app should declare memory and CPU limits, used by compose and in docs"}
	InlinePassword     = Rule{"InlinePassword", "companion services should take passwords from secret files, not inline env values"}
)

// Rules lists every rule, for docs and for validating skip lists.
var Rules = []Rule{MissingHealthcheck, RunsAsRoot, UnpinnedVersion, MissingLockfile, PrivilegedPort,
	SecretInEnv, LatestTag, ManifestNotFound, NoResourceLimits, InlinePassword}

// secretName is BuildKit's SecretsUsedInArgOrEnv pattern: a name whose
// underscore-separated words include a credential word.
var (
	secretName = regexp.MustCompile(`(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)`)
	notSecret  = regexp.MustCompile(`(?i)(?:_|^)(?:public|file|version)(?:_|$)`)
)

// Run applies every rule not skipped and returns the findings in spec order.
func Run(s *spec.Spec, files Files, skip []string) []Finding {
	l := &linter{s: s, files: files}
	l.healthcheck()
	l.user()
	l.version()
	l.lockfile()
	l.ports()
	l.env()
	l.latest()
	l.manifests()
	l.resources()
	l.services()
	out := l.out[:0]
	for _, f := range l.out {
		if !slices.Contains(skip, f.Rule.Name) {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return line(s, out[i].Path) < line(s, out[j].Path) })
	return out
}

func line(s *spec.Spec, path string) int {
	if r, ok := s.Where(path); ok {
		return r.Start.Line
	}
	return 0
}

type linter struct {
	s     *spec.Spec
	files Files
	out   []Finding
}

func (l *linter) add(r Rule, path, format string, args ...any) {
	l.out = append(l.out, Finding{Rule: r, Path: path, Detail: fmt.Sprintf(format, args...)})
}

func (l *linter) exists(name string) bool {
	_, err := l.files.ReadFile(name)
	return err == nil
}

func (l *linter) healthcheck() {
	h := l.s.Healthcheck
	switch {
	case h != nil && h.None:
		l.add(MissingHealthcheck, "healthcheck.none", "healthcheck is turned off")
	case h == nil && len(l.s.AllPorts()) == 0:
		l.add(MissingHealthcheck, "name", "no healthcheck and no port to check: add healthcheck (http, tcp or exec)")
	}
}

func (l *linter) user() {
	if u := l.s.User; u == "root" || u == "0" || strings.HasPrefix(u, "0:") {
		l.add(RunsAsRoot, "user", "user is %s; leave it out to run as nonroot (65532)", u)
	}
}

// pinFiles are the files that pin a toolchain version when the spec does
// not.
var pinFiles = map[string][]string{
	"python": {".python-version"},
	"node":   {".nvmrc", ".node-version"},
	"rust":   {"rust-toolchain.toml", "rust-toolchain"},
	"java":   {".java-version"},
}

func (l *linter) version() {
	switch {
	case l.s.Version == "latest":
		// LatestTag reports it.
	case l.s.Version != "":
	case l.s.Language == "go":
		if dt, err := l.files.ReadFile("go.mod"); err == nil && hasLine(dt, "go ") {
			return
		}
		l.add(UnpinnedVersion, "language", "no version and no go line in go.mod: the default Go version is used")
	case l.s.Language == "static":
	default:
		for _, f := range pinFiles[l.s.Language] {
			if l.exists(f) {
				return
			}
		}
		l.add(UnpinnedVersion, "language", "no version: the profile's default %s version is used; set version", l.s.Language)
	}
}

// lockFiles maps a manifest to the lock files that may pin it.
var lockFiles = []struct {
	manifest string
	locks    []string
}{
	{"go.mod", []string{"go.sum"}},
	{"package.json", []string{"package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock"}},
	{"pyproject.toml", []string{"poetry.lock", "uv.lock", "requirements.txt", "pdm.lock"}},
	{"Cargo.toml", []string{"Cargo.lock"}},
}

func (l *linter) lockfile() {
	for _, lf := range lockFiles {
		dt, err := l.files.ReadFile(lf.manifest)
		if err != nil {
			continue
		}
		if lf.manifest == "go.mod" && !hasLine(dt, "require") {
			continue // no dependencies, nothing to lock
		}
		found := false
		for _, lock := range lf.locks {
			found = found || l.exists(lock)
		}
		if !found {
			l.add(MissingLockfile, "language", "%s has no lock file next to it (%s)", lf.manifest, strings.Join(lf.locks, ", "))
		}
	}
}

func (l *linter) ports() {
	if l.s.User == "root" || l.s.User == "0" {
		return
	}
	for i, p := range l.s.AllPorts() {
		if p.Number < 1024 {
			path := "port"
			if len(l.s.Ports) > 0 {
				path = fmt.Sprintf("ports[%d]", i)
			}
			l.add(PrivilegedPort, path, "port %d is below 1024 and the app runs as non-root; listen on 8080 or similar", p.Number)
		}
	}
}

func (l *linter) env() {
	for _, k := range sortedKeys(l.s.Env) {
		if secretName.MatchString(k) && !notSecret.MatchString(k) {
			l.add(SecretInEnv, "env."+k, "env %s looks like a secret; pass it at run time or as a build secret", k)
		}
	}
}

func (l *linter) latest() {
	if l.s.Version == "latest" {
		l.add(LatestTag, "version", "version is latest")
	}
	for _, name := range sortedKeys(l.s.Services) {
		img := l.s.Services[name].Image
		if strings.Contains(img, "@") {
			continue
		}
		last := img[strings.LastIndex(img, "/")+1:]
		if !strings.Contains(last, ":") || strings.HasSuffix(last, ":latest") {
			l.add(LatestTag, "services."+name+".image", "service %s uses %s: pin a version tag or a digest", name, img)
		}
	}
}

func (l *linter) manifests() {
	if l.s.Dependencies == nil {
		return
	}
	for i, f := range l.s.Dependencies.Files {
		if !l.exists(f) {
			l.add(ManifestNotFound, fmt.Sprintf("dependencies.files[%d]", i), "%s does not exist in the app's directory", f)
		}
	}
}

func (l *linter) resources() {
	if r := l.s.Resources; r == nil || (r.Memory == "" && r.CPUs == "") {
		l.add(NoResourceLimits, "name", "no resources: set resources.memory and resources.cpus")
	}
}

func (l *linter) services() {
	for _, name := range sortedKeys(l.s.Services) {
		for _, k := range sortedKeys(l.s.Services[name].Env) {
			if secretName.MatchString(k) && !notSecret.MatchString(k) {
				l.add(InlinePassword, "services."+name+".env."+k, "service %s sets %s inline; use secrets (a file) instead", name, k)
			}
		}
	}
}

func hasLine(data []byte, prefix string) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if strings.HasPrefix(strings.TrimSpace(sc.Text()), prefix) {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Directive returns the value of a `# check=...` comment among the
// comment lines at the top of a spec ("skip=A,B;error=true"), the same
// directive a Dockerfile uses; BuildKit's linter.ParseLintOptions reads it.
func Directive(data []byte) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "#") {
			break
		}
		body := strings.TrimSpace(strings.TrimPrefix(line, "#"))
		if v, ok := strings.CutPrefix(body, "check="); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
