package main

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/integration/rigctl"
)

// Measurement is one run of one way of one app. Times are seconds of the
// client's wall clock around `docker buildx build`.
type Measurement struct {
	Cold             float64 `json:"cold_s"`
	NoOp             float64 `json:"noop_s"`
	SourceChange     float64 `json:"source_change_s"`
	AddDependency    float64 `json:"add_dependency_s"`
	ColdTwoPlatforms float64 `json:"cold_two_platforms_s"`
	// CISourceChange is a rebuild after a source change on a daemon with
	// an empty cache that imports the registry cache (--cache-from) the
	// previous build exported with --cache-to mode=max: a CI runner. Cache
	// mounts are not in that cache.
	CISourceChange float64 `json:"ci_source_change_s"`
	// SizeBytes is the linux/amd64 image as a registry stores it: config
	// plus compressed layers.
	SizeBytes int64 `json:"size_bytes"`
	// FrontendOverhead is the time from the build definition being loaded
	// to the first build step starting, read from BuildKit's solve status
	// (frontend start, spec parsing, manifest loading, base image
	// resolution, LLB conversion).
	FrontendOverhead float64 `json:"frontend_overhead_s"`
	// AtLeast names the metrics whose build was stopped at the bench's
	// cap: their value is a lower bound.
	AtLeast []string `json:"at_least,omitempty"`
	// Skipped names the metrics this run did not measure, with the reason.
	Skipped map[string]string `json:"skipped,omitempty"`
}

type bencher struct {
	ctx     context.Context
	daemon  *rigctl.Daemon
	builder string
	// cacheRepo is where --cache-to puts the registry caches.
	cacheRepo string
	// twoPlatformCap stops a two-platform build that takes longer.
	twoPlatformCap time.Duration
	// stopped holds the app/way pairs whose two-platform build was
	// stopped at the cap: a later run would only find the same bound.
	stopped map[string]bool
}

// prune empties the bench daemon's cache, cache mounts included: a cold
// build starts from nothing but the base images in the local registry.
func (b *bencher) prune() error {
	out, err := exec.CommandContext(b.ctx, "buildctl", "--addr", b.daemon.Addr(), "prune", "--all").CombinedOutput()
	if err != nil {
		return fmt.Errorf("prune: %v: %s", err, out)
	}
	return nil
}

func (b *bencher) build(ctx context.Context, dir string, w Way, args ...string) (rigctl.Result, error) {
	file := w.File
	full := append([]string{"-f", filepath.Join(dir, file)}, w.Args...)
	full = append(full, args...)
	full = append(full, dir)
	r := rigctl.Buildx(ctx, b.builder, []string{"SOURCE_DATE_EPOCH=1700000000", "APPBUILD_BENCH_PIP_INDEX_URL=" + pipIndexURL, "APPBUILD_BENCH_MAVEN_SETTINGS=" + mavenSettings}, full...)
	if r.Err != nil {
		stderr := r.Stderr
		if len(stderr) > 3000 {
			stderr = stderr[len(stderr)-3000:]
		}
		return r, fmt.Errorf("build %s: %v\n%s", file, r.Err, stderr)
	}
	return r, nil
}

