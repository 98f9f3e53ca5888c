#!/usr/bin/env bash
# Build the stand-in base images (linux/amd64 + linux/arm64 in one index) and push them
# to the local registry under their upstream paths:
#   127.0.0.1:5000/library/golang:1.26, :1.26.8           (docker.io/library/golang)
#   127.0.0.1:5000/distroless/static-debian13:latest, :nonroot (gcr.io/distroless/...)
#   127.0.0.1:5000/library/debian:trixie-slim, distroless/python3-debian13:latest, :nonroot
#   127.0.0.1:5000/library/node:24-slim, distroless/nodejs24-debian13:latest, :nonroot
# They exist only because these machines cannot pull from any registry (README.md).
#
# Each image has a recipe in images/<name>/ (Dockerfile, rootfs.sh, packages). An image
# is rebuilt only when the registry lacks one of its tags or the hash of its recipe
# differs from the stamp written by the last successful push.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_daemons

PLATFORMS=linux/amd64,linux/arm64
ARCHES=(amd64 arm64)
# Fixed timestamps (2026-01-01T00:00:00Z) for files, history and "created": the same
# packages give the same image digest.
export SOURCE_DATE_EPOCH=1767225600
export GOLANG_VERSION="$GOLANG_IMAGE_VERSION"
# Local CAs of this machine, added to the golang build image (see images/golang/rootfs.sh).
export HOST_CA_DIR=/usr/local/share/ca-certificates

STAMPS="$RIG_DIR/stamps"
mkdir -p "$STAMPS"

