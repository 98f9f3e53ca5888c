#!/usr/bin/env bash
# Stage the gcr.io/distroless/python3-debian13 stand-in for one architecture: the
# distroless-static root filesystem (staged by ../distroless-static/rootfs.sh), then the
# packages of ./packages unpacked on it (dpkg -x, one status.d control file each, as
# upstream), and upstream's /usr/bin/python and /usr/bin/python3 links to python3.13.
# No shell, no pip, no package manager.
#   CONTEXT/rootfs-ARCH.tar
# Usage: rootfs.sh ARCH STAGE_DIR CONTEXT_DIR   (run by ../../images.sh)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lib.sh
. "$here/../../lib.sh"
# shellcheck source=../lib-rootfs.sh
. "$here/../lib-rootfs.sh"

arch=$1 stage=$2 context=$3

# The static base, staged by its own recipe into this image's stage directory.
mkdir -p "$stage/static" "$stage/static-context"
"$here/../distroless-static/rootfs.sh" "$arch" "$stage/static" "$stage/static-context"
root="$stage/static/rootfs"

deb_setup "$arch"
deb_get exact "$here/packages"
# Upstream lists its packages by hand; say so when apt would unpack one more.
mapfile -t wanted < <(deb_list "$here/packages")
mapfile -t resolved < <(deb_resolve "${wanted[@]}" | cut -d= -f1)
for p in "${resolved[@]}"; do
  [[ " ${wanted[*]} base-files netbase tzdata media-types ca-certificates " == *" $p "* ]] ||
    log "distroless-python3/$arch: note: apt would also install $p (not in upstream's list)"
done
# Debian 13's packages install below /usr; the loader path /lib64 (amd64) and /lib
# need the merged-/usr links.
usrmerge_links "$root" "$arch"
distroless_unpack "$root" "${DEBS[@]}"

# python3/python.bzl: python_aliases.
ln -sfn /usr/bin/python3.13 "$root/usr/bin/python"
ln -sfn /usr/bin/python3.13 "$root/usr/bin/python3"
# Packages that ship docs only as links to another package's directory: keep what
# dpkg -x gave. Nothing here runs ldconfig: Debian's loader searches the multiarch
# directories without a cache.
[[ -x "$root/usr/bin/python3.13" ]] || die "distroless-python3/$arch: no /usr/bin/python3.13"

pack_layer "$root" "$context/rootfs-$arch.tar"
