#!/usr/bin/env bash
# Push the scanner image stand-in 127.0.0.1:5000/aquasec/trivy:<version> (seen by
# buildkitd as docker.io/aquasec/trivy:<version>, the scan target's default scanner):
# the trivy binaries build-trivy.sh made, for every architecture built (amd64 always,
# arm64 when `build-trivy.sh arm64` was run), on distroless static (image/Dockerfile).
# Rebuilt only when the binaries or the Dockerfile change (stamp in $RIG_DIR/stamps).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=versions.sh
. "$here/versions.sh"

require_daemons
export SOURCE_DATE_EPOCH=1767225600   # 2026-01-01, as the other stand-ins

bins="$RIG_DIR/bin/trivy-$TRIVY_VERSION"
tag="${TRIVY_VERSION#v}"
ref="aquasec/trivy:$tag"
ctx="$RIG_DIR/stage/trivy/context"
stamp="$RIG_DIR/stamps/image-trivy"
mkdir -p "$RIG_DIR/stamps"

platforms=()
for arch in amd64 arm64; do
  [[ -x "$bins/$arch/trivy" ]] && platforms+=("linux/$arch")
done
[[ ${#platforms[@]} -gt 0 ]] || die "no trivy binary in $bins: run build-trivy.sh first"
plat="$(IFS=,; echo "${platforms[*]}")"

hash="$({
  printf '%s\n' "$plat" "$ref"
  cat "$here/image/Dockerfile"
  for p in "${platforms[@]}"; do sha256sum <"$bins/${p#linux/}/trivy"; done
} | sha256sum | cut -d' ' -f1)"
if registry_has "$ref" && [[ "$(cat "$stamp" 2>/dev/null)" == "$hash" ]]; then
  log "image $ref: up to date"
  exit 0
fi

rm -rf "$ctx"
mkdir -p "$ctx/contrib"
for p in "${platforms[@]}"; do cp "$bins/${p#linux/}/trivy" "$ctx/trivy-${p#linux/}"; done
# Upstream's templates, from the same module version the binary was built from.
moddir="$(cd "$TOOLS_MOD/trivy" && go list -m -f '{{.Dir}}' github.com/aquasecurity/trivy)"
cp "$moddir"/contrib/*.tpl "$ctx/contrib/"
chmod -R u+w "$ctx"

buildlog="$RUN_DIR/image-trivy.log"
log "image $ref ($plat): building and pushing (log: $buildlog)"
mark_built pushed
if ! buildctl build --progress=plain \
    --frontend dockerfile.v0 \
    --local context="$ctx" \
    --local dockerfile="$here/image" \
    --opt platform="$plat" \
    --opt build-arg:SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" \
    --output "type=image,name=$APPBUILD_REGISTRY/$ref,push=true,rewrite-timestamp=true" \
    >"$buildlog" 2>&1; then
  tail -n 40 "$buildlog" >&2
  die "building image $ref failed (log: $buildlog)"
fi
echo "$hash" >"$stamp"
