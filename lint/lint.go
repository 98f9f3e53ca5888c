package lint

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/org/appbuild/profiles"
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

// Files reads the app's files (the spec's dir in the build context), as
// the profiles read them.
type Files = profiles.Files

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
	VolumeInAppDir     = Rule{"VolumeInAppDir", "state should live outside /app: the app's files are root-owned and replaced by every new image, while a volume inside them mixes data with code"}
)

// Rules lists every rule, for docs and for validating skip lists.
var Rules = []Rule{MissingHealthcheck, RunsAsRoot, UnpinnedVersion, MissingLockfile, PrivilegedPort,
	SecretInEnv, LatestTag, ManifestNotFound, NoResourceLimits, InlinePassword, VolumeInAppDir}

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
	l.volumes()
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

// volumes reports a volume inside the app's directory (spec validation
// refuses one that covers it).
func (l *linter) volumes() {
	for i, v := range l.s.Volumes {
		if strings.HasPrefix(v, spec.AppDir+"/") {
			l.add(VolumeInAppDir, fmt.Sprintf("volumes[%d]", i), "%s is inside %s, the app's own files; keep state apart, like /data", v, spec.AppDir)
		}
	}
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
	if l.s.RunsAsRoot() {
		l.add(RunsAsRoot, "user", "user is %s, uid 0; leave it out to run as nonroot (65532)", l.s.User)
	}
}

// version reports a toolchain version left to the profile's default: no
// version in the spec and none pinned by the files the language declares.
func (l *linter) version() {
	lang, ok := profiles.Lookup(l.s.Language)
	switch {
	case l.s.Version == "latest":
		// LatestTag reports it.
	case l.s.Version != "", !ok, lang.IsPinned(l.files):
	case lang.Unpinned != "":
		l.add(UnpinnedVersion, "language", "%s", lang.Unpinned)
	default:
		l.add(UnpinnedVersion, "language", "no version: the profile's default %s version is used; set version", l.s.Language)
	}
}

// lockfile reports a manifest with dependencies and no lock file, for the
// manifests of every language, not only the spec's: a lock file left out
// of a repository is worth knowing about whichever profile builds it.
func (l *linter) lockfile() {
	for _, lang := range profiles.All() {
		for _, lf := range lang.Locks {
			dt, err := l.files.ReadFile(lf.Manifest)
			if err != nil || (lf.HasDeps != nil && !lf.HasDeps(dt)) {
				continue
			}
			if !slices.ContainsFunc(lf.Files, l.exists) {
				l.add(MissingLockfile, "language", "%s has no lock file next to it (%s)", lf.Manifest, strings.Join(lf.Files, ", "))
			}
		}
	}
}

func (l *linter) ports() {
	if l.s.RunsAsRoot() {
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
