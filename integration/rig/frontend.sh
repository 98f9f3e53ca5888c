#!/usr/bin/env bash
# Build the frontend image from the repository's root Dockerfile for linux/amd64 and
# linux/arm64 and push it as 127.0.0.1:5000/org/appbuild:latest, where buildkitd finds
# it for `# syntax=org/appbuild` (docker.io/org/appbuild through the mirror).
# Always rebuilds: BuildKit's cache makes an unchanged rebuild take seconds.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FRONTEND_IMAGE="$APPBUILD_REGISTRY/org/appbuild:latest"

if [[ ! -f "$REPO_ROOT/Dockerfile" ]]; then
  log "frontend: no Dockerfile at the repository root yet; skipping the frontend image"
  exit 0
fi
require_daemons

log "frontend: building $FRONTEND_IMAGE (log: $RUN_DIR/frontend.log)"
: >"$RUN_DIR/frontend.log"
if ! buildctl build --progress=plain \
    --frontend dockerfile.v0 \
    --local context="$REPO_ROOT" \
    --local dockerfile="$REPO_ROOT" \
    --opt platform=linux/amd64,linux/arm64 \
    --output "type=image,name=$FRONTEND_IMAGE,push=true" \
    --metadata-file "$RUN_DIR/frontend.json" \
    >>"$RUN_DIR/frontend.log" 2>&1; then
  tail -n 40 "$RUN_DIR/frontend.log" >&2
  die "frontend image build failed (log: $RUN_DIR/frontend.log)"
fi
log "frontend: pushed $FRONTEND_IMAGE@$(sed -n 's/.*"containerimage.digest": *"\([^"]*\)".*/\1/p' "$RUN_DIR/frontend.json")"
