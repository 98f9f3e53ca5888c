// Package integration tests appbuild end to end against the local rig
// (integration/rig): a real buildkitd with runc and qemu, a local registry
// holding stand-in base images, docker buildx with the remote driver, and
// podman to run what was built.
//
// Tests build examples the way a user does, `docker buildx build` with a file
// that starts with `# syntax=org/appbuild`, so they exercise the pushed
// frontend image; a few call the build function in-process through the
// BuildKit client (client.Build), which is quicker to debug. Start the rig
// with `make rig`; `make test` does that first.
//
// The image contract is checked once, from a table: each example's
// examples/NAME/test.json (port, answer, entrypoint, base, files, size
// bound, platforms, baseline) drives TestExampleContract (every platform
// built and run, arm64 under qemu), TestEjectEquivalence and
// TestExampleSizeAgainstBaseline; the per-language tests keep only what is
// particular to their language (steps, caches, layout, secrets).
package integration
