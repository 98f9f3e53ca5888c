package profiles

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/org/appbuild/contract"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Static plans static sites: HTML, CSS, JavaScript and assets served by
// Caddy (a well-kept static Go binary: file_server, compression, header
// rules) on distroless static, as uid 65532, from a read-only root.
//
// The site is either built by a package.json script or shipped prebuilt:
//
//   - with a package.json, the Node profile plans the install and the build
//     (its deps, build and test stages, unchanged: the lock file only, before
//     the source, npm/pnpm/yarn's cache in a cache mount), and the build's
//     output directory becomes the site;
//   - without one, the directory is copied from the build context as it is.
//
// For static apps build names that directory, relative to the app's dir:
// dist by default after a build, the app's directory itself when prebuilt
// (keep app.yaml out of it with .dockerignore, or put the site in a
// sub-directory and name it). The build script is package.json's "build"
// script, or build_command.
//
// Caddy comes from the official caddy image of the target platform, pinned
// by digest like every base; only its binary is copied. Its configuration is
// a Caddyfile generated from the spec (see caddyfile): the spec's port, an
// answer on the health path, the SPA fallback to /index.html, gzip and zstd,
// and cache headers: hashed assets immutable for a year, everything else
// revalidated.
type Static struct{}

// staticLanguage is the static sites' descriptor: a site built by a
// package.json script uses Node's managers and files (Node's descriptor
// lists them), and has no toolchain version of its own to pin.
var staticLanguage = register(Language{
	Name:       "static",
	Rank:       6,
	Profile:    Static{},
	Managers:   []string{"npm", "pnpm", "yarn"},
	Detect:     []string{"index.html"},
	DetectRank: 6,
	Scratch:    true,
})

const (
	// caddyImage is the official image the server binary is taken from.
	caddyImage = "docker.io/library/caddy:2.11"
	// caddyBinary is where both the caddy image and the runtime keep it.
	caddyBinary = "/usr/bin/caddy"
	// caddyfilePath is where the runtime keeps the generated configuration,
	// the path the caddy image uses.
	caddyfilePath = "/etc/caddy/Caddyfile"
	// siteRoot is the directory Caddy serves, owned by root.
	siteRoot = appDir + "/site"
	// defaultStaticPort is the port when the spec names none: above 1024,
	// so the non-root server can bind it.
	defaultStaticPort = 8080
	// defaultStaticHealth is the path Caddy answers 200 on when the spec's
	// healthcheck names no HTTP path.
	defaultStaticHealth = "/healthz"
	// defaultStaticOutput is the directory a build script writes the site
	// to when build does not name one (Vite, Parcel, esbuild examples).
	defaultStaticOutput = "dist"
)

