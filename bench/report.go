package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
)

// Report is everything a bench run found.
type Report struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Runs    int    `json:"runs"`
	// RunSeconds is how long each run's measuring took, all apps and ways.
	RunSeconds []float64   `json:"run_seconds,omitempty"`
	Results    []WayResult `json:"results"`
	// Ratios are appbuild / baseline per app and metric, from the medians
	// of this same run.
	Ratios map[string]map[string]float64 `json:"ratios"`
	// bounds is each app/way's AtLeast, for the table.
	bounds map[string][]string
}

// WayResult is one way of one app over all runs.
type WayResult struct {
	App    string                `json:"app"`
	Way    string                `json:"way"`
	Args   []string              `json:"args,omitempty"`
	Runs   []Measurement         `json:"runs"`
	Median map[string]float64    `json:"median"`
	Spread map[string][2]float64 `json:"spread"` // min, max
	// AtLeast names the metrics where a run was stopped at the cap: their
	// median is a lower bound.
	AtLeast []string `json:"at_least,omitempty"`
}

// metrics names the fields of Measurement, in table order.
var metrics = []struct {
	key, title string
	get        func(Measurement) float64
}{
	{"cold_s", "cold (s)", func(m Measurement) float64 { return m.Cold }},
	{"noop_s", "no-op (s)", func(m Measurement) float64 { return m.NoOp }},
	{"source_change_s", "source change (s)", func(m Measurement) float64 { return m.SourceChange }},
	{"add_dependency_s", "add a dependency (s)", func(m Measurement) float64 { return m.AddDependency }},
	{"cold_two_platforms_s", "cold, amd64+arm64 (s)", func(m Measurement) float64 { return m.ColdTwoPlatforms }},
	{"ci_source_change_s", "CI: source change, registry cache (s)", func(m Measurement) float64 { return m.CISourceChange }},
	{"size_mb", "image size (MB)", func(m Measurement) float64 { return float64(m.SizeBytes) / 1e6 }},
	{"frontend_overhead_s", "frontend overhead (s)", func(m Measurement) float64 { return m.FrontendOverhead }},
}

