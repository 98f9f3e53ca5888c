// Command bench builds every example two ways, through appbuild and through
// its hand-written Dockerfile.baseline (and Dockerfile.naive where there is
// one), on a buildkitd of its own, and reports build times, image sizes and
// the frontend's overhead side by side, with appbuild/baseline ratios taken
// within the same run. `make bench` runs it after `make rig`.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/org/appbuild/integration/rigctl"
)

func main() {
	runs := flag.Int("runs", 3, "runs per app and way")
	out := flag.String("out", "bench", "directory for results.json and RESULTS.md")
	only := flag.String("apps", "", "comma-separated example names (default: every example with a Dockerfile.baseline)")
	readme := flag.String("readme", "", "a Markdown file whose table between <!-- bench table --> and <!-- /bench table --> is replaced by this run's")
	twoCap := flag.Duration("two-platform-cap", 2*time.Minute, "stop a two-platform build after this long and report it as a lower bound")
	from := flag.String("from", "", "render the table of an earlier run's results.json instead of measuring")
	flag.Parse()
	if *from != "" {
		if err := render(*from, *readme); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(*runs, *out, *only, *twoCap, *readme); err != nil {
		log.Fatal(err)
	}
}

func run(runs int, out, only string, twoCap time.Duration, readme string) error {
	ctx := context.Background()
	apps, err := findApps("examples", only)
	if err != nil {
		return err
	}
	root := filepath.Join(os.Getenv("RIG_DIR"), "bench")
	_ = os.RemoveAll(root)
	d := rigctl.NewDaemon(root)
	if err := d.Start(ctx); err != nil {
		return err
	}
	defer func() { d.Stop(); _ = d.Remove() }()
	const builder = "appbuild-bench"
	rm, err := d.Builder(ctx, builder)
	if err != nil {
		return err
	}
	defer rm()

	b := &bencher{ctx: ctx, daemon: d, builder: builder, cacheRepo: "127.0.0.1:5000/appbuild-bench/cache", twoPlatformCap: twoCap, stopped: map[string]bool{}}
	report := Report{Machine: machine(), Runs: runs, Date: time.Now().UTC().Format("2006-01-02")}
	type job struct {
		app App
		way Way
	}
	var jobs []job
	for _, app := range apps {
		for _, w := range app.Ways {
			jobs = append(jobs, job{app, w})
			report.Results = append(report.Results, WayResult{App: app.Name, Way: w.Name, Args: w.Args})
		}
	}
	// Run by run, each over every app and way: a slow drift of the machine
	// spreads over all of them alike, and the first run alone is what
	// `make bench` with one run costs.
	for i := 0; i < runs; i++ {
		start := time.Now()
		for j, jb := range jobs {
			log.Printf("%s / %s: run %d of %d", jb.app.Name, jb.way.Name, i+1, runs)
			m, err := b.measure(jb.app, jb.way, i)
			if err != nil {
				return fmt.Errorf("%s / %s: %w", jb.app.Name, jb.way.Name, err)
			}
			report.Results[j].Runs = append(report.Results[j].Runs, m)
		}
		report.RunSeconds = append(report.RunSeconds, time.Since(start).Seconds())
		log.Printf("run %d of %d measured in %s", i+1, runs, time.Since(start).Round(time.Second))
	}
	for j := range report.Results {
		report.Results[j].summarize()
	}
	report.ratios()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return publish(report, out, readme)
}

// publish prints the table and writes it (RESULTS.md, and readme's table
// when readme is set) with the plot of the ratios (ratios.svg) into dir.
func publish(report Report, dir, readme string) error {
	md := report.Markdown()
	fmt.Print(md)
	if err := os.WriteFile(filepath.Join(dir, "RESULTS.md"), []byte(md), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ratios.svg"), []byte(report.SVG()), 0o644); err != nil {
		return err
	}
	if readme == "" {
		return nil
	}
	return replaceTable(readme, md)
}

// render publishes the table and plot of a results.json again, beside it.
func render(results, readme string) error {
	dt, err := os.ReadFile(results)
	if err != nil {
		return err
	}
	var report Report
	if err := json.Unmarshal(dt, &report); err != nil {
		return fmt.Errorf("%s: %w", results, err)
	}
	report.ratios()
	return publish(report, filepath.Dir(results), readme)
}

// replaceTable puts md between the bench table markers of the file at
// path, so the README always shows the latest run's table.
func replaceTable(path, md string) error {
	const begin, end = "<!-- bench table -->\n", "<!-- /bench table -->"
	dt, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(dt)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s: no %q ... %q markers for the table", path, strings.TrimSpace(begin), end)
	}
	s = s[:i+len(begin)] + md + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}

