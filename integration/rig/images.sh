#!/usr/bin/env bash
# Stage or push one stand-in base image recipe (linux/amd64 + linux/arm64 in one index;
# golang: the machine's own platform, see arches):
#   images.sh stage RECIPE   the per-architecture layer tarballs (no daemon needed)
#   images.sh push RECIPE    build every line of images/list for RECIPE and push it to the
#                            local registry under its upstream paths
# tiers.mk runs `stage` for every recipe beside the tool compiles and `push` once the
# daemons are up. They exist only because these machines cannot pull from any registry
# (README.md). A build is redone only when the registry lacks one of its tags or the
# hash of its recipe differs from the stamp written by its last successful push.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# arches RECIPE: the architectures a stand-in is built for. Both, as upstream, except
# golang: every stage appbuild (and the frontend's own Dockerfile) plans FROM golang
# runs on the build platform and cross-compiles, so on this machine only its own
# architecture is ever pulled, and the other would cost a third of the demo's staging.
arches() {
  case "$1" in
    golang) dpkg --print-architecture ;;
    *) echo amd64 arm64 ;;
  esac
}
# platforms RECIPE: the same as buildctl's platform list (linux/amd64,linux/arm64).
platforms() { arches "$1" | sed -e 's|^|linux/|' -e 's| | linux/|g' -e 's| |,|g'; }
# Fixed timestamps (2026-01-01T00:00:00Z) for files, history and "created": the same
# packages give the same image digest.
export SOURCE_DATE_EPOCH=1767225600
export GOLANG_VERSION="$GOLANG_IMAGE_VERSION"
# Local CAs of this machine, added to the golang build image (see images/golang/rootfs.sh).
export HOST_CA_DIR=/usr/local/share/ca-certificates

STAMPS="$RIG_DIR/stamps"
mkdir -p "$STAMPS"

# builds RECIPE: the images/list lines of RECIPE, as "TARGET REF..." ("" for the last stage).
builds() {
  awk -v r="$1" '$1 == r { t = ($2 == "-") ? "" : $2; $1 = $2 = $3 = ""; sub(/^ +/, ""); print t "|" $0 }' \
    "$RIG_SRC/images/list"
}