func (b *bencher) measure(app App, w Way, run int) (Measurement, error) {
	m := Measurement{Skipped: map[string]string{}}
	work, err := os.MkdirTemp("", "bench-"+app.Name+"-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(work)
	if err := copyTree(app.Dir, work); err != nil {
		return m, err
	}
	t := &trial{b: b, app: app, w: w, run: run, work: work, src: filepath.Join(work, app.Bench.SourceFile), m: &m}
	// The registry cache a CI job would push; a tag has no spaces.
	cache := strings.ReplaceAll(fmt.Sprintf("%s:%s-%s-%d", b.cacheRepo, app.Name, strings.ReplaceAll(w.Name, " ", "-"), run), "=", "-")
	ci := app.Bench.CI && t.wants("ci_source_change_s")

	if err := b.prune(); err != nil {
		return m, err
	}
	r, err := t.step("cold", onePlatform...)
	if err != nil {
		return m, err
	}
	m.Cold = r.Wall.Seconds()
	m.FrontendOverhead = overhead(r).Seconds()
	if err := t.incremental(); err != nil {
		return m, err
	}
	if err := t.export(ci, "type=registry,mode=max,ref="+cache); err != nil {
		return m, err
	}
	if err := t.ciSourceChange(ci, "type=registry,ref="+cache); err != nil {
		return m, err
	}
	// m is returned after the call: t fills it in.
	err = t.twoPlatforms()
	return m, err
}

// onePlatform builds for amd64 and keeps only the cache.
var onePlatform = []string{"--platform", "linux/amd64", "-o", "type=cacheonly"}

// trial is one run of one way of building one app, in a copy of the app
// (work) that the incremental builds change.
type trial struct {
	b    *bencher
	app  App
	w    Way
	run  int
	work string
	src  string
	m    *Measurement
}

// wants reports whether the way measures a metric.
func (t *trial) wants(metric string) bool {
	return len(t.w.Only) == 0 || slices.Contains(t.w.Only, metric)
}

// step builds, logs the time and returns the result.
func (t *trial) step(what string, args ...string) (rigctl.Result, error) {
	r, err := t.b.build(t.b.ctx, t.work, t.w, args...)
	if err == nil {
		log.Printf("  %s: %.1fs%s", what, r.Wall.Seconds(), slowest(r, 3))
	}
	return r, err
}

// incremental times the rebuilds on the warm daemon: each changes the app
// (or not) and times one build.
func (t *trial) incremental() error {
	m, app := t.m, t.app
	for _, inc := range []struct {
		metric, what string
		into         *float64
		change       func() error
		// unable says why the change cannot be made here, if it cannot.
		unable string
	}{
		{"noop_s", "no-op", &m.NoOp, func() error { return nil }, ""},
		{"source_change_s", "source change", &m.SourceChange, func() error { return appendTo(t.src, sourceEdit(t.src, t.run)) }, ""},
		{"add_dependency_s", "add a dependency", &m.AddDependency, func() error { return app.addDependency(t.b.ctx, t.work) }, app.cannotAddDependency()},
	} {
		if !t.wants(inc.metric) {
			m.Skipped[inc.metric] = "not measured for this way"
			continue
		}
		if inc.unable != "" {
			m.Skipped[inc.metric] = inc.unable
			continue
		}
		if err := inc.change(); err != nil {
			return err
		}
		r, err := t.step(inc.what, onePlatform...)
		if err != nil {
			return err
		}
		*inc.into = r.Wall.Seconds()
	}
	return nil
}

// export builds the image for its size, in the first run only: the build
// is reproducible (SOURCE_DATE_EPOCH), so later runs would export the same
// bytes. For the CI metric, every run pushes the registry cache the CI job
// would.
func (t *trial) export(ci bool, cacheTo string) error {
	archive := filepath.Join(t.work, "image.tar")
	export := []string{"--platform", "linux/amd64"}
	if t.run == 0 {
		export = append(export, "-o", "type=oci,dest="+archive)
	} else {
		t.m.Skipped["size_mb"] = "measured in the first run (the image is reproducible)"
		export = append(export, "-o", "type=cacheonly")
	}
	if ci {
		export = append(export, "--cache-to", cacheTo)
	}
	if t.run == 0 || ci {
		if _, err := t.step("export", export...); err != nil {
			return err
		}
	}
	if t.run == 0 {
		var err error
		if t.m.SizeBytes, err = imageSize(archive); err != nil {
			return err
		}
	}
	return nil
}

// ciSourceChange is the next CI job: a cold daemon, the registry cache, a
// source change.
func (t *trial) ciSourceChange(ci bool, cacheFrom string) error {
	switch {
	case !ci && t.app.Bench.CI:
		t.m.Skipped["ci_source_change_s"] = "not measured for this way"
		return nil
	case !ci:
		t.m.Skipped["ci_source_change_s"] = "measured for the apps whose bench.json asks (\"ci\": true)"
		return nil
	}
	if err := t.b.prune(); err != nil {
		return err
	}
	if err := appendTo(t.src, sourceEdit(t.src, t.run+100)); err != nil {
		return err
	}
	r, err := t.step("CI source change", append(slices.Clone(onePlatform), "--cache-from", cacheFrom)...)
	if err != nil {
		return err
	}
	t.m.CISourceChange = r.Wall.Seconds()
	return nil
}

// twoPlatforms times a cold build for amd64 and arm64 (emulated).
func (t *trial) twoPlatforms() error {
	m, b, key := t.m, t.b, t.app.Name+"/"+t.w.Name
	if why, ok := t.app.Bench.OnePlatform[t.w.Name]; ok {
		m.Skipped["cold_two_platforms_s"] = why
		return nil
	} else if !t.wants("cold_two_platforms_s") {
		m.Skipped["cold_two_platforms_s"] = "not measured for this way"
		return nil
	} else if b.stopped[key] {
		m.Skipped["cold_two_platforms_s"] = "stopped at the cap in an earlier run"
		log.Printf("  cold, two platforms: not again (stopped at the cap in an earlier run)")
		return nil
	}
	if err := b.prune(); err != nil {
		return err
	}
	// An emulated build can take many times the budget of the whole run:
	// it is stopped at twoPlatformCap and reported as at least that long.
	ctx, cancel := context.WithTimeout(b.ctx, b.twoPlatformCap)
	start := time.Now()
	r, err := b.build(ctx, t.work, t.w, "--platform", "linux/amd64,linux/arm64", "-o", "type=cacheonly")
	cancel()
	switch {
	case err != nil && ctx.Err() != nil:
		m.ColdTwoPlatforms = time.Since(start).Seconds()
		m.AtLeast = append(m.AtLeast, "cold_two_platforms_s")
		b.stopped[key] = true
		log.Printf("  cold, two platforms: stopped after %.0fs", m.ColdTwoPlatforms)
	case err != nil:
		return err
	default:
		m.ColdTwoPlatforms = r.Wall.Seconds()
		log.Printf("  cold, two platforms: %.1fs", m.ColdTwoPlatforms)
	}
	return nil
}

// cannotAddDependency says why bench.json's command to add a dependency
// cannot run on this machine ("" when it can): its program (cargo, say) is
// the developer's, not one the rig installs.
func (app App) cannotAddDependency() string {
	c := app.Bench.AddDependencyCommand
	if len(c) == 0 {
		return ""
	}
	if _, err := exec.LookPath(c[0]); err != nil {
		return c[0] + " is not installed on this machine (the rig does not install it)"
	}
	return ""
}

// addDependency changes the app's copy in work the way bench.json says to
// add one dependency: appended text, inserted text, or a command.
func (app App) addDependency(ctx context.Context, work string) error {
	for f, text := range app.Bench.AddDependency {
		if err := appendTo(filepath.Join(work, f), text); err != nil {
			return err
		}
	}
	for _, ins := range app.Bench.AddDependencyInsert {
		p := filepath.Join(work, ins.File)
		dt, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		i := strings.Index(string(dt), ins.Before)
		if i < 0 {
			return fmt.Errorf("%s: no %q to insert the dependency before", ins.File, ins.Before)
		}
		out := string(dt[:i]) + ins.Text + string(dt[i:])
		if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
			return err
		}
	}
	if c := app.Bench.AddDependencyCommand; len(c) > 0 {
		cmd := exec.CommandContext(ctx, c[0], c[1:]...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return nil
}

// pipIndexURL is the rig's Python index, the secret the Python baselines
// read (bench.json: --secret id=pip_index_url,env=APPBUILD_BENCH_PIP_INDEX_URL).
const pipIndexURL = "http://127.0.0.1:3141/simple/"

// mavenSettings points Maven at the rig's repository, the secret the Java
// ways read (--secret id=maven_settings,env=APPBUILD_BENCH_MAVEN_SETTINGS),
// as integration/java_test.go's javaSettings does.
const mavenSettings = `<settings><mirrors><mirror><id>appbuild-mirror</id><url>http://127.0.0.1:3142/maven2/</url>` +
	`<mirrorOf>*</mirrorOf></mirror></mirrors></settings>`

// sourceEdit is a change to a source file that changes no behaviour: a
// comment, in the file's own comment syntax.
func sourceEdit(path string, run int) string {
	switch filepath.Ext(path) {
	case ".py", ".rb", ".sh", ".toml", ".yaml":
		return fmt.Sprintf("\n# bench edit %d\n", run)
	default:
		return fmt.Sprintf("\n// bench edit %d\n", run)
	}
}

func appendTo(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// overhead is the time between the build definition being loaded and the
// first real work starting: a base image being fetched or a build step. For
// appbuild that span holds pulling and starting the frontend image, reading
// .dockerignore and the app's manifests, resolving base images and making
// LLB; for a Dockerfile, parsing it and resolving its base images.
func overhead(r rigctl.Result) time.Duration {
	var defDone, first time.Time
	for name, v := range r.Vertexes {
		switch {
		case strings.HasPrefix(name, "[internal] load build definition from"):
			if v.Completed != nil && (defDone.IsZero() || v.Completed.Before(defDone)) {
				defDone = *v.Completed
			}
		case isWork(name):
			if v.Started != nil && (first.IsZero() || v.Started.Before(first)) {
				first = *v.Started
			}
		}
	}
	if defDone.IsZero() || first.IsZero() || first.Before(defDone) {
		return 0
	}
	return first.Sub(defDone)
}

// imageSize reads an OCI archive of one platform and adds up the config
// and compressed layer sizes of its image.
func imageSize(archive string) (int64, error) {
	f, err := os.Open(archive)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	blobs := map[string][]byte{}
	var index []byte
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		if h.Size > 1<<20 {
			continue // layers: their size is in the manifest
		}
		dt, err := io.ReadAll(tr)
		if err != nil {
			return 0, err
		}
		if h.Name == "index.json" {
			index = dt
		} else if strings.HasPrefix(h.Name, "blobs/sha256/") {
			blobs["sha256:"+strings.TrimPrefix(h.Name, "blobs/sha256/")] = dt
		}
	}
	var idx ocispecs.Index
	if err := json.Unmarshal(index, &idx); err != nil {
		return 0, fmt.Errorf("index.json: %w", err)
	}
	desc := idx.Manifests[0]
	for desc.MediaType == ocispecs.MediaTypeImageIndex {
		var inner ocispecs.Index
		if err := json.Unmarshal(blobs[desc.Digest.String()], &inner); err != nil {
			return 0, err
		}
		found := false
		for _, m := range inner.Manifests {
			if m.Platform != nil && m.Platform.Architecture == "amd64" {
				desc, found = m, true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("no amd64 image in %s", archive)
		}
	}
	var man ocispecs.Manifest
	if err := json.Unmarshal(blobs[desc.Digest.String()], &man); err != nil {
		return 0, fmt.Errorf("manifest: %w", err)
	}
	size := man.Config.Size
	for _, l := range man.Layers {
		size += l.Size
	}
	return size, nil
}

// copyTree copies an example so edits never touch the checkout.
func copyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case info.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode())
	})
}