// staticHealthRe is the health path's alphabet: nothing that Caddyfile
// syntax (quotes, placeholders, wildcards, comments) gives a meaning.
var staticHealthRe = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*$`)

// Plan plans a static site (see build) under the image contract, applied
// to the spec with the site's defaults filled in.
func (st Static) Plan(s *spec.Spec, env Env) (*plan.Plan, error) {
	site, b, err := st.build(s, env)
	if err != nil {
		return nil, err
	}
	return contract.Assemble(site, b, env.contract())
}

// build takes the build stages from the Node profile when the site is
// built, and lays Caddy, its Caddyfile and the site on the runtime base.
// It returns the spec with the static defaults filled in: a port, and an
// HTTP healthcheck on the path Caddy answers.
func (Static) build(s *spec.Spec, env Env) (*spec.Spec, contract.Build, error) {
	if s.Packages != nil && len(s.Packages.Runtime) > 0 {
		return nil, contract.Build{}, s.Errorf("packages.runtime", "runtime packages are not supported for static: the site is served by a static binary on distroless static")
	}
	// site is the spec with the static defaults filled in: a port, and an
	// HTTP healthcheck on the path Caddy answers.
	site := *s
	if len(site.AllPorts()) == 0 {
		site.Port = &spec.Port{Number: defaultStaticPort, Protocol: "tcp"}
	}
	port := site.AllPorts()[0]
	if port.Protocol != "" && port.Protocol != "tcp" {
		return nil, contract.Build{}, s.Errorf("port", "a static site is served over HTTP: its first port must be tcp, not %s", port.Protocol)
	}
	health := defaultStaticHealth
	if h := site.Healthcheck; h == nil {
		site.Healthcheck = &spec.Healthcheck{HTTP: defaultStaticHealth}
	} else if h.HTTP != "" {
		health = h.HTTP
	}
	if !staticHealthRe.MatchString(health) || health == "/" {
		return nil, contract.Build{}, s.Errorf("healthcheck.http", "%q cannot be a static site's health path: write a path the site does not use, of letters, digits and . _ ~ - /, like /healthz", health)
	}
	if len(site.Entrypoint) == 0 {
		site.Entrypoint = []string{caddyBinary, "run", "--config", caddyfilePath, "--adapter", "caddyfile"}
	}

	var stages []plan.Stage
	var siteCopy plan.Copy
	var test *contract.Test
	// The image cp runs in for caddyStages: the Node image of a site's
	// build, else the Go image the probe may be built in (a prebuilt site
	// with a prebuilt probe pulls it for cp alone).
	cpImage := contract.GoImage
	if exists(env.Files, "package.json") {
		built, nodeTest, output, err := staticBuild(site, env)
		if err != nil {
			return nil, contract.Build{}, err
		}
		stages = built
		test = nodeTest
		cpImage = built[0].From.Image
		siteCopy = plan.Copy{FromStage: "build", Paths: []string{path.Join(appDir, output)}}
	} else {
		if s.BuildCommand != nil {
			return nil, contract.Build{}, s.Errorf("build_command", "build_command needs a package.json: a site without one is copied as it is")
		}
		dir, err := staticOutput(s, ".")
		if err != nil {
			return nil, contract.Build{}, err
		}
		if dir == "." && !exists(env.Files, "index.html") {
			return nil, contract.Build{}, s.Errorf(appDirField(s), "index.html not found in the app's directory: a prebuilt site needs one (or name its directory in build)")
		}
		siteCopy = plan.Copy{Paths: []string{dir}}
	}
	siteCopy.Dest, siteCopy.Owner = siteRoot, rootOwner

	stages = append(stages, caddyStages(s.Name, port.Number, health, cpImage)...)
	runtime := plan.Stage{
		From: staticRuntimeBase(s),
		Steps: []plan.Step{{
			Name:   "copy caddy",
			Origin: []string{"language"},
			Copy:   &plan.Copy{FromStage: "caddy", Paths: []string{"/out/caddy"}, Dest: caddyBinary, Owner: rootOwner, Mode: 0o755},
		}, {
			Name:   "copy Caddyfile",
			Origin: []string{"port", "healthcheck"},
			// No mode: a copy's mode is also given to the directories it
			// creates, and /etc/caddy must stay searchable. The file is
			// written 0644.
			Copy: &plan.Copy{FromStage: "caddy", Paths: []string{"/out/Caddyfile"}, Dest: caddyfilePath, Owner: rootOwner},
		}},
	}
	// The site last: it is what changes most often.
	last := []plan.Step{{Name: "copy site", Origin: []string{"dir", "build"}, Copy: &siteCopy}}
	return &site, contract.Build{Stages: stages, Test: test, Runtime: runtime, Last: last}, nil
}

// caddyStages take Caddy from the official image of the target platform
// and write its Caddyfile. The official binary carries a file capability
// (cap_net_bind_service=+ep, for ports below 1024 as root's users expect);
// a copy keeps it, and a process whose bounding set lacks the capability
// (cap_drop: [ALL], the compose target's default and Kubernetes' restricted
// profile) then cannot even exec the binary. So it is copied once more with
// cp, which drops extended attributes, on the build platform (nothing of
// the target's runs) in cpImage: an image the build pulls anyway.
func caddyStages(name string, port int, health, cpImage string) []plan.Stage {
	return []plan.Stage{{
		Name: "caddy-image",
		From: plan.Base{Image: caddyImage},
	}, {
		Name:            "caddy",
		From:            plan.Base{Image: cpImage},
		OnBuildPlatform: true,
		// The Caddyfile first: it is the same for every platform.
		Steps: []plan.Step{{
			Name:   "write Caddyfile",
			Origin: []string{"port", "healthcheck"},
			Write:  &plan.Write{Path: "/out/Caddyfile", Data: caddyfile(name, port, health), Mode: 0o644},
		}, {
			Name:   "copy caddy from the caddy image",
			Origin: []string{"language"},
			Copy:   &plan.Copy{FromStage: "caddy-image", Paths: []string{caddyBinary}, Dest: "/out/caddy.official"},
		}, {
			Name:   "drop caddy's file capability",
			Origin: []string{"language"},
			Run:    &plan.Run{Args: []string{"cp", "/out/caddy.official", "/out/caddy"}},
		}},
	}}
}

// staticBuild plans the install and the build with the Node profile and
// keeps its deps and build stages and its tests; it returns them and the
// directory the build writes the site to, relative to the app.
func staticBuild(site spec.Spec, env Env) ([]plan.Stage, *contract.Test, string, error) {
	output, err := staticOutput(&site, defaultStaticOutput)
	if err != nil {
		return nil, nil, "", err
	}
	if output == "." {
		return nil, nil, "", site.Errorf("build", "the site cannot be the whole app after a build (it would serve node_modules): name the directory the build writes, like dist")
	}
	// The Node profile reads build as a script name and refuses scratch;
	// neither applies to what it plans here.
	node := site
	node.Build, node.Runtime = "", ""
	nb, err := Node{}.build(&node, env)
	if err != nil {
		return nil, nil, "", err
	}
	var stages []plan.Stage
	for _, name := range []string{"deps", "build"} {
		i := slices.IndexFunc(nb.Stages, func(st plan.Stage) bool { return st.Name == name })
		if i < 0 {
			return nil, nil, "", fmt.Errorf("static: the node plan has no %s stage", name)
		}
		stages = append(stages, nb.Stages[i])
	}
	if !hasRun(stages[1]) {
		return nil, nil, "", site.Errorf("language", "package.json has no build script: add one that writes the site to %s, or set build_command (a site that needs no build needs no package.json)", output)
	}
	return stages, nb.Test, output, nil
}

// staticOutput is the site's directory: build, cleaned, else def.
func staticOutput(s *spec.Spec, def string) (string, error) {
	if s.Build == "" {
		return def, nil
	}
	dir, err := spec.CleanPath(s.Build)
	if err != nil {
		return "", s.Errorf("build", "%v", err)
	}
	return dir, nil
}

func hasRun(st plan.Stage) bool {
	for _, step := range st.Steps {
		if step.Run != nil {
			return true
		}
	}
	return false
}

// hashedAssetRe matches the file names bundlers give content-hashed assets:
// a "-" or "." then a hash of 8 or more characters, then the extension
// ("main-K3ZQ7RXA.js", "index-B9s_kLm2.css", "main.3f2a1b9c.chunk.js"). The
// hash is 8+ uppercase letters and digits (esbuild's base32), or 8+ word
// characters of which at least one is a digit (Vite, webpack, Parcel), so a
// plain word such as "settings" never makes a file immutable.
var hashedAssetRe = func() string {
	// The first digit after i letters: i = 0..7, then 8 or more.
	alts := []string{`[A-Z0-9]{8,}`, `[0-9][A-Za-z0-9_]{7,}`}
	for i := 1; i < 7; i++ {
		alts = append(alts, fmt.Sprintf(`[A-Za-z_]{%d}[0-9][A-Za-z0-9_]{%d,}`, i, 7-i))
	}
	alts = append(alts, `[A-Za-z_]{7,}[0-9][A-Za-z0-9_]*`)
	return `[.-](?:` + strings.Join(alts, "|") + `)\.[^/]*$`
}()

// caddyfile is the server's configuration. Every value in it is a number
// or checked against an alphabet with no Caddyfile meaning, and quoted:
// nothing from the spec can add a directive.
//
//   - admin off: no admin API on localhost:2019; persist_config off and no
//     storage check or cleaning: nothing is written, the root filesystem is
//     read-only (no certificate is ever needed: TLS ends in front of it);
//   - the health path answers 200 "ok", before the SPA fallback;
//   - hashed assets are served as files or 404, never the fallback (an
//     old asset URL must not cache index.html for a year), with
//     Cache-Control immutable on 2xx and 304 answers;
//   - every other path is the file, the directory's index, or /index.html,
//     with Cache-Control no-cache (revalidated with ETag/Last-Modified);
//   - responses are compressed with zstd or gzip, as the client accepts.
func caddyfile(name string, port int, health string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `# Caddy configuration of %s, generated by appbuild.
{
	admin off
	persist_config off
	auto_https off
	storage_check off
	storage_clean_interval off
}

:%d {
	root * %s
	encode zstd gzip
	header {
		X-Content-Type-Options nosniff
		?Cache-Control no-cache
	}

	handle %s {
		respond "ok" 200
	}

	@hashed path_regexp hashed `+"`%s`"+`
	handle @hashed {
		header {
			Cache-Control "public, max-age=31536000, immutable"
			match {
				status 2xx 304
			}
		}
		file_server
	}

	handle {
		try_files {path} {path}/ /index.html
		file_server
	}
}
`, name, port, siteRoot, caddyString(health), hashedAssetRe)
	return []byte(b.String())
}