// App is one example and the ways to build it.
type App struct {
	Name  string
	Dir   string
	Ways  []Way
	Bench struct {
		// SourceFile is edited for the source-only rebuild.
		SourceFile string `json:"source_file"`
		// AddDependency maps files to text appended to them to add one
		// dependency.
		AddDependency map[string]string `json:"add_dependency"`
		// AddDependencyCommand, run in the app's copy on this machine,
		// adds one dependency where appending text cannot (a JSON
		// manifest and its lock file).
		AddDependencyCommand []string `json:"add_dependency_command"`
		// AddDependencyInsert adds one dependency where text must go
		// inside a file (pom.xml): Text is inserted before the first
		// Before in File.
		AddDependencyInsert []struct {
			File   string `json:"file"`
			Before string `json:"before"`
			Text   string `json:"text"`
		} `json:"add_dependency_insert"`
		// Args are added to every build of every way (secrets, say).
		Args []string `json:"args"`
		// Ways are more ways to build the app, beside appbuild, baseline
		// and naive: appbuild with other build-args, say.
		Ways []Way `json:"ways"`
		// CI asks for the CI metric (a source change on a cold daemon
		// with the registry cache of the previous build) for every way.
		CI bool `json:"ci"`
		// OnePlatform names ways that can only build for linux/amd64,
		// with the reason, so their two-platform build is skipped.
		OnePlatform map[string]string `json:"one_platform"`
	}
}

// Way is one build definition of an app.
type Way struct {
	Name string   `json:"name"` // appbuild, baseline, naive, or bench.json's
	File string   `json:"file"` // relative to the app's dir
	Args []string `json:"args"` // build-args and the like
	// Only, when set, limits the way to these metrics (Measurement's
	// json names): an extra way that exists to show one effect.
	Only []string `json:"only"`
}

func findApps(dir, only string) ([]App, error) {
	baselines, err := filepath.Glob(filepath.Join(dir, "*", "Dockerfile.baseline"))
	if err != nil {
		return nil, err
	}
	var apps []App
	for _, bl := range baselines {
		appDir := filepath.Dir(bl)
		name := filepath.Base(appDir)
		if only != "" && !slices.Contains(strings.Split(only, ","), name) {
			continue
		}
		app := App{Name: name, Dir: appDir, Ways: []Way{{Name: "appbuild", File: "app.yaml"}, {Name: "baseline", File: "Dockerfile.baseline"}}}
		if _, err := os.Stat(filepath.Join(appDir, "Dockerfile.naive")); err == nil {
			// The naive Dockerfile is a reference for what cache mounts and
			// stages buy on one machine; the two-platform and CI
			// comparisons are against the baseline.
			app.Ways = append(app.Ways, Way{Name: "naive", File: "Dockerfile.naive",
				Only: []string{"noop_s", "source_change_s", "add_dependency_s"}})
		}
		dt, err := os.ReadFile(filepath.Join(appDir, "bench.json"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w (each benchmarked example says what to edit)", name, err)
		}
		if err := json.Unmarshal(dt, &app.Bench); err != nil {
			return nil, fmt.Errorf("%s/bench.json: %w", name, err)
		}
		app.Ways = append(app.Ways, app.Bench.Ways...)
		for i := range app.Ways {
			app.Ways[i].Args = append(slices.Clone(app.Bench.Args), app.Ways[i].Args...)
		}
		apps = append(apps, app)
	}
	if len(apps) == 0 {
		return nil, fmt.Errorf("no example with a Dockerfile.baseline under %s", dir)
	}
	return apps, nil
}
