package spec

import (
	"fmt"
	"math"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The shapes of values, as the tools that use them expect.
var (
	nameRe    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	versionRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// secretIDRe: a secret id is also a file name under /run/secrets, so
	// it cannot be "." or ".." (nor start with '-', which reads as a flag).
	secretIDRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	userRe     = regexp.MustCompile(`^[0-9]{1,10}(:[0-9]{1,10})?$`)
	// urlRe is what an index URL may hold unencoded (RFC 3986): no spaces,
	// quotes or braces, so it is the same text in every file it goes into.
	urlRe      = regexp.MustCompile(`^[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+$`)
	debianRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$`)
	memoryRe   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?([kKmMgGtTpP][iI]?)?[bB]?$`)
	cpusRe     = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	portRe     = regexp.MustCompile(`^([0-9]{1,5})(?:/(.*))?$`)
	durationRe = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`)
	imageRefRe = regexp.MustCompile(`^` + imageName + `(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`)
)

// The grammar of image references, after github.com/distribution/reference
// (IPv6 registry addresses left out).
const (
	imageDomainPart = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	imageDomain     = imageDomainPart + `(?:\.` + imageDomainPart + `)*(?::[0-9]+)?`
	imagePath       = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	imageName       = `(?:` + imageDomain + `/)?` + imagePath + `(?:/` + imagePath + `)*`
)

// nameMaxLen keeps names usable as compose service and host names.
const nameMaxLen = 63

// enum lists the values a field allows, from its jsonschema tag (the same
// tag the schema is generated from).
func enum(t reflect.Type, field string) []string {
	f, ok := t.FieldByName(field)
	if !ok {
		panic("spec: no field " + field)
	}
	for opt := range strings.SplitSeq(f.Tag.Get("jsonschema"), ",") {
		if values, ok := strings.CutPrefix(opt, "enum="); ok {
			return tagEnum(values)
		}
	}
	panic("spec: no enum on " + field)
}

// checker applies the rules that go beyond a value's type.
type checker struct {
	p *parser
	s *Spec
}

func validate(s *Spec, p *parser) {
	c := &checker{p: p, s: s}
	c.app()
	c.paths()
	c.commands()
	c.ports()
	c.healthcheck()
	c.env("env", s.Env, checkLine)
	c.packages()
	c.resources()
	c.volumes()
	c.processes()
	c.services()
	c.scan()
	c.secrets()
	c.platforms()
}

// at is where the value at path stands, falling back to its entry and to
// the whole spec.
func (c *checker) at(path string) Range {
	if r, ok := c.p.vals[path]; ok {
		return r
	}
	if r, ok := c.p.locs[path]; ok {
		return r
	}
	return c.p.locs[""]
}

// has reports whether the spec gives path a value, and a good one.
func (c *checker) has(path string) bool {
	_, ok := c.p.locs[path]
	return ok && !c.p.bad[path] && !c.p.null[path]
}

// written reports whether path is in the file at all, even with no value.
func (c *checker) written(path string) bool {
	_, ok := c.p.locs[path]
	return ok
}

// errorf reports a problem with the value at path.
func (c *checker) errorf(path string, format string, args ...any) {
	if !c.p.bad[path] {
		c.p.errorAt(c.at(path), label(path)+format, args...)
	}
}

// keyErrorf reports a problem with the key of the entry at path, under
// parent.
func (c *checker) keyErrorf(parent, path string, format string, args ...any) {
	r := c.p.locs[path]
	c.p.errorAt(Range{Start: r.Start, End: r.Start}, label(parent)+format, args...)
}

// missing reports a required field that is not there, at its parent.
func (c *checker) missing(parent, field string) {
	r := c.p.locs[parent]
	if v, ok := c.p.vals[parent]; ok && parent != "" {
		r = v
	}
	c.p.errorAt(Range{Start: r.Start, End: r.Start}, "%smissing required field %q", label(parent), field)
}

// line is where path starts, for "first at line N".
func (c *checker) line(path string) int { return c.p.locs[path].Start.Line }

func (c *checker) oneOf(path, value string, allowed []string) {
	if value != "" && !slices.Contains(allowed, value) {
		c.errorf(path, "%q is not one of %s%s", value, strings.Join(allowed, ", "), didYouMean(value, allowed))
	}
}

// line checks a single-line text field.
func (c *checker) text(path, value string) {
	if err := checkLine(value); err != nil {
		c.errorf(path, "%v", err)
	}
}

func (c *checker) app() {
	s := c.s
	switch {
	case !c.written("name"):
		c.missing("", "name")
	case c.p.bad["name"]:
	case s.Name == "":
		c.errorf("name", "must not be empty")
	case !nameRe.MatchString(s.Name):
		c.errorf("name", "%q must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", s.Name)
	case len(s.Name) > nameMaxLen:
		c.errorf("name", "must be at most %d characters", nameMaxLen)
	}
	t := reflect.TypeFor[Spec]()
	c.oneOf("language", s.Language, enum(t, "Language"))
	if s.Version != "" && !versionRe.MatchString(s.Version) {
		c.errorf("version", "%q is not a version, like \"3.13\" or \"22\"", s.Version)
	}
	c.oneOf("runtime", s.Runtime, enum(t, "Runtime"))
	if scratch := scratchLanguages(); s.Runtime == "scratch" && s.Language != "" && !slices.Contains(scratch, s.Language) {
		c.errorf("runtime", "scratch has no libc and no interpreter: it suits %s apps, not %s", andList(scratch), s.Language)
	}
	if _, _, _, err := parseUser(s.User); err != nil {
		if userRe.MatchString(s.User) {
			c.errorf("user", "%v", err)
		} else {
			c.errorf("user", "write nonroot, root or a numeric uid[:gid] like 1000 or 1000:1000, not %q", s.User)
		}
	}
	if s.Workdir != "" {
		s.Workdir = c.absolute("workdir", s.Workdir)
	}
	if s.Image != "" {
		c.image("image", s.Image)
	}
}

// absolute checks an absolute path in the image and returns it clean
// ("/srv/../app/" is /app), as BuildKit and compose would read it.
func (c *checker) absolute(field, value string) string {
	if err := checkLine(value); err != nil {
		c.errorf(field, "%v", err)
	} else if !path.IsAbs(value) {
		c.errorf(field, "%q is not absolute; write it like /app", value)
	} else {
		return path.Clean(value)
	}
	return value
}

func (c *checker) image(path, ref string) {
	if !imageRefRe.MatchString(ref) || len(ref) > 255 {
		c.errorf(path, "%q is not an image reference, like \"postgres:17\" or \"registry.example.com/team/app:1.2\"", ref)
	}
}

// paths checks the fields that name files in the build context.
func (c *checker) paths() {
	s := c.s
	if c.has("dir") {
		s.Dir = c.contextPath("dir", s.Dir)
	}
	if strings.HasPrefix(s.Build, "-") {
		// The build target is passed to the toolchain as an argument; one
		// that starts with "-" would be read as a flag (go build -toolexec).
		c.errorf("build", "must name a package, script or module, not an option: %q starts with \"-\"", s.Build)
	} else if s.Build != "" {
		if b := s.Build; strings.HasPrefix(b, ".") || strings.HasPrefix(b, "/") || strings.Contains(b, "/") {
			c.contextPath("build", b)
		} else {
			c.text("build", b)
		}
	}
	if d := s.Dependencies; d != nil {
		if lang := s.Language; d.Manager != "" && lang != "" {
			if ms := languageManagers(lang); ms != nil && !slices.Contains(ms, d.Manager) && slices.Contains(enum(reflect.TypeFor[Dependencies](), "Manager"), d.Manager) {
				c.errorf("dependencies.manager", "%s does not install %s dependencies; use %s", d.Manager, lang, orList(ms))
			}
		}
		c.oneOf("dependencies.manager", d.Manager, enum(reflect.TypeFor[Dependencies](), "Manager"))
		first := map[string]string{}
		for i, f := range d.Files {
			p := fmt.Sprintf("dependencies.files[%d]", i)
			f = c.contextPath(p, f)
			d.Files[i] = f
			if prev, ok := first[f]; ok && f != "" {
				c.errorf(p, "%q is listed twice (first at line %d)", f, c.line(prev))
			} else {
				first[f] = p
			}
		}
		if d.Index != "" {
			c.index(d.Index)
		}
	}
}

// contextPath checks a path inside the build context and returns it clean.
func (c *checker) contextPath(path, value string) string {
	clean, err := CleanPath(value)
	if err != nil {
		c.errorf(path, "%v", err)
		return value
	}
	return clean
}

func (c *checker) index(raw string) {
	u, err := url.Parse(raw)
	switch {
	case !urlRe.MatchString(raw):
		c.errorf("dependencies.index", "%q holds characters a URL must percent-encode (spaces, quotes, braces, non-ASCII); encode them, like %%20", raw)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		c.errorf("dependencies.index", "%q is not an http or https URL", raw)
	case u.User != nil:
		c.errorf("dependencies.index", "remove the credentials from the URL and pass them as a secret")
	}
}

func orList(values []string) string { return joinList(values, "or") }

// andList is "a, b and c".
func andList(values []string) string { return joinList(values, "and") }

func joinList(values []string, conj string) string {
	if len(values) == 1 {
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " " + conj + " " + values[len(values)-1]
}

// commands checks the fields written in exec form.
func (c *checker) commands() {
	s := c.s
	cmds := []struct {
		path string
		args []string
	}{
		{"build_command", s.BuildCommand},
		{"entrypoint", s.Entrypoint},
		{"cmd", s.Cmd},
		{"test", s.Test},
	}
	if s.Healthcheck != nil {
		cmds = append(cmds, struct {
			path string
			args []string
		}{"healthcheck.exec", s.Healthcheck.Exec})
	}
	for _, cmd := range cmds {
		if c.has(cmd.path) {
			c.command(cmd.path, cmd.args)
		}
	}
}

// command checks an exec-form command: a program, then its arguments,
// each text.
func (c *checker) command(path string, args []string) {
	if len(args) == 0 {
		c.errorf(path, "an empty list runs nothing; leave the field out to use the default")
		return
	}
	for i, arg := range args {
		p := fmt.Sprintf("%s[%d]", path, i)
		if i == 0 && path != "cmd" && arg == "" {
			c.errorf(p, "the program must not be empty")
		}
		if err := checkText(arg); err != nil {
			c.errorf(p, "%v", err)
		}
	}
}

func (c *checker) ports() {
	if c.has("port") && c.has("ports") {
		later, earlier := "ports", "port"
		if c.line("port") > c.line("ports") {
			later, earlier = earlier, later
		}
		c.keyErrorf("", later, "give either port or ports, not both (%s is at line %d)", earlier, c.line(earlier))
	}
	first := map[Port]string{}
	for i, p := range c.s.Ports {
		path := fmt.Sprintf("ports[%d]", i)
		if c.p.bad[path] {
			continue
		}
		if prev, ok := first[p]; ok {
			c.errorf(path, "%s is listed twice (first at line %d)", p, c.line(prev))
		} else {
			first[p] = path
		}
	}
}

func (c *checker) healthcheck() {
	h := c.s.Healthcheck
	if h == nil {
		return
	}
	given := []struct {
		path string
		set  bool
	}{
		{"healthcheck.http", c.written("healthcheck.http") && !c.p.null["healthcheck.http"]},
		{"healthcheck.tcp", h.TCP != nil || c.p.bad["healthcheck.tcp"]},
		{"healthcheck.exec", c.has("healthcheck.exec") || c.p.bad["healthcheck.exec"]},
		{"healthcheck.none", h.None || c.p.bad["healthcheck.none"]},
	}
	var set []string
	for _, g := range given {
		if g.set {
			set = append(set, g.path)
		}
	}
	slices.SortStableFunc(set, func(a, b string) int { return c.line(a) - c.line(b) })
	if len(set) == 0 {
		c.keyErrorf("", "healthcheck", "healthcheck: set one of http, tcp, exec or none: true")
	}
	for _, p := range set[min(1, len(set)):] {
		c.keyErrorf("", p, "%s: give only one of http, tcp, exec or none (%s is at line %d)",
			p, strings.TrimPrefix(set[0], "healthcheck."), c.line(set[0]))
	}
	if c.has("healthcheck.http") {
		switch {
		case !strings.HasPrefix(h.HTTP, "/"):
			c.errorf("healthcheck.http", "write a path that starts with \"/\", like \"/healthz\"")
		case strings.ContainsFunc(h.HTTP, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
			c.errorf("healthcheck.http", "%q holds spaces or control characters; encode them, like %%20", h.HTTP)
		case len(c.s.AllPorts()) == 0 && !c.p.bad["port"] && !c.p.bad["ports"]:
			c.errorf("healthcheck.http", "an http check needs the app's port: set port or ports")
		}
	}
	if c.has("healthcheck.retries") && h.Retries < 1 {
		c.errorf("healthcheck.retries", "must be at least 1")
	} else if h.Retries > math.MaxInt32 {
		// Docker and the Dockerfile read retries as a 32-bit number.
		c.errorf("healthcheck.retries", "must be at most %d", math.MaxInt32)
	}
}

// env checks a map of environment variables; check says which characters
// their values may hold. The app's env is written into a Dockerfile's ENV
// by eject, which has no way to write a line break; a service's env goes to
// compose only, which does.
func (c *checker) env(path string, env map[string]string, check func(string) error) {
	for k, v := range env {
		p := join(path, k)
		if !envNameRe.MatchString(k) {
			c.keyErrorf(path, p, "%q is not a valid variable name (letters, digits and '_', not starting with a digit)", k)
		}
		if err := check(v); err != nil {
			c.errorf(p, "%v", err)
		}
	}
}

func (c *checker) packages() {
	pk := c.s.Packages
	if pk == nil {
		return
	}
	for _, l := range []struct {
		path  string
		names []string
	}{{"packages.build", pk.Build}, {"packages.runtime", pk.Runtime}} {
		first := map[string]string{}
		for i, name := range l.names {
			p := fmt.Sprintf("%s[%d]", l.path, i)
			if c.p.bad[p] {
				continue
			}
			if !debianRe.MatchString(name) {
				c.errorf(p, "%q is not a Debian package name (lowercase letters, digits, '+', '-' and '.', then =version if pinned)", name)
			} else if prev, ok := first[name]; ok {
				c.errorf(p, "%q is listed twice (first at line %d)", name, c.line(prev))
			} else {
				first[name] = p
			}
		}
	}
}

func (c *checker) resources() {
	r := c.s.Resources
	if r == nil {
		return
	}
	if r.Memory != "" {
		if !memoryRe.MatchString(r.Memory) {
			c.errorf("resources.memory", "%q is not a size, like \"512m\" or \"1g\"", r.Memory)
		} else if memoryBytes(r.Memory) > math.MaxInt64 {
			// Docker counts memory in bytes, in a 64-bit number.
			c.errorf("resources.memory", "%q is more memory than Docker can count (8 EiB)", r.Memory)
		}
	}
	if r.CPUs != "" {
		if f, err := strconv.ParseFloat(r.CPUs, 64); !cpusRe.MatchString(r.CPUs) || err != nil {
			c.errorf("resources.cpus", "%q is not a number of CPUs, like \"0.5\" or \"2\"", r.CPUs)
		} else if f <= 0 {
			c.errorf("resources.cpus", "must be more than 0")
		} else if f*1e9 > math.MaxInt64 {
			// Docker counts CPUs in billionths, in a 64-bit number.
			c.errorf("resources.cpus", "must be at most %d", int64(math.MaxInt64)/1e9)
		}
	}
}

// memoryBytes is a size that memoryRe matched, in bytes, as a float so
// that a size too large for Docker still compares.
func memoryBytes(size string) float64 {
	num := strings.TrimRight(size, "kKmMgGtTpPiIbB")
	f, _ := strconv.ParseFloat(num, 64)
	if unit := strings.ToLower(size[len(num):]); unit != "" {
		if i := strings.IndexByte("kmgtp", unit[0]); i >= 0 {
			f *= math.Pow(1024, float64(i+1))
		}
	}
	return f
}

func (c *checker) scan() {
	if c.s.Scan == nil {
		return
	}
	c.enumList("scan.severity", c.s.Scan.Severity, enum(reflect.TypeFor[Scan](), "Severity"))
}

func (c *checker) platforms() {
	c.enumList("platforms", c.s.Platforms, enum(reflect.TypeFor[Spec](), "Platforms"))
}

// enumList checks a list of values from allowed, each listed once.
func (c *checker) enumList(path string, values, allowed []string) {
	first := map[string]string{}
	for i, v := range values {
		p := fmt.Sprintf("%s[%d]", path, i)
		if c.p.bad[p] {
			continue
		}
		if !slices.Contains(allowed, v) {
			c.errorf(p, "%q is not one of %s%s", v, strings.Join(allowed, ", "), didYouMean(v, allowed))
		} else if prev, ok := first[v]; ok {
			c.errorf(p, "%q is listed twice (first at line %d)", v, c.line(prev))
		} else {
			first[v] = p
		}
	}
}

// parsePort reads "8080" or "8080/udp"; the protocol defaults to tcp.
func parsePort(s string) (Port, error) {
	m := portRe.FindStringSubmatch(s)
	if m == nil {
		if strings.Contains(s, ":") {
			return Port{}, fmt.Errorf("%q maps a host port; write only the app's port, like 8080 (compose maps host ports)", s)
		}
		return Port{}, fmt.Errorf("%q is not a port; write a number like 8080 or \"8080/udp\"", s)
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 || n > 65535 {
		return Port{}, fmt.Errorf("%d is out of range 1-65535", n)
	}
	proto := m[2]
	switch {
	case proto == "" && strings.HasSuffix(s, "/"):
		return Port{}, fmt.Errorf("%q is not a port; write a number like 8080 or \"8080/udp\"", s)
	case proto == "":
		proto = "tcp"
	case proto != "tcp" && proto != "udp":
		return Port{}, fmt.Errorf("protocol %q must be tcp or udp, in lowercase", proto)
	}
	return Port{Number: n, Protocol: proto}, nil
}

// parseDuration reads "30s" or "1m30s", at least 1ms (Docker's minimum).
func parseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || !durationRe.MatchString(s) {
		return 0, fmt.Errorf("%q is not a duration; write a number with a unit, like \"30s\" or \"1m30s\"", s)
	}
	if d < time.Millisecond {
		return 0, fmt.Errorf("%q is too short; the least is 1ms", s)
	}
	return Duration(d), nil
}

// checkLine refuses control characters and line breaks in a single-line
// field.
func checkLine(s string) error {
	if strings.ContainsAny(s, "\n\r\u0085\u2028\u2029") {
		return fmt.Errorf("contains a line break; write it on one line")
	}
	return checkText(s)
}

// checkText refuses control characters other than newline and tab.
func checkText(s string) error {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return fmt.Errorf("contains the control character %U", r)
		}
	}
	return nil
}