# recipe_hash NAME: hash of what goes into the staged layers: the recipe's staging files
# (all but its Dockerfile), the shared staging helpers and the parameters they read.
recipe_hash() {
  {
    # A recipe that stages another's layers (rust: golang's) depends on that one too.
    (cd "$RIG_SRC/images" && find "$1" $(sed -n '/^[[:space:]]*#/d; s|.*"$here/\.\./\([a-z0-9-]*\)/rootfs\.sh".*|\1|p' "$1/rootfs.sh" | sort -u) \
      lib-rootfs.sh -type f ! -name Dockerfile -print0 | sort -z | xargs -0 sha256sum)
    printf '%s\n' "$(arches "$1")" "$SOURCE_DATE_EPOCH"
    if [[ "$1" == golang || "$1" == rust ]]; then
      echo "$GOLANG_VERSION"
      cat "$HOST_CA_DIR"/*.crt 2>/dev/null || true
    fi
  } | sha256sum | cut -d' ' -f1
}

# build_args RECIPE TARGET: the recipe's build-args. A stand-in built on another takes
# that one's stamp (BASE_STAMP), so a rebuilt base rebuilds it.
build_args() {
  local base_stamp
  case "$1" in
    golang) echo "GOLANG_VERSION=$GOLANG_IMAGE_VERSION" ;;
    node)
      . "$RIG_SRC/images/node/versions"
      echo "NODE_VERSION=$NODE_VERSION YARN_VERSION=$YARN_VERSION BASE_STAMP=$(cat "$STAMPS/image-debian-slim" 2>/dev/null)" ;;
    distroless-nodejs) echo "BASE_STAMP=$(cat "$STAMPS/image-distroless-static-$2" 2>/dev/null)" ;;
    maven) echo "FLAVOR=$2" ;;
    distroless-java) echo "JAVA_VERSION=21 BASE_STAMP=$(cat "$STAMPS/image-distroless-static-$2" 2>/dev/null)" ;;
    rust) echo "BASE_STAMP=$(cat "$STAMPS/image-golang" 2>/dev/null)" ;;
    caddy)
      . "$RIG_SRC/images/caddy/versions"
      base_stamp="$(cat "$STAMPS/image-distroless-static-latest" 2>/dev/null)"
      echo "CADDY_VERSION=$CADDY_VERSION BASE_STAMP=$base_stamp" ;;
  esac
}

# export_opts RECIPE: extra image exporter options. The build-only images (never a
# layer of an image a test or benchmark measures) are 0.9 GB a platform uncompressed:
# gzip at level 1 exports them in a fraction of the default level's time.
export_opts() {
  case "$1" in
    golang | rust) echo ",compression=gzip,compression-level=1" ;;
  esac
}

# image_hash RECIPE TARGET REF...: the stamp a push of this build writes: the staged
# layers' recipe plus what changes the image but not the layers.
image_hash() {
  local recipe=$1 target=$2; shift 2
  {
    printf '%s\n' "$(recipe_hash "$recipe")" "$(platforms "$recipe")" "$target" "$(build_args "$recipe" "$target")" "$(export_opts "$recipe")" "$@"
    cat "$RIG_SRC/images/$recipe/Dockerfile"
  } | sha256sum | cut -d' ' -f1
}

stamp_file() { echo "$STAMPS/image-$1${2:+-$2}"; }

# stage NAME: stage the per-architecture layer tarballs of NAME into its build context,
# unless they were staged from this same recipe already or every build of it is pushed.
stage() {
  local name=$1 hash arch target refs ctx="$RIG_DIR/stage/$1/context" pushed=true
  hash="$(recipe_hash "$name")"
  [[ "$(cat "$RIG_DIR/stage/$name/context.recipe" 2>/dev/null)" == "$hash" ]] && return 0
  while IFS='|' read -r target refs; do
    # shellcheck disable=SC2086 # refs is a space-separated list
    [[ "$(cat "$(stamp_file "$name" "$target")" 2>/dev/null)" == "$(image_hash "$name" "$target" $refs)" ]] || pushed=false
  done < <(builds "$name")
  $pushed && return 0
  rm -rf "$ctx"
  mkdir -p "$ctx"
  # Both architectures at once: each has its own package lists and download cache,
  # and staging is mostly waiting on downloads and single-threaded unpacking.
  local pids=() pid
  for arch in $(arches "$name"); do
    mkdir -p "$RIG_DIR/stage/$name/$arch"
    "$RIG_SRC/images/$name/rootfs.sh" "$arch" "$RIG_DIR/stage/$name/$arch" "$ctx" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || die "staging $name failed"; done
  echo "$hash" >"$RIG_DIR/stage/$name/context.recipe"
  mark_built staged
}

# push NAME TARGET REF...: build the recipe NAME (stage TARGET, or the last stage when
# empty) for both platforms and push it under every REF.
push() {
  local name=$1 target=$2; shift 2
  local refs=("$@") hash stamp ref missing=false names="" opts=() buildlog
  hash="$(image_hash "$name" "$target" "${refs[@]}")"
  stamp="$(stamp_file "$name" "$target")"
  for ref in "${refs[@]}"; do registry_has "$ref" || missing=true; done
  if ! $missing && [[ "$(cat "$stamp" 2>/dev/null)" == "$hash" ]]; then
    log "image ${refs[*]}: up to date"
    return 0
  fi
  [[ "$(cat "$RIG_DIR/stage/$name/context.recipe" 2>/dev/null)" == "$(recipe_hash "$name")" ]] ||
    die "image ${refs[*]}: $name is not staged from this recipe (images.sh stage $name)"
  for ref in "${refs[@]}"; do names+="${names:+,}$APPBUILD_REGISTRY/$ref"; done
  for arg in $(build_args "$name" "$target"); do opts+=(--opt "build-arg:$arg"); done
  [[ -n "$target" ]] && opts+=(--opt "target=$target")
  buildlog="$RUN_DIR/image-$name${target:+-$target}.log"
  log "image ${refs[*]}: building and pushing (log: $buildlog)"
  # Several names in one export: the CSV field must be quoted, as buildctl parses it.
  if ! buildctl build --progress=plain \
      --frontend dockerfile.v0 \
      --local context="$RIG_DIR/stage/$name/context" \
      --local dockerfile="$RIG_SRC/images/$name" \
      --opt platform="$(platforms "$name")" \
      --opt build-arg:SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" \
      "${opts[@]}" \
      --output "type=image,\"name=$names\",push=true,rewrite-timestamp=true$(export_opts "$name")" \
      >"$buildlog" 2>&1; then
    tail -n 40 "$buildlog" >&2
    die "building image ${refs[*]} failed (log: $buildlog)"
  fi
  echo "$hash" >"$stamp"
  mark_built pushed
}

# The versions files name the tags the list must carry.
check_list_versions() {
  . "$RIG_SRC/images/node/versions"
  . "$RIG_SRC/images/caddy/versions"
  grep -q "library/node:$NODE_VERSION-slim" "$RIG_SRC/images/list" ||
    die "images/list lacks library/node:$NODE_VERSION-slim (images/node/versions)"
  grep -q "library/caddy:${CADDY_VERSION#v}" "$RIG_SRC/images/list" ||
    die "images/list lacks library/caddy:${CADDY_VERSION#v} (images/caddy/versions)"
  grep -q "library/golang:$GOLANG_IMAGE_VERSION" "$RIG_SRC/images/list" ||
    die "images/list lacks library/golang:$GOLANG_IMAGE_VERSION (lib.sh)"
}

action=${1:-} recipe=${2:-}
[[ -n "$recipe" && -n "$(builds "$recipe")" ]] || die "usage: images.sh stage|push RECIPE (a recipe of images/list)"
check_list_versions
case "$action" in
  stage) stage "$recipe" ;;
  push)
    require_daemons
    while IFS='|' read -r target refs; do
      # shellcheck disable=SC2086 # refs is a space-separated list
      push "$recipe" "$target" $refs
    done < <(builds "$recipe")
    ;;
  *) die "usage: images.sh stage|push RECIPE" ;;
esac
