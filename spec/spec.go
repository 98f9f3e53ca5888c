package spec

// Spec is an app spec: everything appbuild needs to know to build, run, check
// and ship one service. The smallest useful spec names a language and, for Go,
// the package to build; every other field has a per-language default.
//
// Field names are snake_case, like compose files, so a team reads both alike.
type Spec struct {
	// Name is the app's name: the image title label, the compose service name
	// and the binary name. Lowercase letters, digits, '-', '_' and '.'.
	Name string `yaml:"name" json:"name"`
	// Language is the app's language, one of those listed here. When it is
	// left out, appbuild detects it from the files in the context and warns
	// with what it found.
	Language string `yaml:"language,omitempty" json:"language,omitempty" jsonschema:"enum=$languages"`
	// Version is the toolchain and runtime version, as a string ("1.26",
	// "3.13", "22"). Quote it: YAML reads 3.10 as the number 3.1.
	Version string `yaml:"version,omitempty" json:"version,omitempty" jsonschema:"type=string|integer"`
	// Dir is a sub-directory of the build context that holds the app, for
	// monorepos. Paths in the spec are relative to it. It never leaves the
	// context.
	Dir string `yaml:"dir,omitempty" json:"dir,omitempty"`
	// Dependencies says which package manager installs the app's
	// dependencies and from which manifest files. Detected when left out.
	Dependencies *Dependencies `yaml:"dependencies,omitempty" json:"dependencies,omitempty"`
	// Build is what to build: a Go package ("./cmd/hello"), a package.json
	// script ("build"), a Python module, a Rust binary name.
	Build string `yaml:"build,omitempty" json:"build,omitempty"`
	// BuildCommand replaces the profile's build step with this command, in
	// exec form (a list: no shell runs it).
	BuildCommand []string `yaml:"build_command,omitempty" json:"build_command,omitempty"`
	// Entrypoint is the process the image starts, in exec form. The
	// profile's default runs the built app.
	Entrypoint []string `yaml:"entrypoint,omitempty" json:"entrypoint,omitempty"`
	// Processes are the app's process types, by name, each a command in
	// exec form (like a Procfile's lines): web is the image's entrypoint
	// and the one that listens on the port; the compose and kubernetes
	// targets run every process as a service of its own, from the same
	// image. Give either processes or entrypoint and cmd.
	Processes map[string][]string `yaml:"processes,omitempty" json:"processes,omitempty"`
	// Cmd is the default arguments to the entrypoint, in exec form.
	Cmd []string `yaml:"cmd,omitempty" json:"cmd,omitempty"`
	// Port is the one port the app listens on ("8080" or "8080/tcp").
	// Use ports for several; the two cannot be given together.
	Port *Port `yaml:"port,omitempty" json:"port,omitempty"`
	// Ports lists every port the app listens on; the first one is the one
	// the healthcheck and compose use.
	Ports []Port `yaml:"ports,omitempty" json:"ports,omitempty"`
	// Healthcheck is how a running container proves it is healthy. It is
	// written into the image config and every generated compose file, and a
	// small static probe binary in the image performs it, so it works on
	// distroless images with no shell and no curl.
	Healthcheck *Healthcheck `yaml:"healthcheck,omitempty" json:"healthcheck,omitempty"`
	// Env sets environment variables in the runtime image (emitted sorted
	// by name, so output is deterministic). Values are one line each: the
	// ejected Dockerfile's ENV cannot hold a line break. Never put secrets
	// here: use secrets.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// Workdir is the working directory of the running app (absolute).
	Workdir string `yaml:"workdir,omitempty" json:"workdir,omitempty"`
	// Runtime is the kind of runtime image: distroless (the default), slim
	// (a Debian slim image with a shell, for debugging) or scratch (static
	// binaries only).
	Runtime string `yaml:"runtime,omitempty" json:"runtime,omitempty" jsonschema:"enum=distroless|slim|scratch"`
	// User is who the app runs as: nonroot (uid 65532, the default), a
	// numeric uid[:gid] (0 to 4294967294; any spelling of 0, "00" or
	// "000:0", is root), or root, which must be written out.
	User string `yaml:"user,omitempty" json:"user,omitempty"`
	// Packages lists extra Debian packages for the build stage and for the
	// runtime image.
	Packages *Packages `yaml:"packages,omitempty" json:"packages,omitempty"`
	// Volumes are directories where the app keeps state that must outlive
	// the container (an SQLite file, uploads): absolute paths, each made
	// in the image owned by the app's user and declared a VOLUME; the
	// compose target mounts a named volume on each. The rest of the root
	// stays read-only; /tmp is writable scratch space (a tmpfs) anyway.
	Volumes []string `yaml:"volumes,omitempty" json:"volumes,omitempty"`
	// Resources limits the running container (compose and docs).
	Resources *Resources `yaml:"resources,omitempty" json:"resources,omitempty"`
	// Services are companion services for the compose target, such as a
	// database or a cache, keyed by service name.
	Services map[string]Service `yaml:"services,omitempty" json:"services,omitempty"`
	// Scan is the policy of the scan target.
	Scan *Scan `yaml:"scan,omitempty" json:"scan,omitempty"`
	// Test is the command the test target runs in the build stage, in exec
	// form. The profile's default runs the language's usual test tool.
	Test []string `yaml:"test,omitempty" json:"test,omitempty"`
	// Secrets are build secrets the dependency step may read (passed with
	// docker buildx build --secret id=ID,...). They never land in a layer.
	Secrets []Secret `yaml:"secrets,omitempty" json:"secrets,omitempty"`
	// Platforms are the platforms built when --platform is not given.
	Platforms []string `yaml:"platforms,omitempty" json:"platforms,omitempty" jsonschema:"enum=linux/amd64|linux/arm64|linux/arm/v7|linux/ppc64le|linux/s390x|linux/riscv64"`
	// Image is the image reference compose files use for the app.
	Image string `yaml:"image,omitempty" json:"image,omitempty"`

	// locs maps a field path ("healthcheck.http", "ports[1]", "env.FOO") to
	// where it stands in the file. Filled by Parse.
	locs map[string]Range
	// file is the spec's file name, for messages.
	file string
}

