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
    local args=() tool=()
    for pkg in "$@"; do
      if [[ $pkg == ./* ]]; then args+=("$module@$version"); else tool=(-tool); args+=("$module/$pkg@$version"); fi
    done
    (cd "$TOOLS_MOD" && go get "${tool[@]}" "${args[@]}")
    current="$(cd "$TOOLS_MOD" && go list -m -f '{{.Version}}' "$module")"
    # Another tool's requirements could pull the module above the pin (MVS): say so.
    [[ "$current" == "$version" ]] || die "$module resolved to $current, not $version: check integration/tools/go.mod"
  fi
}

# The tools, in two groups: NAME VERSION MODULE PACKAGE... VERSION_VARIABLE.
#   daemons  buildkitd, buildctl and the registry: what the stand-in pushes wait for
#   buildx   needed only by the builder (docker buildx), so it compiles while the first
#            images are pushed; the packages it shares with BuildKit come from the Go
#            build cache the first group filled (tiers.mk orders the two)
case "${1:-}" in
  daemons) TOOLS=(
    "buildkit $BUILDKIT_VERSION github.com/moby/buildkit cmd/buildkitd cmd/buildctl github.com/moby/buildkit/version.Version"
    "registry $REGISTRY_VERSION-fs github.com/distribution/distribution/v3 ./registry github.com/distribution/distribution/v3/version.version") ;;
  buildx) TOOLS=(
    "buildx $BUILDX_VERSION github.com/docker/buildx cmd/buildx github.com/docker/buildx/version.Version") ;;
  *) die "usage: build-tools.sh daemons|buildx" ;;
esac

# One `go build` for every tool of the group that lacks a binary: the packages they
# share (BuildKit's client, containerd, gRPC, OpenTelemetry...) compile once, and the
# compiler keeps both cores busy. Each binary then goes to $RIG_DIR/bin/NAME-VERSION/.
build_tools() {
  local line fields name version module pkgs var pkg targets=() ldflags="" moves=() tmp buildlog
  for line in "${TOOLS[@]}"; do
    read -ra fields <<<"$line"
    name=${fields[0]} version=${fields[1]} module=${fields[2]} var=${fields[-1]}
    pkgs=("${fields[@]:3:${#fields[@]}-4}")
    local missing=false
    for pkg in "${pkgs[@]}"; do [[ -x "$RIG_DIR/bin/$name-$version/${pkg##*/}" ]] || missing=true; done
    $missing || continue
    ensure_pinned "$module" "${version%-fs}" "${pkgs[@]}"
    for pkg in "${pkgs[@]}"; do
      # ./NAME: a command of the tools module itself, built on MODULE (tools/registry).
      if [[ $pkg == ./* ]]; then targets+=("$pkg"); else targets+=("$module/$pkg"); fi
      moves+=("${pkg##*/} $name-$version")
    done
    ldflags+=" -X $var=$version"
  done
  ((${#targets[@]})) || return 0

  buildlog="$RUN_DIR/build-tools.log"
  log "building ${targets[*]##*/} in one go build; minutes on a cold cache (log: $buildlog)"
  mark_built built
  # Static binaries like the upstream releases; built into a temporary directory so an
  # interrupted build never leaves a binary that a later run would trust.
  tmp="$(mktemp -d "$RIG_DIR/bin/.build-XXXXXX")"
  if ! (cd "$TOOLS_MOD" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w$ldflags" -o "$tmp/" "${targets[@]}") \
      >"$buildlog" 2>&1; then
    tail -n 30 "$buildlog" >&2
    rm -rf "$tmp"
    die "building the rig's tools failed (log: $buildlog)"
  fi
  for line in "${moves[@]}"; do
    read -r pkg name <<<"$line"
    mkdir -p "$RIG_DIR/bin/$name"
    mv -f "$tmp/$pkg" "$RIG_DIR/bin/$name/"
  done
  rmdir "$tmp"
}

mkdir -p "$RIG_DIR/bin" "$RUN_DIR"
build_tools

# Stable names on PATH (through env.sh) pointing at the pinned versions.
if [[ $1 == daemons ]]; then
  ln -sfn "buildkit-$BUILDKIT_VERSION/buildkitd" "$RIG_DIR/bin/buildkitd"
  ln -sfn "buildkit-$BUILDKIT_VERSION/buildctl"  "$RIG_DIR/bin/buildctl"
  ln -sfn "registry-$REGISTRY_VERSION-fs/registry" "$RIG_DIR/bin/registry"
  exit 0
fi
ln -sfn "buildx-$BUILDX_VERSION/buildx" "$RIG_DIR/bin/docker-buildx"
# docker finds buildx as a CLI plugin; a symlink follows version bumps.
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
mkdir -p "$plugins"
ln -sfn "$RIG_DIR/bin/buildx-$BUILDX_VERSION/buildx" "$plugins/docker-buildx"
