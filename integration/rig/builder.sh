#!/usr/bin/env bash
# Register the rig's buildkitd with docker buildx as the builder "appbuild" (remote
# driver), so `docker buildx build --builder appbuild ...` builds on it. The builder is
# not made the default (`--use`): callers always name it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

have docker || die "docker CLI missing: run install-packages.sh"
buildkitd_up || die "buildkitd is not answering: run start-buildkitd.sh"

endpoint="$BUILDKIT_HOST"
current="$(docker buildx inspect appbuild 2>/dev/null | awk '$1 == "Endpoint:" { print $2; exit }' || true)"
if [[ -n "$current" && "$current" != "$endpoint" ]]; then
  # Made for another RIG_DIR: point it at this one.
  log "builder appbuild: endpoint $current is stale, recreating"
  docker buildx rm appbuild >/dev/null
  current=""
fi
if [[ -z "$current" ]]; then
  log "builder appbuild: creating (remote driver, $endpoint)"
  mark_built created
  docker buildx create --name appbuild --driver remote "$endpoint" >/dev/null
fi
docker buildx inspect appbuild --bootstrap >/dev/null