// Dependencies names a package manager and its manifest files.
type Dependencies struct {
	// Manager is the package manager, one of those listed here; each
	// language accepts only those it installs with.
	Manager string `yaml:"manager,omitempty" json:"manager,omitempty" jsonschema:"enum=$managers"`
	// Files are the manifest and lock files copied before the source, so a
	// source-only change never reinstalls dependencies.
	Files []string `yaml:"files,omitempty" json:"files,omitempty"`
	// Index is the URL of a private or mirror package index (pip, npm).
	// Credentials go in secrets, never here.
	Index string `yaml:"index,omitempty" json:"index,omitempty"`
}

// Healthcheck describes one health probe. Exactly one of http, tcp, exec or
// none is set.
type Healthcheck struct {
	// HTTP is a path ("/healthz") requested on the app's port; any 2xx or
	// 3xx answer is healthy.
	HTTP string `yaml:"http,omitempty" json:"http,omitempty"`
	// TCP is a port that must accept a connection.
	TCP *Port `yaml:"tcp,omitempty" json:"tcp,omitempty"`
	// Exec is a command, in exec form, that exits 0 when healthy.
	Exec []string `yaml:"exec,omitempty" json:"exec,omitempty"`
	// None turns the healthcheck off on purpose.
	None bool `yaml:"none,omitempty" json:"none,omitempty"`
	// Interval between probes (default 30s).
	Interval Duration `yaml:"interval,omitempty" json:"interval,omitempty"`
	// Timeout of one probe (default 5s).
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// StartPeriod is the grace time after start (default 5s).
	StartPeriod Duration `yaml:"start_period,omitempty" json:"start_period,omitempty"`
	// Retries is how many failures in a row make the app unhealthy
	// (default 3).
	Retries int `yaml:"retries,omitempty" json:"retries,omitempty"`
}

// Packages lists extra Debian packages.
type Packages struct {
	// Build packages are installed in the build stage.
	Build []string `yaml:"build,omitempty" json:"build,omitempty"`
	// Runtime packages are unpacked into the runtime image.
	Runtime []string `yaml:"runtime,omitempty" json:"runtime,omitempty"`
}

// Resources limits the running container.
type Resources struct {
	// Memory limit, like "512m" or "1g".
	Memory string `yaml:"memory,omitempty" json:"memory,omitempty"`
	// CPUs limit, like "0.5" or "2".
	CPUs string `yaml:"cpus,omitempty" json:"cpus,omitempty"`
}

// Service is a companion service for compose, such as a database.
type Service struct {
	// Image of the service, like "postgres:17" (pin a tag; digests are
	// better).
	Image string `yaml:"image" json:"image"`
	// Env sets the service's environment. Passwords belong in secret
	// files, never inline.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// Secrets are files mounted as compose secrets, keyed by name. compose
	// shares secrets by name, so a name means one file across services.
	Secrets map[string]string `yaml:"secrets,omitempty" json:"secrets,omitempty"`
	// Volume is a named volume mounted at this absolute path for the
	// service's data: the path alone, no ":ro"-style options.
	Volume string `yaml:"volume,omitempty" json:"volume,omitempty"`
}

// Scan is the policy of the scan target.
type Scan struct {
	// Severity lists the severities that fail the build (default HIGH and
	// CRITICAL).
	Severity []string `yaml:"severity,omitempty" json:"severity,omitempty" jsonschema:"enum=UNKNOWN|LOW|MEDIUM|HIGH|CRITICAL"`
	// IgnoreUnfixed skips findings that have no fixed version yet.
	IgnoreUnfixed bool `yaml:"ignore_unfixed,omitempty" json:"ignore_unfixed,omitempty"`
}

// Secret is a build secret available to the dependency step.
type Secret struct {
	// ID is the id given to docker buildx build --secret id=ID: letters,
	// digits, '_', '.' and '-', not starting with '.' or '-' (it is also a
	// file name under /run/secrets).
	ID string `yaml:"id" json:"id"`
	// Env, when set, exposes the secret to the step as this environment
	// variable; otherwise it is a file under /run/secrets.
	Env string `yaml:"env,omitempty" json:"env,omitempty"`
	// Required fails the build when the secret is not given. Secrets are
	// optional by default, as in a Dockerfile's --mount=type=secret, so a
	// spec that can use a private index still builds without one.
	Required bool `yaml:"required,omitempty" json:"required,omitempty"`
}
