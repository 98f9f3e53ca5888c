package profiles_test

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

func staticPlan(src string, files testfiles.Map) (*plan.Plan, error) {
	s, err := spec.Parse("app.yaml", []byte("name: site\nlanguage: static\n"+src))
	if err != nil {
		return nil, err
	}
	return profiles.Static{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64, Files: files})
}

func mustStaticPlan(t *testing.T, src string, files testfiles.Map) *plan.Plan {
	t.Helper()
	pl, err := staticPlan(src, files)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// caddyfileOf returns the Caddyfile a plan writes.
func caddyfileOf(t *testing.T, pl *plan.Plan) string {
	t.Helper()
	for _, st := range pl.Stages {
		for _, step := range st.Steps {
			if step.Write != nil && strings.HasSuffix(step.Write.Path, "Caddyfile") {
				return string(step.Write.Data)
			}
		}
	}
	t.Fatal("the plan writes no Caddyfile")
	return ""
}

// A built site: the Node profile's install and build stages, unchanged, then
// Caddy, its Caddyfile, the probe and the build's output on distroless static.
func TestStaticBuiltSite(t *testing.T) {
	files := testfiles.Map{"package.json": `{"scripts": {"build": "vite build"}}`, "package-lock.json": npmLock}
	pl := mustStaticPlan(t, "", files)
	var names []string
	for _, st := range pl.Stages {
		names = append(names, st.Name)
	}
	if want := []string{"deps", "build", "test", "caddy-image", "caddy", "probe", "runtime"}; !slices.Equal(names, want) {
		t.Fatalf("stages = %v, want %v", names, want)
	}
	node := planNode(t, "", files)
	for _, name := range []string{"deps", "build", "test"} {
		if got, want := pl.Stage(name), node.Stage(name); !slices.EqualFunc(got.Steps, want.Steps, func(a, b plan.Step) bool { return a.Name == b.Name }) {
			t.Errorf("stage %s differs from the node profile's: %+v", name, got.Steps)
		}
	}
	if got := strings.Join(stepArgs(pl, "deps"), "|"); got != "npm ci --no-audit --no-fund" {
		t.Errorf("install = %s", got)
	}
	if got := strings.Join(stepArgs(pl, "build"), "|"); got != "npm run build" {
		t.Errorf("build = %s", got)
	}
	if pl.Test != "test" || pl.Final != "runtime" {
		t.Errorf("test %q, final %q", pl.Test, pl.Final)
	}

	rt := pl.Stage("runtime")
	if rt.From.Image != "gcr.io/distroless/static-debian13:nonroot" {
		t.Errorf("runtime from %+v", rt.From)
	}
	var copies []string
	for _, step := range rt.Steps {
		if step.Copy == nil || step.Copy.Owner != "0:0" {
			t.Fatalf("runtime step %q is not a copy owned by root: %+v", step.Name, step)
		}
		copies = append(copies, step.Copy.FromStage+":"+strings.Join(step.Copy.Paths, ",")+">"+step.Copy.Dest)
	}
	want := []string{"caddy:/out/caddy>/usr/bin/caddy", "caddy:/out/Caddyfile>/etc/caddy/Caddyfile", "probe:/out/appbuild-probe>/app/appbuild-probe", "build:/app/dist>/app/site"}
	if !slices.Equal(copies, want) {
		t.Errorf("runtime copies:\n got %v\nwant %v", copies, want)
	}
	// Caddy is the target platform's binary, copied once more on the build
	// platform so that its file capability is left behind.
	if img := pl.Stage("caddy-image"); img.From.Image != "docker.io/library/caddy:2.11" || img.OnBuildPlatform {
		t.Errorf("caddy-image stage: %+v", img)
	}
	if got := strings.Join(stepArgs(pl, "caddy"), "|"); got != "cp /out/caddy.official /out/caddy" || !pl.Stage("caddy").OnBuildPlatform {
		t.Errorf("caddy stage runs %q", got)
	}

	img := pl.Image
	if img.User != "65532:65532" || img.Workdir != "/app" || !slices.Equal(img.Ports, []string{"8080/tcp"}) {
		t.Errorf("image user %q workdir %q ports %v", img.User, img.Workdir, img.Ports)
	}
	if got := strings.Join(img.Entrypoint, " "); got != "/usr/bin/caddy run --config /etc/caddy/Caddyfile --adapter caddyfile" {
		t.Errorf("entrypoint %q", got)
	}
	if got := strings.Join(img.Healthcheck.Test, " "); got != "CMD /app/appbuild-probe http://127.0.0.1:8080/healthz" {
		t.Errorf("healthcheck %q", got)
	}
}

// A prebuilt site is copied from the context as it is: no Node, no test.
func TestStaticPrebuiltSite(t *testing.T) {
	cases := []struct {
		src   string
		files testfiles.Map
		path  string
	}{
		{"", testfiles.Map{"index.html": "<h1>hi</h1>"}, "."},
		{"build: ./public/\n", testfiles.Map{}, "public"},
	}
	for _, c := range cases {
		pl := mustStaticPlan(t, c.src, c.files)
		if pl.Stage("deps") != nil || pl.Test != "" {
			t.Errorf("%q: a prebuilt site got a build: %+v", c.src, pl.Stages)
		}
		rt := pl.Stage("runtime")
		site := rt.Steps[len(rt.Steps)-1].Copy
		if site.FromStage != "" || !slices.Equal(site.Paths, []string{c.path}) || site.Dest != "/app/site" {
			t.Errorf("%q: site copy %+v", c.src, site)
		}
	}
}

func TestStaticCaddyfile(t *testing.T) {
	pl := mustStaticPlan(t, "ports: [\"9000\", \"9001\"]\nhealthcheck:\n  http: /ready\n", testfiles.Map{"index.html": ""})
	cf := caddyfileOf(t, pl)
	for _, want := range []string{
		"# Caddy configuration of site, generated by appbuild.\n",
		"\tadmin off\n\tpersist_config off\n",
		"\n:9000 {\n\troot * /app/site\n\tencode zstd gzip\n",
		"\thandle \"/ready\" {\n\t\trespond \"ok\" 200\n",
		"\t\ttry_files {path} {path}/ /index.html\n\t\tfile_server\n",
		"\t\t?Cache-Control no-cache\n",
		"Cache-Control \"public, max-age=31536000, immutable\"",
	} {
		if !strings.Contains(cf, want) {
			t.Errorf("Caddyfile lacks %q:\n%s", want, cf)
		}
	}
	if got := strings.Join(pl.Image.Healthcheck.Test, " "); got != "CMD /app/appbuild-probe http://127.0.0.1:9000/ready" {
		t.Errorf("healthcheck %q", got)
	}
	// Planned twice, the same bytes.
	if again := caddyfileOf(t, mustStaticPlan(t, "ports: [\"9000\", \"9001\"]\nhealthcheck:\n  http: /ready\n", testfiles.Map{"index.html": ""})); again != cf {
		t.Error("the Caddyfile is not deterministic")
	}

	// The hashed-asset pattern (RE2, as Caddy reads it) takes bundlers'
	// content hashes and leaves plain names to revalidation.
	m := regexp.MustCompile("path_regexp hashed `([^`]+)`").FindStringSubmatch(cf)
	if m == nil {
		t.Fatalf("no hashed-asset matcher in:\n%s", cf)
	}
	hashed := regexp.MustCompile(m[1])
	for _, p := range []string{"/assets/main-T4ZLY2HG.js", "/assets/index-B9s_kLm2.css", "/static/js/main.3f2a1b9c.chunk.js", "/a/logo.5d5d9eef.svg", "/main-ABCDEFGH.js.map"} {
		if !hashed.MatchString(p) {
			t.Errorf("%s is not taken as hashed", p)
		}
	}
	for _, p := range []string{"/index.html", "/app.settings.js", "/my-component.js", "/jquery-3.7.1.min.js", "/favicon.ico", "/x-ab12.js", "/a1b2c3d4e5/app.js"} {
		if hashed.MatchString(p) {
			t.Errorf("%s is taken as hashed", p)
		}
	}
}

func TestStaticRefusals(t *testing.T) {
	built := testfiles.Map{"package.json": `{"scripts": {"build": "x"}}`, "package-lock.json": npmLock}
	cases := []struct {
		name, src string
		files     testfiles.Map
		want      string
	}{
		{"runtime packages", "packages:\n  runtime: [libvips42]\n", built,
			"app.yaml:4:3: runtime packages are not supported for static: the site is served by a static binary on distroless static"},
		{"no index.html", "", testfiles.Map{},
			"app.yaml:2:1: index.html not found in the app's directory: a prebuilt site needs one (or name its directory in build)"},
		{"build_command without package.json", "build_command: [make]\n", testfiles.Map{"index.html": ""},
			"app.yaml:3:1: build_command needs a package.json: a site without one is copied as it is"},
		{"no build script", "", testfiles.Map{"package.json": `{"scripts": {"test": "x"}}`, "package-lock.json": npmLock},
			"app.yaml:2:1: package.json has no build script: add one that writes the site to dist, or set build_command (a site that needs no build needs no package.json)"},
		{"whole app after a build", "build: .\n", built,
			"app.yaml:3:1: the site cannot be the whole app after a build (it would serve node_modules): name the directory the build writes, like dist"},
		{"no lock file", "", testfiles.Map{"package.json": `{"scripts": {"build": "x"}}`},
			"app.yaml:2:1: package.json has no lock file next to it (package-lock.json, pnpm-lock.yaml or yarn.lock): appbuild installs from a lock file only; run npm install (or pnpm or yarn) and commit the lock file"},
		{"udp port", "port: 8080/udp\n", built,
			"app.yaml:3:1: a static site is served over HTTP: its first port must be tcp, not udp"},
		{"health path with a placeholder", "port: 8080\nhealthcheck:\n  http: /{env.HOME}\n", built,
			`app.yaml:5:3: "/{env.HOME}" cannot be a static site's health path: write a path the site does not use, of letters, digits and . _ ~ - /, like /healthz`},
		{"health path is the site", "port: 8080\nhealthcheck:\n  http: /\n", built,
			`app.yaml:5:3: "/" cannot be a static site's health path: write a path the site does not use, of letters, digits and . _ ~ - /, like /healthz`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := staticPlan(c.src, c.files)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got %v\nwant %s", err, c.want)
			}
		})
	}
}

// Nothing from the spec reaches the Caddyfile unchecked: the name is
// validated by the spec, the port is a number, the health path is checked
// against an alphabet without Caddyfile syntax.
func TestStaticCaddyfileHasOnlyCheckedValues(t *testing.T) {
	pl := mustStaticPlan(t, "healthcheck:\n  tcp: 8080\n", testfiles.Map{"index.html": ""})
	cf := caddyfileOf(t, pl)
	if !strings.Contains(cf, "handle \"/healthz\" {") || !bytes.Contains([]byte(cf), []byte("\n:8080 {\n")) {
		t.Errorf("defaults missing:\n%s", cf)
	}
}