# recipe_hash NAME: hash of what goes into the staged layers: the recipe's staging files
# (all but its Dockerfile), the shared staging helpers and the parameters they read.
recipe_hash() {
  {
    (cd "$RIG_SRC/images" && find "$1" lib-rootfs.sh -type f ! -name Dockerfile -print0 | sort -z | xargs -0 sha256sum)
    printf '%s\n' "${ARCHES[*]}" "$SOURCE_DATE_EPOCH"
    if [[ "$1" == golang ]]; then
      echo "$GOLANG_VERSION"
      cat "$HOST_CA_DIR"/*.crt 2>/dev/null || true
    fi
  } | sha256sum | cut -d' ' -f1
}

# stage NAME HASH: stage the per-architecture layer tarballs of NAME into its build
# context, unless they were staged from this same recipe already.
stage() {
  local name=$1 hash=$2 arch ctx="$RIG_DIR/stage/$1/context"
  [[ "$(cat "$RIG_DIR/stage/$name/context.recipe" 2>/dev/null)" == "$hash" ]] && return 0
  rm -rf "$ctx"
  mkdir -p "$ctx"
  for arch in "${ARCHES[@]}"; do
    mkdir -p "$RIG_DIR/stage/$name/$arch"
    "$RIG_SRC/images/$name/rootfs.sh" "$arch" "$RIG_DIR/stage/$name/$arch" "$ctx"
  done
  echo "$hash" >"$RIG_DIR/stage/$name/context.recipe"
}

# build_image NAME TARGET "BUILD_ARGS" REPO:TAG...: build the recipe NAME (stage TARGET,
# or the last stage when empty) for both platforms and push it under every REPO:TAG.
build_image() {
  local name=$1 target=$2 build_args=$3; shift 3
  local refs=("$@") staged hash stamp ref missing=false names="" opts=() buildlog
  staged="$(recipe_hash "$name")"
  # The stamp also covers what changes the image but not the staged layers.
  hash="$({
    printf '%s\n' "$staged" "$PLATFORMS" "$target" "$build_args" "${refs[@]}"
    cat "$RIG_SRC/images/$name/Dockerfile"
  } | sha256sum | cut -d' ' -f1)"
  stamp="$STAMPS/image-$name${target:+-$target}"
  for ref in "${refs[@]}"; do registry_has "$ref" || missing=true; done
  if ! $missing && [[ "$(cat "$stamp" 2>/dev/null)" == "$hash" ]]; then
    log "image ${refs[*]}: up to date"
    return 0
  fi

  stage "$name" "$staged"
  for ref in "${refs[@]}"; do names+="${names:+,}$APPBUILD_REGISTRY/$ref"; done
  for arg in $build_args; do opts+=(--opt "build-arg:$arg"); done
  [[ -n "$target" ]] && opts+=(--opt "target=$target")
  buildlog="$RUN_DIR/image-$name${target:+-$target}.log"
  log "image ${refs[*]}: building and pushing (log: $buildlog)"
  # Several names in one export: the CSV field must be quoted, as buildctl parses it.
  if ! buildctl build --progress=plain \
      --frontend dockerfile.v0 \
      --local context="$RIG_DIR/stage/$name/context" \
      --local dockerfile="$RIG_SRC/images/$name" \
      --opt platform="$PLATFORMS" \
      --opt build-arg:SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" \
      "${opts[@]}" \
      --output "type=image,\"name=$names\",push=true,rewrite-timestamp=true" \
      >"$buildlog" 2>&1; then
    tail -n 40 "$buildlog" >&2
    die "building image ${refs[*]} failed (log: $buildlog)"
  fi
  echo "$hash" >"$stamp"
}

build_image golang "" "GOLANG_VERSION=$GOLANG_IMAGE_VERSION" \
  "library/golang:${GOLANG_IMAGE_VERSION%.*}" "library/golang:$GOLANG_IMAGE_VERSION"
build_image distroless-static latest "" distroless/static-debian13:latest
build_image distroless-static nonroot "" distroless/static-debian13:nonroot
# Python (profiles/python.go): Debian's own python3 in the build stage, on debian:trixie-slim,
# and distroless python3 (the same Debian 13 Python 3.13) as the runtime.
build_image debian-slim "" "" library/debian:trixie-slim
build_image distroless-python3 latest "" distroless/python3-debian13:latest
build_image distroless-python3 nonroot "" distroless/python3-debian13:nonroot
# Node (profiles/node.go): node:<major>-slim builds on debian:trixie-slim, distroless nodejs
# on distroless static, as upstream; the base's stamp is a build-arg so a new base
# rebuilds them. Versions: images/node/versions.
. "$RIG_SRC/images/node/versions"
build_image node "" "NODE_VERSION=$NODE_VERSION YARN_VERSION=$YARN_VERSION BASE_STAMP=$(cat "$STAMPS/image-debian-slim" 2>/dev/null)" \
  "library/node:${NODE_VERSION%%.*}-slim" "library/node:${NODE_VERSION%%.*}-trixie-slim" "library/node:$NODE_VERSION-slim"
build_image distroless-nodejs latest "BASE_STAMP=$(cat "$STAMPS/image-distroless-static-latest" 2>/dev/null)" \
  "distroless/nodejs${NODE_VERSION%%.*}-debian13:latest"
build_image distroless-nodejs nonroot "BASE_STAMP=$(cat "$STAMPS/image-distroless-static-nonroot" 2>/dev/null)" \
  "distroless/nodejs${NODE_VERSION%%.*}-debian13:nonroot"
# Java (profiles/java.go, images/maven/Dockerfile): Debian's OpenJDK 21 and Maven on debian:trixie-slim; distroless java on static.
build_image maven jre "FLAVOR=jre" library/eclipse-temurin:21-jre
build_image maven maven "FLAVOR=maven" library/maven:3.9-eclipse-temurin-21 library/maven:3.9.9-eclipse-temurin-21
for t in latest nonroot; do build_image distroless-java "$t" "JAVA_VERSION=21 BASE_STAMP=$(cat "$STAMPS/image-distroless-static-$t" 2>/dev/null)" "distroless/java21-debian13:$t"; done
# Compose companion (integration/compose_up_test.go): redis 8 from Debian's packages.
build_image redis "" "" library/redis:8 library/redis:8.0
# Rust (profiles/rust.go): Debian's rustc/cargo 1.85 on the golang stand-in's Debian layer.
build_image rust "" "BASE_STAMP=$(cat "$STAMPS/image-golang" 2>/dev/null)" library/rust:1.85 library/rust:1.85.1
# Static sites (profiles/static.go): caddy's binary from caddy:2, built from source (images/caddy/versions).
. "$RIG_SRC/images/caddy/versions"; caddy_tag=${CADDY_VERSION#v}
build_image caddy "" "CADDY_VERSION=$CADDY_VERSION BASE_STAMP=$(cat "$STAMPS/image-distroless-static-latest" 2>/dev/null)" \
  "library/caddy:$caddy_tag" "library/caddy:${caddy_tag%.*}" "library/caddy:${caddy_tag%%.*}"
