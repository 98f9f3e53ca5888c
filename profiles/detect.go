package profiles

import "sort"

// detectors are the languages' detection files in the order they are
// tried: by DetectRank, then as each language lists them.
func detectors() [][2]string {
	langs := All()
	sort.SliceStable(langs, func(i, j int) bool { return langs[i].DetectRank < langs[j].DetectRank })
	var out [][2]string
	for _, l := range langs {
		for _, f := range l.Detect {
			out = append(out, [2]string{f, l.Name})
		}
	}
	return out
}

// DetectFiles are the files Detect looks at, for the frontend to load.
func DetectFiles() []string {
	var out []string
	for _, d := range detectors() {
		out = append(out, d[0])
	}
	return out
}

// Detect guesses the language of an app from its files, and says which
// file decided, so the warning can tell the user. The first detection
// file that exists decides.
func Detect(files Files) (language, evidence string, ok bool) {
	for _, d := range detectors() {
		if exists(files, d[0]) {
			return d[1], d[0], true
		}
	}
	return "", "", false
}