func (w *WayResult) summarize() {
	w.Median, w.Spread = map[string]float64{}, map[string][2]float64{}
	for _, mt := range metrics {
		var vals []float64
		for _, r := range w.Runs {
			if _, skipped := r.Skipped[mt.key]; !skipped {
				vals = append(vals, mt.get(r))
			}
			if slices.Contains(r.AtLeast, mt.key) && !slices.Contains(w.AtLeast, mt.key) {
				w.AtLeast = append(w.AtLeast, mt.key)
			}
		}
		if len(vals) == 0 {
			continue // not measured: the table says n/a
		}
		sort.Float64s(vals)
		w.Median[mt.key] = median(vals)
		w.Spread[mt.key] = [2]float64{vals[0], vals[len(vals)-1]}
	}
	// Two platforms against one, within the way.
	if c, two := w.Median["cold_s"], w.Median["cold_two_platforms_s"]; c > 0 && two > 0 {
		w.Median["two_platforms_vs_one"] = two / c
	}
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func (r *Report) ratios() {
	r.Ratios = map[string]map[string]float64{}
	byKey := map[string]WayResult{}
	r.bounds = map[string][]string{}
	for _, w := range r.Results {
		byKey[w.App+"/"+w.Way] = w
		r.bounds[w.App+"/"+w.Way] = w.AtLeast
	}
	for _, w := range r.Results {
		if w.Way != "appbuild" {
			continue
		}
		base, ok := byKey[w.App+"/baseline"]
		if !ok {
			continue
		}
		rs := map[string]float64{}
		for k, v := range w.Median {
			if b := base.Median[k]; b > 0 {
				rs[k] = v / b
			}
		}
		r.Ratios[w.App] = rs
	}
}

// Markdown renders the table the README shows.
func (r *Report) Markdown() string {
	var b strings.Builder
	if r.Runs == 1 {
		fmt.Fprintf(&b, "Benchmark of %s, 1 run per app and way. Machine: %s.\n\n", r.Date, r.Machine)
	} else {
		fmt.Fprintf(&b, "Benchmark of %s, %d runs per app and way: median (min–max). Machine: %s.\n\n", r.Date, r.Runs, r.Machine)
	}
	if len(r.RunSeconds) > 0 {
		var took []string
		for _, s := range r.RunSeconds {
			took = append(took, (time.Duration(s) * time.Second).String())
		}
		fmt.Fprintf(&b, "Measuring took %s (run by run). Image sizes are from the first run: the builds are reproducible.\n\n", strings.Join(took, ", "))
	}
	r.writeResults(&b)
	r.writeGaps(&b)
	r.writeRatios(&b)
	return b.String()
}

// writeResults writes the table of medians (and spreads), one row per app
// and way.
func (r *Report) writeResults(b *strings.Builder) {
	writeHeader(b, "| app | way |", " 2 platforms / 1 |", "|---|---|", "---|")
	for _, w := range r.Results {
		fmt.Fprintf(b, "| %s | %s |", w.App, w.Way)
		for _, mt := range metrics {
			s, ok := w.Spread[mt.key]
			if !ok {
				b.WriteString(" n/a |")
				continue
			}
			if slices.Contains(w.AtLeast, mt.key) {
				fmt.Fprintf(b, " ≥%.0f (stopped) |", w.Median[mt.key])
				continue
			}
			if r.Runs == 1 || s[0] == s[1] {
				// One value (one run, or the size, measured once).
				fmt.Fprintf(b, " %.2f |", w.Median[mt.key])
				continue
			}
			fmt.Fprintf(b, " %.2f (%.2f–%.2f) |", w.Median[mt.key], s[0], s[1])
		}
		b.WriteString(" " + bound(w.AtLeast, "cold_two_platforms_s", "≥") + cell(w.Median, "two_platforms_vs_one") + " |\n")
	}
}

// writeHeader writes a table's title row, a column a metric between lead
// and tail, and its separator row.
func writeHeader(b *strings.Builder, lead, tail, leadSep, tailSep string) {
	b.WriteString(lead)
	for _, mt := range metrics {
		b.WriteString(" " + mt.title + " |")
	}
	b.WriteString(tail + "\n" + leadSep)
	for range metrics {
		b.WriteString("---|")
	}
	b.WriteString(tailSep + "\n")
}

// writeGaps says what was not measured, one line per metric and reason.
func (r *Report) writeGaps(b *strings.Builder) {
	type gap struct{ title, why string }
	var gaps []gap
	who := map[gap][]string{}
	for _, w := range r.Results {
		if len(w.Runs) == 0 {
			continue
		}
		for _, mt := range metrics {
			if why, ok := w.Runs[0].Skipped[mt.key]; ok {
				g := gap{mt.title, why}
				if _, seen := who[g]; !seen {
					gaps = append(gaps, g)
				}
				who[g] = append(who[g], w.App+" / "+w.Way)
			}
		}
	}
	if len(gaps) > 0 {
		b.WriteString("\nNot measured (n/a):\n")
		for _, g := range gaps {
			fmt.Fprintf(b, "- %s, for %s: %s.\n", g.title, strings.Join(who[g], ", "), g.why)
		}
	}
}

// writeRatios writes appbuild's medians over the baseline's, per app.
func (r *Report) writeRatios(b *strings.Builder) {
	b.WriteString("\nappbuild / baseline: the medians above divided, both ways measured in the same runs (below 1: appbuild is faster or smaller):\n\n")
	writeHeader(b, "| app |", "", "|---|", "")
	apps := make([]string, 0, len(r.Ratios))
	for a := range r.Ratios {
		apps = append(apps, a)
	}
	sort.Strings(apps)
	for _, a := range apps {
		fmt.Fprintf(b, "| %s |", a)
		for _, mt := range metrics {
			// A stopped appbuild build makes the ratio a lower bound, a
			// stopped baseline build an upper one.
			mark := bound(r.bounds[a+"/appbuild"], mt.key, "≥") + bound(r.bounds[a+"/baseline"], mt.key, "≤")
			b.WriteString(" " + mark + cell(r.Ratios[a], mt.key) + " |")
		}
		b.WriteString("\n")
	}
}

// bound is mark when key is among the stopped metrics.
func bound(stopped []string, key, mark string) string {
	if slices.Contains(stopped, key) {
		return mark
	}
	return ""
}

// cell is a table cell for vals[key], n/a when it was not measured.
func cell(vals map[string]float64, key string) string {
	v, ok := vals[key]
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", v)
}

// machine describes where the numbers were taken.
func machine() string {
	model := "unknown CPU"
	if dt, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(dt), "\n") {
			if strings.HasPrefix(l, "model name") {
				model = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if dt, err := os.ReadFile("/proc/meminfo"); err == nil {
		mem = strings.Fields(strings.SplitN(string(dt), "\n", 2)[0])[1] + " kB RAM"
	}
	kernel, _ := exec.Command("uname", "-r").Output()
	bk, _ := exec.Command("buildkitd", "--version").Output()
	return fmt.Sprintf("%d × %s, %s, Linux %s, %s", runtime.NumCPU(), model, mem, strings.TrimSpace(string(kernel)), strings.TrimSpace(string(bk)))
}
