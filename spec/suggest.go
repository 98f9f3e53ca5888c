package spec

import (
	"fmt"
	"strings"
)

// didYouMean suggests the known word closest to a mistyped one, as
// ` (did you mean "healthcheck"?)`, or returns "" when none is close.
func didYouMean(word string, known []string) string {
	if s := synonym(word); s != "" {
		for _, k := range known {
			if k == s {
				return fmt.Sprintf(" (did you mean %q?)", k)
			}
		}
	}
	best, bestDist := "", 3
	limit := 2
	if len([]rune(word)) <= 4 {
		limit = 1
	}
	for _, k := range known {
		d := distance(fold(word), fold(k))
		if d < bestDist && d <= limit {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// fold ignores case, '_' and '-': "buildCommand" is "build_command".
func fold(s string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
}

// synonym maps words from Dockerfiles, compose files and other tools to
// ours.
func synonym(word string) string {
	switch strings.ToLower(word) {
	case "environment":
		return "env"
	case "command":
		return "cmd"
	case "working_dir", "workingdir":
		return "workdir"
	case "expose":
		return "ports"
	case "volumes":
		return "volume"
	case "lang":
		return "language"
	case "deps":
		return "dependencies"
	case "golang":
		return "go"
	case "nodejs", "javascript", "typescript", "js", "ts":
		return "node"
	case "python3", "py":
		return "python"
	}
	return ""
}

// distance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours each cost 1.
func distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
