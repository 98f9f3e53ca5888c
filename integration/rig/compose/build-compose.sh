#!/usr/bin/env bash
# Build Docker Compose from the Go module proxy into $RIG_DIR/bin/compose-<version>/ and
# link it as the docker CLI plugin `docker compose` (and `docker-compose` on PATH).
#
# The compose integration test brings a generated compose.yaml up with it, against
# podman's Docker-compatible API socket (`podman system service`): Debian 12's
# podman-compose (1.0.3) runs every CMD healthcheck through /bin/sh, which a distroless
# app image does not have, and ignores `depends_on: condition: service_healthy`.
# Compose has a module of its own (integration/tools/compose) so that its requirements
# cannot move the versions of the rig's other tools. Built once per version.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

COMPOSE_VERSION=v5.5.1   # the newest release that builds with the rig's Go 1.26.8
have go || die "Go is required to build Docker Compose"
mod="$TOOLS_MOD/compose"
dir="$RIG_DIR/bin/compose-$COMPOSE_VERSION"

current="$(cd "$mod" && go list -m -f '{{.Version}}' github.com/docker/compose/v5)"
[[ "$current" == "$COMPOSE_VERSION" ]] ||
  die "integration/tools/compose/go.mod pins compose $current, not $COMPOSE_VERSION: (cd integration/tools/compose && go get -tool github.com/docker/compose/v5/cmd@$COMPOSE_VERSION)"

if [[ ! -x "$dir/docker-compose" ]]; then
  mkdir -p "$RIG_DIR/bin" "$RUN_DIR"
  buildlog="$RUN_DIR/build-compose.log"
  log "building docker compose $COMPOSE_VERSION; a few minutes on a cold cache (log: $buildlog)"
  mark_built built
  tmp="$(mktemp -d "$RIG_DIR/bin/.build-XXXXXX")"
  if ! (cd "$mod" && CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=$COMPOSE_VERSION" \
        -o "$tmp/docker-compose" github.com/docker/compose/v5/cmd) >"$buildlog" 2>&1; then
    tail -n 30 "$buildlog" >&2
    rm -rf "$tmp"
    die "building docker compose failed (log: $buildlog)"
  fi
  mkdir -p "$dir"
  mv -f "$tmp/docker-compose" "$dir/"
  rmdir "$tmp"
fi

ln -sfn "compose-$COMPOSE_VERSION/docker-compose" "$RIG_DIR/bin/docker-compose"
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
mkdir -p "$plugins"
ln -sfn "$dir/docker-compose" "$plugins/docker-compose"
