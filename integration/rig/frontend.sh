#!/usr/bin/env bash
# Build the frontend image from the repository's root Dockerfile and push it as
# 127.0.0.1:5000/org/appbuild:latest, where buildkitd finds it for
# `# syntax=org/appbuild` (docker.io/org/appbuild through the mirror). For the rig's
# own platform only (buildkitd runs the frontend natively): the arm64 variant is a
# second cold compile of every dependency that no test runs; a release sets
# APPBUILD_FRONTEND_PLATFORMS=linux/amd64,linux/arm64 (the Dockerfile cross-compiles). It is
# labelled with this tree's revision (revision.sh), which a test compares with its own.
# Always rebuilt: BuildKit's cache makes an unchanged rebuild take seconds.
#
# For one platform the frontend binary is compiled here, by this machine's Go, and
# handed to the Dockerfile as its `build` stage (a named context replaces a stage):
# the tools' compile (build-tools.sh) has just filled the Go build cache with BuildKit's
# client, gRPC and containerd at the same versions, so it compiles only what is the
# frontend's own, instead of every dependency again, cold, in the golang stand-in. The
# probes are still built in the golang image (their bytes must be that image's). Two
# platforms (a release) compile in the Dockerfile, cross-compiled there.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FRONTEND_IMAGE="$APPBUILD_REGISTRY/org/appbuild:latest"
platforms="${APPBUILD_FRONTEND_PLATFORMS:-linux/$(dpkg --print-architecture)}"
require_daemons
revision="$("$RIG_SRC/revision.sh")"
previous="$(sed -n 's/.*"containerimage.digest": *"\([^"]*\)".*/\1/p' "$RUN_DIR/frontend.json" 2>/dev/null || true)"

log "frontend: building $FRONTEND_IMAGE ($platforms) at $revision (log: $RUN_DIR/frontend.log)"
: >"$RUN_DIR/frontend.log"
prebuilt=()
if [[ "$platforms" != *,* ]]; then
  bin="$RUN_DIR/frontend-bin"
  rm -rf "$bin" && mkdir -p "$bin/out"
  # The flags of the Dockerfile's build stage (netgo and osusergo change nothing
  # without cgo, and would split the build cache from the tools').
  if ! (cd "$REPO_ROOT" && CGO_ENABLED=0 GOOS=linux GOARCH="${platforms#linux/}" GOFLAGS=-buildvcs=false \
      go build -trimpath -ldflags="-s -w" -o "$bin/out/frontend" ./cmd/frontend) >>"$RUN_DIR/frontend.log" 2>&1; then
    tail -n 40 "$RUN_DIR/frontend.log" >&2
    die "compiling the frontend failed (log: $RUN_DIR/frontend.log)"
  fi
  prebuilt=(--local prebuilt="$bin" --opt context:build=local:prebuilt)
fi
if ! buildctl build --progress=plain \
    --frontend dockerfile.v0 \
    --local context="$REPO_ROOT" \
    --local dockerfile="$REPO_ROOT" \
    --opt platform="$platforms" \
    --opt build-arg:APPBUILD_REVISION="$revision" \
    "${prebuilt[@]}" \
    --output "type=image,name=$FRONTEND_IMAGE,push=true" \
    --metadata-file "$RUN_DIR/frontend.json" \
    >>"$RUN_DIR/frontend.log" 2>&1; then
  tail -n 40 "$RUN_DIR/frontend.log" >&2
  die "frontend image build failed (log: $RUN_DIR/frontend.log)"
fi
digest="$(sed -n 's/.*"containerimage.digest": *"\([^"]*\)".*/\1/p' "$RUN_DIR/frontend.json")"
[[ "$digest" == "$previous" ]] || mark_built pushed
log "frontend: pushed $FRONTEND_IMAGE@$digest"
