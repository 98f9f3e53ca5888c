#!/usr/bin/env bash
# Build the python:3.13-slim stand-in (linux/amd64 only) and push it to the rig's
# registry as library/python:3.13-slim. `make rig` runs it in the background after
# images.sh: it compiles CPython (about 5-6 min on 2 cores; arm64 under emulation
# would take an hour), and it exists only to measure appbuild's Python images against
# a plain Dockerfile on the official slim image (make bench, the size test).
# Usage: build.sh [--rebuild]
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lib.sh
. "$here/../../lib.sh"
export SOURCE_DATE_EPOCH=1767225600
# shellcheck source=../lib-rootfs.sh
. "$here/../lib-rootfs.sh"

require_daemons
REF=library/python:3.13-slim
# Built once: the next caller (make bench, the slim-size test) finds it in the registry.
if registry_has "$REF" && [[ "${1:-}" != --rebuild ]]; then
  log "python-slim: $REF up to date (--rebuild builds it again)"
  exit 0
fi
ctx="$RIG_DIR/stage/python-slim/context"

# The CPython release tarball, as Debian ships it (python3.13's orig.tar.xz), from a
# private apt configuration with source indexes on the machine's own mirrors.
deb_setup source
mkdir -p "$ctx"
(cd "$DEB_WORK/debs" && apt-get "${APT_ARGS[@]}" -qq source --download-only python3.13 >/dev/null)
orig=("$DEB_WORK"/debs/python3.13_*.orig.tar.xz)
[[ -f "${orig[-1]}" ]] || die "python-slim: no python3.13 orig tarball downloaded"
version="${orig[-1]##*_}"; version="${version%.orig.tar.xz}"
cp -f "${orig[-1]}" "$ctx/Python-$version.tar.xz"
log "python-slim: building CPython $version for linux/amd64 (log: $RUN_DIR/image-python-slim.log)"
mark_built built
buildctl build --progress=plain \
  --frontend dockerfile.v0 \
  --local context="$ctx" --local dockerfile="$here" \
  --opt platform=linux/amd64 \
  --opt build-arg:PYTHON_VERSION="$version" \
  --opt build-arg:SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" \
  --output "type=image,\"name=$APPBUILD_REGISTRY/$REF,$APPBUILD_REGISTRY/library/python:$version-slim\",push=true,rewrite-timestamp=true" \
  >"$RUN_DIR/image-python-slim.log" 2>&1 || { tail -n 40 "$RUN_DIR/image-python-slim.log" >&2; die "python-slim: build failed"; }
log "python-slim: pushed $REF (CPython $version)"
