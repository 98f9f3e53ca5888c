// Package rigctl drives the test rig from Go: it runs `docker buildx build`
// and reads BuildKit's solve status from it, and it starts extra buildkitd
// daemons beside the rig's own (for the scale tests and the benchmark, which
// must be free to prune or kill a daemon without disturbing anyone).
//
// It is used by the integration tests and by cmd/bench; it assumes the
// environment of integration/rig/env.sh.
package rigctl
