package profiles

// detectors are tried in order; the first whose file exists decides. Build
// files of compiled languages come first: a Go or Java repository often
// carries a package.json for its front-end tooling.
var detectors = []struct {
	file, language string
}{
	{"go.mod", "go"},
	{"Cargo.toml", "rust"},
	{"pom.xml", "java"},
	{"build.gradle", "java"},
	{"build.gradle.kts", "java"},
	{"pyproject.toml", "python"},
	{"requirements.txt", "python"},
	{"package.json", "node"},
	{"index.html", "static"},
}

// DetectFiles are the files Detect looks at, for the frontend to load.
func DetectFiles() []string {
	out := make([]string, 0, len(detectors))
	for _, d := range detectors {
		out = append(out, d.file)
	}
	return out
}

// Detect guesses the language of an app from its files, and says which
// file decided, so the warning can tell the user.
func Detect(files Files) (language, evidence string, ok bool) {
	for _, d := range detectors {
		if exists(files, d.file) {
			return d.language, d.file, true
		}
	}
	return "", "", false
}
