package scan

// DefaultScannerImage is the scanner the build runs when
// APPBUILD_SCANNER_IMAGE does not name another: upstream's Trivy image. Its
// entrypoint is not used; the build runs the trivy binary it finds on the
// image's PATH.
const DefaultScannerImage = "docker.io/aquasec/trivy:0.74.0"

// Paths inside the scan steps.
const (
	// RootfsDir holds the runtime image's filesystem, mounted read-only.
	RootfsDir = "/scan/rootfs"
	// SourceDir holds the dependency manifests and lock files the app was
	// built from, mounted read-only.
	SourceDir = "/scan/src"
	// OutDir receives the reports.
	OutDir = "/scan/out"
	// CacheDir is Trivy's cache directory: its DB lives in CacheDir/db, a
	// cache mount that outlives the build.
	CacheDir = "/scan/cache"
)

// Report file names, in OutDir while scanning and at the root of the
// exported result.
const (
	RootfsReport   = "rootfs.json"
	LockfileReport = "lockfiles.json"
	JSONReport     = "report.json"
	SARIFReport    = "report.sarif"
	TableReport    = "report.txt"
)

// DB says where Trivy gets its vulnerability databases. Empty fields keep
// Trivy's own defaults.
type DB struct {
	// Repository is the OCI repository of trivy-db (--db-repository).
	Repository string
	// JavaRepository is the OCI repository of trivy-java-db, which Trivy
	// needs for Java archives (--java-db-repository).
	JavaRepository string
}

// common are the flags every scan step passes: vulnerabilities only, the
// DB in the cache mount, analysis results kept in memory (nothing but the
// DB is written to the cache), and no calls anywhere but the DB
// repositories: no version check, no telemetry, no package-registry
// lookups from inside a build.
func (d DB) common() []string {
	args := []string{
		"--scanners", "vuln",
		"--format", "json",
		"--cache-dir", CacheDir,
		"--cache-backend", "memory",
		"--no-progress",
		"--skip-version-check",
		"--disable-telemetry",
		"--offline-scan",
	}
	if d.Repository != "" {
		args = append(args, "--db-repository", d.Repository)
	}
	if d.JavaRepository != "" {
		args = append(args, "--java-db-repository", d.JavaRepository)
	}
	return args
}

// RootfsArgs scans the runtime filesystem: OS packages and what the app's
// own files record (Go binaries' build info, installed Python and Node
// packages, jars). It runs first and downloads or refreshes the DB when
// Trivy finds it missing or stale.
func RootfsArgs(d DB) []string {
	args := append([]string{"trivy", "rootfs"}, d.common()...)
	return append(args, "--output", OutDir+"/"+RootfsReport, RootfsDir)
}

// LockfileArgs scans the manifests and lock files the app was built from
// (go.mod, package-lock.json, ...), which rootfs scans do not read. It
// runs after RootfsArgs, on the DB that step left.
func LockfileArgs(d DB) []string {
	args := append([]string{"trivy", "fs"}, d.common()...)
	return append(args, "--skip-db-update", "--skip-java-db-update", "--output", OutDir+"/"+LockfileReport, SourceDir)
}

// ConvertArgs renders the merged JSON report (OutDir/report.json) in
// another format ("sarif", "table") next to it. It needs no DB and makes no
// network calls.
func ConvertArgs(format, output string) []string {
	return []string{"trivy", "convert", "--format", format, "--scanners", "vuln", "--output", OutDir + "/" + output, OutDir + "/" + JSONReport}
}
