package main

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
)

// plotted are the ratios the plot shows, one bar each per app.
var plotted = []struct{ key, label, color string }{
	{"cold_s", "cold", "#4e79a7"},
	{"noop_s", "no-op", "#a0cbe8"},
	{"source_change_s", "source change", "#f28e2b"},
	{"add_dependency_s", "add a dependency", "#ffbe7d"},
	{"cold_two_platforms_s", "cold, amd64+arm64", "#59a14f"},
	{"size_mb", "image size", "#b07aa1"},
}

// SVG draws appbuild / baseline per app and metric as horizontal bars on a
// log scale around 1: left of the line appbuild is faster or smaller, right
// of it slower or bigger. A bound (a build stopped at the cap) is labelled
// ≤ or ≥, as in the table. The output depends on the report alone, so the
// same results.json gives the same file.
func (r *Report) SVG() string {
	apps := make([]string, 0, len(r.Ratios))
	for a := range r.Ratios {
		apps = append(apps, a)
	}
	sort.Strings(apps)

	const (
		left, width = 130.0, 520.0 // the bars' area
		bar, gap    = 11.0, 10.0   // bar height, space between apps
		top         = 48.0
		lo, hi      = -4.0, 4.0 // log2 range: 1/16 … 16
	)
	x := func(v float64) float64 {
		l := math.Max(lo, math.Min(hi, math.Log2(v)))
		return left + (l-lo)/(hi-lo)*width
	}
	height := top + float64(len(apps))*(float64(len(plotted))*bar+gap) + 40

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`+"\n", left+width+60, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="16" font-size="13">appbuild / baseline (%s, %s): left of 1 appbuild is faster or smaller</text>`+"\n", left-120, html.EscapeString(r.Date), runsText(r.Runs))
	// The grid: powers of two.
	for l := lo; l <= hi; l++ {
		gx := left + (l-lo)/(hi-lo)*width
		stroke := "#ddd"
		if l == 0 {
			stroke = "#333"
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s"/>`+"\n", gx, top-6, gx, height-34, stroke)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`+"\n", gx, height-22, ratioLabel(math.Exp2(l)))
	}
	y := top
	for _, a := range apps {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-8, y+float64(len(plotted))*bar/2+4, html.EscapeString(a))
		for _, p := range plotted {
			v, ok := r.Ratios[a][p.key]
			if ok && v > 0 {
				x0, x1 := x(1), x(v)
				if x1 < x0 {
					x0, x1 = x1, x0
				}
				mark := bound(r.bounds[a+"/appbuild"], p.key, "≥") + bound(r.bounds[a+"/baseline"], p.key, "≤")
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" fill="%s"><title>%s %s: %s%.2f</title></rect>`+"\n",
					x0, y, math.Max(x1-x0, 1), bar-2, p.color, html.EscapeString(a), p.label, mark, v)
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="9">%s%.2f</text>`+"\n", math.Max(x(1), x(v))+3, y+bar-3, mark, v)
			}
			y += bar
		}
		y += gap
	}
	// The legend.
	lx := left
	for _, p := range plotted {
		fmt.Fprintf(&b, `<rect x="%.0f" y="26" width="10" height="10" fill="%s"/><text x="%.0f" y="35">%s</text>`+"\n", lx, p.color, lx+13, p.label)
		lx += 13 + float64(len(p.label))*6.2 + 12
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func runsText(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("medians of %d runs", n)
}

// ratioLabel writes 0.25 as 1/4 and 4 as 4.
func ratioLabel(v float64) string {
	if v < 1 {
		return fmt.Sprintf("1/%.0f", 1/v)
	}
	return fmt.Sprintf("%.0f", v)
}
