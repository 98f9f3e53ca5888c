package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportMediansRatiosAndBounds checks the arithmetic and the marks the
// README's table is made of: medians over runs, appbuild/baseline ratios,
// n/a for a metric a way skips, and a two-platform build stopped at the
// cap shown as a lower bound (and the ratio against it as an upper one).
// sampleReport is three runs of appbuild, one of a baseline stopped at the
// two-platform cap, and a naive way that skips the two-platform build.
func sampleReport() Report {
	skipTwo := map[string]string{"cold_two_platforms_s": "amd64 only", "ci_source_change_s": "not asked"}
	app := WayResult{App: "a", Way: "appbuild", Runs: []Measurement{
		{Cold: 10, NoOp: 1, SizeBytes: 20e6, ColdTwoPlatforms: 12, Skipped: map[string]string{"ci_source_change_s": "not asked"}},
		// Later runs do not export the (reproducible) image again.
		{Cold: 30, NoOp: 3, ColdTwoPlatforms: 14, Skipped: map[string]string{"ci_source_change_s": "not asked", "size_mb": "first run only"}},
		{Cold: 20, NoOp: 2, ColdTwoPlatforms: 13, Skipped: map[string]string{"ci_source_change_s": "not asked", "size_mb": "first run only"}},
	}}
	base := WayResult{App: "a", Way: "baseline", Runs: []Measurement{
		{Cold: 40, NoOp: 4, SizeBytes: 40e6, ColdTwoPlatforms: 240, AtLeast: []string{"cold_two_platforms_s"}, Skipped: map[string]string{"ci_source_change_s": "not asked"}},
		// A later run does not build two platforms again once stopped.
		{Cold: 40, NoOp: 4, SizeBytes: 40e6, Skipped: map[string]string{"ci_source_change_s": "not asked", "cold_two_platforms_s": "stopped at the cap in an earlier run"}},
	}}
	naive := WayResult{App: "a", Way: "naive", Runs: []Measurement{{Cold: 50, Skipped: skipTwo}}}
	r := Report{Runs: 3, RunSeconds: []float64{1453.7, 1200}, Results: []WayResult{app, base, naive}}
	for i := range r.Results {
		r.Results[i].summarize()
	}
	r.ratios()
	return r
}

func TestReportMediansRatiosAndBounds(t *testing.T) {
	r := sampleReport()
	if got := r.Results[0].Median["cold_s"]; got != 20 {
		t.Errorf("median cold = %v, want 20", got)
	}
	if got := r.Results[0].Spread["cold_s"]; got != [2]float64{10, 30} {
		t.Errorf("spread cold = %v, want [10 30]", got)
	}
	if got := r.Ratios["a"]["cold_s"]; got != 0.5 {
		t.Errorf("cold ratio = %v, want 0.5", got)
	}
	if got := r.Ratios["a"]["size_mb"]; got != 0.5 {
		t.Errorf("size ratio = %v, want 0.5", got)
	}
	if _, ok := r.Results[2].Median["cold_two_platforms_s"]; ok {
		t.Error("a skipped metric has a median")
	}
	if got := r.Results[1].Spread["cold_two_platforms_s"]; got != [2]float64{240, 240} {
		t.Errorf("stopped two-platform spread = %v, want the one stopped run [240 240]", got)
	}
	md := r.Markdown()
	for _, want := range []string{
		"| a | appbuild | 20.00 (10.00–30.00) |",
		"≥240 (stopped)",
		"Measuring took 24m13s, 20m0s (run by run).",
		// The size, measured in the first run only, has no spread.
		"| n/a | 20.00 | 0.00 | 0.65 |",
		"- cold, amd64+arm64 (s), for a / naive: amd64 only.",
		// 13 / 240 with the baseline stopped: appbuild is at most that.
		"≤0.05",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "earlier run") {
		t.Errorf("a bound measured in the first run is listed as not measured:\n%s", md)
	}
}

// TestReplaceTable checks that a run's table replaces the README's old one
// between the markers and leaves the rest alone, and that a README without
// the markers is an error, not a file left half-written.
func TestReplaceTable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "README.md")
	old := "intro\n<!-- bench table -->\nold table\n<!-- /bench table -->\noutro\n"
	if err := os.WriteFile(p, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := replaceTable(p, "new table\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if want := "intro\n<!-- bench table -->\nnew table\n<!-- /bench table -->\noutro\n"; string(got) != want {
		t.Errorf("README:\n%s\nwant:\n%s", got, want)
	}
	if err := os.WriteFile(p, []byte("no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := replaceTable(p, "new table\n"); err == nil {
		t.Error("no error for a README without markers")
	}
	if got, _ := os.ReadFile(p); string(got) != "no markers\n" {
		t.Errorf("README changed without markers: %q", got)
	}
}

// TestCannotAddDependency checks that a bench.json command whose program
// is missing makes the metric n/a with the reason, not a failed run.
func TestCannotAddDependency(t *testing.T) {
	var app App
	if why := app.cannotAddDependency(); why != "" {
		t.Errorf("no command: %q", why)
	}
	app.Bench.AddDependencyCommand = []string{"appbuild-no-such-program", "add"}
	if why := app.cannotAddDependency(); !strings.Contains(why, "appbuild-no-such-program is not installed") {
		t.Errorf("missing program: %q", why)
	}
	app.Bench.AddDependencyCommand = []string{"sh", "-c", "true"}
	if why := app.cannotAddDependency(); why != "" {
		t.Errorf("sh: %q", why)
	}
}

// TestPlot checks the plot of the ratios: a bar per app and metric on the
// side of 1 its ratio is on, the bound marks of the table, and the same
// file from the same report.
func TestPlot(t *testing.T) {
	r := sampleReport()
	svg := r.SVG()
	for _, want := range []string{
		"<title>a cold: 0.50</title>",
		"<title>a cold, amd64+arm64: ≤0.05</title>",
		"<title>a image size: 0.50</title>",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("plot lacks %q:\n%s", want, svg)
		}
	}
	// 1 is at x=390 (the middle of 130…650); a ratio of 0.5 is one step
	// of 65 to its left, so its bar spans 325…390.
	if !strings.Contains(svg, `<rect x="325.0" y="48.0" width="65.0"`) {
		t.Errorf("the cold bar (0.50) is not left of 1:\n%s", svg)
	}
	if again := r.SVG(); again != svg {
		t.Error("the same report gave two plots")
	}
}
