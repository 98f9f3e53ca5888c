#!/usr/bin/env bash
# Build the pinned tools (buildkitd, buildctl, registry, docker-buildx) from source
# through the Go module proxy, into $RIG_DIR/bin/<tool>-<version>/.
#
# Why a separate module (integration/tools, with `tool` directives): `go install
# pkg@version` refuses buildkit because its go.mod has exclude directives, and a module
# of its own keeps these large dependency graphs out of the frontend's go.mod.
# A tool is only built when its versioned directory lacks a binary, so a second run costs
# nothing and a version bump in lib.sh builds the new version next to the old one.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

have go || die "Go is required to build the rig's tools (expected in PATH or /usr/local/go)"

# ensure_pinned MODULE VERSION PKG...: make integration/tools/go.mod require MODULE at
# exactly VERSION and list PKG... as tools.
ensure_pinned() {
  local module=$1 version=$2 pkg current; shift 2
  current="$(cd "$TOOLS_MOD" && { go list -m -f '{{.Version}}' "$module" 2>/dev/null || true; })"
  if [[ "$current" != "$version" ]]; then
    log "pinning $module@$version in integration/tools/go.mod"
    local args=()
    for pkg in "$@"; do args+=("$module/$pkg@$version"); done
    (cd "$TOOLS_MOD" && go get -tool "${args[@]}")
    current="$(cd "$TOOLS_MOD" && go list -m -f '{{.Version}}' "$module")"
    # Another tool's requirements could pull the module above the pin (MVS): say so.
    [[ "$current" == "$version" ]] || die "$module resolved to $current, not $version: check integration/tools/go.mod"
  fi
}

# build_tool NAME VERSION MODULE "PKG..." LDFLAGS: build the packages into
# $RIG_DIR/bin/NAME-VERSION/ unless all their binaries are already there.
build_tool() {
  local name=$1 version=$2 module=$3 pkgs=$4 ldflags=$5
  local dir="$RIG_DIR/bin/$name-$version" pkg missing=false
  for pkg in $pkgs; do [[ -x "$dir/${pkg##*/}" ]] || missing=true; done
  $missing || return 0

  # shellcheck disable=SC2086 # pkgs is a space-separated list on purpose
  ensure_pinned "$module" "$version" $pkgs
  local targets=() tmp buildlog="$RUN_DIR/build-$name.log"
  for pkg in $pkgs; do targets+=("$module/$pkg"); done
  log "building $name $version (${pkgs}); minutes on a cold cache (log: $buildlog)"
  # Static binaries like the upstream releases; build into a temporary directory so an
  # interrupted build never leaves a binary that a later run would trust.
  tmp="$(mktemp -d "$RIG_DIR/bin/.build-XXXXXX")"
  if ! (cd "$TOOLS_MOD" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$tmp/" "${targets[@]}") \
      >"$buildlog" 2>&1; then
    tail -n 30 "$buildlog" >&2
    rm -rf "$tmp"
    die "building $name $version failed (log: $buildlog)"
  fi
  mkdir -p "$dir"
  for pkg in $pkgs; do mv -f "$tmp/${pkg##*/}" "$dir/"; done
  rmdir "$tmp"
}

mkdir -p "$RIG_DIR/bin" "$RUN_DIR"

build_tool buildkit "$BUILDKIT_VERSION" github.com/moby/buildkit "cmd/buildkitd cmd/buildctl" \
  "-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION"
build_tool registry "$REGISTRY_VERSION" github.com/distribution/distribution/v3 "cmd/registry" \
  "-X github.com/distribution/distribution/v3/version.version=$REGISTRY_VERSION"
build_tool buildx "$BUILDX_VERSION" github.com/docker/buildx "cmd/buildx" \
  "-X github.com/docker/buildx/version.Version=$BUILDX_VERSION"

# Stable names on PATH (through env.sh) pointing at the pinned versions.
ln -sfn "buildkit-$BUILDKIT_VERSION/buildkitd" "$RIG_DIR/bin/buildkitd"
ln -sfn "buildkit-$BUILDKIT_VERSION/buildctl"  "$RIG_DIR/bin/buildctl"
ln -sfn "registry-$REGISTRY_VERSION/registry"  "$RIG_DIR/bin/registry"
ln -sfn "buildx-$BUILDX_VERSION/buildx"        "$RIG_DIR/bin/docker-buildx"

# docker finds buildx as a CLI plugin; a symlink follows version bumps.
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
mkdir -p "$plugins"
ln -sfn "$RIG_DIR/bin/buildx-$BUILDX_VERSION/buildx" "$plugins/docker-buildx"
