package frontend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/scan"
)

// The scan target's build-args (see buildArgs in outline.go).
const (
	argScannerImage     = "APPBUILD_SCANNER_IMAGE"
	argTrivyDB          = "APPBUILD_TRIVY_DB_REPOSITORY"
	argTrivyJavaDB      = "APPBUILD_TRIVY_JAVA_DB_REPOSITORY"
	argScanReportOnly   = "APPBUILD_SCAN_REPORT_ONLY"
	scanFindingsShown   = 10
	scanCacheNamePrefix = "appbuild-trivy-"
)

// scanner is the pinned scanner image.
type scanner struct {
	ref   string // as written
	state llb.State
}

// scanned is one platform's scan: its merged report and the verdict.
type scanned struct {
	platform ocispecs.Platform
	report   []byte
	verdict  *scan.Verdict
}

// buildScan runs Trivy inside the build on each target platform's runtime
// filesystem and on the lock files the app was built from, and returns
// report.json, report.sarif and report.txt for `--target scan -o DIR`. The
// build fails when a finding breaks the spec's scan policy, naming them; with
// APPBUILD_SCAN_REPORT_ONLY=true it warns and exports the reports instead.
func (b *builder) buildScan(ctx context.Context) (*gwclient.Result, error) {
	if err := b.load(ctx, true); err != nil {
		return nil, err
	}
	db, reportOnly, err := b.scanOptions()
	if err != nil {
		return nil, err
	}
	sc, err := b.resolveScanner(ctx)
	if err != nil {
		return nil, err
	}
	targets := b.bc.TargetPlatforms
	if len(targets) == 0 {
		targets = []ocispecs.Platform{b.bc.BuildPlatforms[0]}
	}
	policy := scan.PolicyOf(b.spec.Scan)
	results := make([]scanned, len(targets))
	eg, ectx := errgroup.WithContext(ctx)
	for i, p := range targets {
		eg.Go(func() error {
			r, err := b.scanPlatform(ectx, sc, db, p, policy)
			if err != nil {
				return err
			}
			results[i] = *r
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}

	var failures []string
	for _, r := range results {
		if !r.verdict.Failed() {
			continue
		}
		msg := r.verdict.Summary(scanFindingsShown)
		if len(results) > 1 {
			msg = platforms.Format(r.platform) + ": " + msg
		}
		failures = append(failures, msg)
	}
	if len(failures) > 0 && !reportOnly {
		msg := strings.Join(failures, "\n")
		if _, written := b.spec.Where("scan"); written {
			// Point at the policy that failed the build.
			return nil, b.spec.Errorf("scan", "%s", msg)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	for _, f := range failures {
		b.src.Warn(ctx, f+" ("+argScanReportOnly+" is set: reporting only)", gwclient.WarnOpts{Range: b.ranges("scan")})
	}

	out := gwclient.NewResult()
	exp := exptypes.Platforms{}
	for _, r := range results {
		ref, err := b.scanReports(ctx, sc, r)
		if err != nil {
			return nil, err
		}
		if len(results) == 1 {
			out.SetRef(ref)
			return out, nil
		}
		id := platforms.FormatAll(platforms.Normalize(r.platform))
		out.AddRef(id, ref)
		exp.Platforms = append(exp.Platforms, exptypes.Platform{ID: id, Platform: r.platform})
	}
	dt, err := json.Marshal(exp)
	if err != nil {
		return nil, err
	}
	out.AddMeta(exptypes.ExporterPlatformsKey, dt)
	return out, nil
}

// scanOptions reads the scan build-args. The repositories are passed to
// Trivy as arguments, so they must be image references (never options).
func (b *builder) scanOptions() (scan.DB, bool, error) {
	var db scan.DB
	for _, a := range []struct {
		name string
		dst  *string
	}{{argTrivyDB, &db.Repository}, {argTrivyJavaDB, &db.JavaRepository}} {
		v := b.bc.BuildArgs[a.name]
		if v == "" {
			continue
		}
		if _, err := reference.ParseNormalizedNamed(v); err != nil {
			return db, false, fmt.Errorf("build-arg %s=%q: not a repository reference: %v", a.name, v, err)
		}
		*a.dst = v
	}
	reportOnly := false
	switch v := strings.ToLower(b.bc.BuildArgs[argScanReportOnly]); v {
	case "", "0", "false":
	case "1", "true":
		reportOnly = true
	default:
		return db, false, fmt.Errorf("build-arg %s=%q: want true or false", argScanReportOnly, v)
	}
	return db, reportOnly, nil
}

// resolveScanner pins the scanner image by digest for the build platform:
// Trivy runs natively and reads a foreign platform's files without running
// them.
func (b *builder) resolveScanner(ctx context.Context) (*scanner, error) {
	ref := scan.DefaultScannerImage
	if v := b.bc.BuildArgs[argScannerImage]; v != "" {
		if _, err := reference.ParseNormalizedNamed(v); err != nil {
			return nil, fmt.Errorf("build-arg %s=%q: not an image reference: %v", argScannerImage, v, err)
		}
		ref = v
	}
	native := b.bc.BuildPlatforms[0]
	_, dgst, cfg, err := b.c.ResolveImageConfig(ctx, ref, sourceresolver.Opt{
		LogName:  "[internal] load metadata for " + ref,
		ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &native, ResolveMode: b.bc.ImageResolveMode.String()},
	})
	if err != nil {
		return nil, fmt.Errorf("resolve the scanner image %s (set %s to use another): %w", ref, argScannerImage, err)
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(cfg, &img); err != nil {
		return nil, fmt.Errorf("read config of %s: %w", ref, err)
	}
	pinned := ref
	if !strings.Contains(ref, "@") {
		pinned = ref + "@" + dgst.String()
	}
	st := llb.Image(pinned, llb.Platform(native))
	for _, kv := range img.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		st = st.AddEnv(k, v)
	}
	// The scanner runs as root whatever the image says: it must read every
	// file of the runtime filesystem, including root-only ones.
	return &scanner{ref: ref, state: st.Dir("/")}, nil
}

// scanPlatform builds the runtime filesystem for one platform, runs Trivy
// on it and on the app's lock files, and applies the policy to the merged
// report.
func (b *builder) scanPlatform(ctx context.Context, sc *scanner, db scan.DB, target ocispecs.Platform, policy scan.Policy) (*scanned, error) {
	pl, err := b.planFor(ctx, target, true)
	if err != nil {
		return nil, err
	}
	rt, err := b.generate(ctx, pl, target)
	if err != nil {
		return nil, err
	}
	appCtx, err := b.bc.MainContext(ctx)
	if err != nil {
		return nil, err
	}
	plat := platforms.Format(target)
	locks := lockFiles(pl)
	steps := 1
	if len(locks) > 0 {
		steps = 2
	}

	// One DB cache per repository pair, locked: two scans never write the
	// same DB at once, and a DB from one repository is never taken for
	// another's.
	sum := sha256.Sum256([]byte(db.Repository + "\x00" + db.JavaRepository))
	cacheID := b.bc.CacheIDNamespace + scanCacheNamePrefix + hex.EncodeToString(sum[:8])
	cache := llb.AddMount(scan.CacheDir, llb.Scratch(), llb.AsPersistentCacheDir(cacheID, llb.CacheMountLocked))

	// A scan asks a moving database about fixed files: it runs on every
	// build instead of answering from BuildKit's cache.
	opts := []llb.RunOption{
		llb.Args(scan.RootfsArgs(db)),
		llb.AddMount(scan.RootfsDir, rt.State, llb.Readonly),
		cache,
		llb.IgnoreCache,
		llb.WithCustomName(fmt.Sprintf("[scan 1/%d] trivy rootfs: the runtime filesystem (%s)", steps, plat)),
	}
	opts = append(opts, b.scanLocation()...)
	run := sc.state.Run(opts...)
	reports := run.AddMount(scan.OutDir, llb.Scratch())

	if len(locks) > 0 {
		var fa *llb.FileAction
		for _, f := range locks {
			from := path.Join("/", pl.ContextDir, f)
			ci := &llb.CopyInfo{CreateDestPath: true}
			if fa == nil {
				fa = llb.Copy(*appCtx, from, path.Join("/", f), ci)
			} else {
				fa = fa.Copy(*appCtx, from, path.Join("/", f), ci)
			}
		}
		src := llb.Scratch().File(fa, llb.WithCustomName("[scan] copy "+strings.Join(locks, " ")))
		opts := []llb.RunOption{
			llb.Args(scan.LockfileArgs(db)),
			llb.AddMount(scan.SourceDir, src, llb.Readonly),
			cache,
			llb.IgnoreCache,
			llb.WithCustomName(fmt.Sprintf("[scan 2/%d] trivy fs: %s (%s)", steps, strings.Join(locks, " "), plat)),
		}
		opts = append(opts, b.scanLocation()...)
		reports = sc.state.Run(opts...).AddMount(scan.OutDir, reports)
	}

	ref, err := b.solve(ctx, reports, b.bc.BuildPlatforms[0])
	if err != nil {
		return nil, err
	}
	var docs [][]byte
	names := []string{scan.RootfsReport}
	if len(locks) > 0 {
		names = append(names, scan.LockfileReport)
	}
	for _, name := range names {
		data, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: "/" + name})
		if err != nil {
			return nil, fmt.Errorf("read %s from the scan: %w", name, err)
		}
		docs = append(docs, data)
	}
	merged, err := scan.Merge(b.spec.Name, b.epoch, docs...)
	if err != nil {
		return nil, err
	}
	verdict, err := scan.Evaluate(merged, policy)
	if err != nil {
		return nil, err
	}
	return &scanned{platform: target, report: merged, verdict: verdict}, nil
}

// scanReports writes the merged JSON report and renders it as SARIF and as
// a table, with the scanner's own converter.
func (b *builder) scanReports(ctx context.Context, sc *scanner, r scanned) (gwclient.Reference, error) {
	st := llb.Scratch().File(llb.Mkfile("/"+scan.JSONReport, 0o644, r.report),
		llb.WithCustomName("[scan] write "+scan.JSONReport))
	for _, c := range []struct{ format, file string }{{"sarif", scan.SARIFReport}, {"table", scan.TableReport}} {
		opts := []llb.RunOption{
			llb.Args(scan.ConvertArgs(c.format, c.file)),
			llb.WithCustomName(fmt.Sprintf("[scan] trivy convert --format %s (%s)", c.format, platforms.Format(r.platform))),
		}
		st = sc.state.Run(opts...).AddMount(scan.OutDir, st)
	}
	return b.solve(ctx, st, b.bc.BuildPlatforms[0])
}

// scanLocation points the scan steps at the spec's scan policy, when written.
func (b *builder) scanLocation() []llb.RunOption {
	r := b.ranges("scan")
	if r == nil || b.src.SourceMap == nil {
		return nil
	}
	return []llb.RunOption{b.src.SourceMap.Location(r)}
}

// lockFiles are the dependency manifests and lock files the plan copies
// from the build context before the source (go.mod and go.sum, a
// package.json and its lock...): what the app's dependencies were resolved
// from, in the context's app directory.
func lockFiles(pl *plan.Plan) []string {
	var out []string
	for _, st := range pl.Stages {
		for _, step := range st.Steps {
			c := step.Copy
			if c == nil || c.FromStage != "" {
				continue
			}
			for _, p := range c.Paths {
				if p == "." || strings.ContainsAny(p, "*?[") {
					continue
				}
				p = path.Clean(p)
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}