// slowest names the n longest steps of a build, for the log: where a cold
// build's time goes.
func slowest(r rigctl.Result, n int) string {
	type span struct {
		name string
		d    time.Duration
	}
	var spans []span
	for name, v := range r.Vertexes {
		if v.Started != nil && v.Completed != nil && !v.Cached {
			spans = append(spans, span{name, v.Completed.Sub(*v.Started)})
		}
	}
	if len(spans) == 0 {
		return ""
	}
	slices.SortFunc(spans, func(a, b span) int { return int(b.d - a.d) })
	var parts []string
	for _, sp := range spans[:min(n, len(spans))] {
		if sp.d < time.Second {
			break
		}
		name := sp.name
		if len(name) > 60 {
			name = name[:60] + "…"
		}
		parts = append(parts, fmt.Sprintf("%s %.1fs", name, sp.d.Seconds()))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (slowest: " + strings.Join(parts, "; ") + ")"
}

func isWork(name string) bool {
	if strings.HasPrefix(name, "docker-image://") {
		// The frontend's own image is part of the overhead.
		return !strings.HasPrefix(name, "docker-image://docker.io/org/appbuild")
	}
	return strings.HasPrefix(name, "[") && !strings.HasPrefix(name, "[internal]") && !strings.HasPrefix(name, "[auth]")
}
