// Package scan is the policy side of the scan target: the Trivy command
// lines the build runs, the merge of Trivy's JSON reports (the runtime
// filesystem and the lock files the app came from) into one report, and the
// verdict of the spec's scan policy (severities, ignore_unfixed) on it, with
// a failure message that names what was found.
//
// It knows no LLB: frontend/scan.go runs the commands inside the build.
package scan
