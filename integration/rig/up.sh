#!/usr/bin/env bash
# Bring the whole rig up (`make rig`): install what is missing, build what is not built,
# start what is down, then print a self-check. Every step is idempotent and skips done
# work, so a second run takes seconds when everything is already up.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

# One rig per RIG_DIR: a second `make rig` (another terminal, a parallel CI job) waits.
mkdir -p "$RUN_DIR"
exec 9>"$RUN_DIR/up.lock"
flock 9

start=$SECONDS
"$here/install-packages.sh"   # apt packages, docker CLI, binfmt (qemu)
"$here/build-tools.sh"        # buildkitd, buildctl, registry, docker-buildx
# Trivy and Compose are long Go compiles that need no daemon, and the python-slim
# stand-in a long C compile: they run beside the steps below, most of which wait on
# downloads and pushes, and are waited for before their first use (or the end).
# Their output goes to a log each, shown if they fail.
declare -A pids
background() {
  local name=$1; shift
  setsid "$@" >"$RUN_DIR/up-$name.log" 2>&1 &
  pids[$name]=$!
}
wait_for() {
  wait "${pids[$1]}" || { cat "$RUN_DIR/up-$1.log" >&2; die "$1 failed (log: $RUN_DIR/up-$1.log)"; }
  cat "$RUN_DIR/up-$1.log" >&2
}
# A step that fails stops the rig, and the compiles with it (each is a process group).
trap 'for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done' EXIT
background trivy "$here/trivy/build-trivy.sh"
background compose "$here/compose/build-compose.sh"
"$here/start-registry.sh"     # 127.0.0.1:5000
"$here/start-buildkitd.sh"    # OCI worker, mirrors docker.io and gcr.io to the registry
"$here/builder.sh"            # docker buildx builder "appbuild"
"$here/images.sh"             # stand-in base images (golang, distroless/static)
# python:3.13-slim (amd64 only) compiles CPython in buildkitd on the debian:trixie-slim
# stand-in images.sh pushed: beside the index and Trivy steps, for make bench's and
# the size test's Python baselines.
background python-slim "$here/images/python-slim/build.sh"
"$here/pyindex/pyindex.sh"    # local Python package index on 127.0.0.1:3141 (wheels from Debian)
"$here/cargoreg/cargoreg.sh"  # local Cargo registry on 127.0.0.1:3143 (crates from Debian)
wait_for trivy
"$here/trivy/up.sh"           # scan target: Trivy, the aquasec/trivy stand-in, a local trivy-db
wait_for compose              # docker compose, for the test that brings compose.yaml up
"$here/mavenrepo/mavenrepo.sh"  # local Maven repository on 127.0.0.1:3142 (from Debian's maven-repo)
"$here/frontend.sh"           # org/appbuild:latest from the root Dockerfile
wait_for python-slim
"$here/check.sh"
log "rig up in $((SECONDS - start))s; in a shell: . integration/rig/env.sh"
