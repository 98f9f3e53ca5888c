#!/usr/bin/env bash
# Build Trivy from the Go module proxy into $RIG_DIR/bin/trivy-<version>/<arch>/trivy.
#
# Trivy's dependency graph is huge, so it has a module of its own
# (integration/tools/trivy, a `tool` directive) that cannot disturb the other tools'
# versions. Upstream's release build sets GOEXPERIMENT=jsonv2, CGO_ENABLED=0 and
# -s -w (a 340 MB binary otherwise); the version is stamped the way goreleaser does.
# About 11 min per architecture on 2 cores, so the binary is cached by version and
# architecture: a later run with both present costs nothing.
#
#   build-trivy.sh [ARCH...]     (default: amd64)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=versions.sh
. "$here/versions.sh"

have go || die "Go is required to build Trivy"
mod="$TOOLS_MOD/trivy"
arches=("$@")
[[ ${#arches[@]} -gt 0 ]] || arches=(amd64)

current="$(cd "$mod" && go list -m -f '{{.Version}}' github.com/aquasecurity/trivy)"
[[ "$current" == "$TRIVY_VERSION" ]] ||
  die "integration/tools/trivy/go.mod pins trivy $current, lib wants $TRIVY_VERSION: (cd integration/tools/trivy && go get -tool github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION)"

mkdir -p "$RIG_DIR/bin" "$RUN_DIR"
for arch in "${arches[@]}"; do
  dir="$RIG_DIR/bin/trivy-$TRIVY_VERSION/$arch"
  [[ -x "$dir/trivy" ]] && continue
  buildlog="$RUN_DIR/build-trivy-$arch.log"
  log "building trivy $TRIVY_VERSION for linux/$arch; about 11 min on 2 cores (log: $buildlog)"
  mark_built built
  tmp="$(mktemp -d "$RIG_DIR/bin/.build-XXXXXX")"
  if ! (cd "$mod" && CGO_ENABLED=0 GOOS=linux GOARCH="$arch" GOEXPERIMENT=jsonv2 \
        go build -trimpath -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
        -o "$tmp/trivy" github.com/aquasecurity/trivy/cmd/trivy) >"$buildlog" 2>&1; then
    tail -n 30 "$buildlog" >&2
    rm -rf "$tmp"
    die "building trivy $TRIVY_VERSION for $arch failed (log: $buildlog)"
  fi
  mkdir -p "$dir"
  mv -f "$tmp/trivy" "$dir/trivy"
  rmdir "$tmp"
done
