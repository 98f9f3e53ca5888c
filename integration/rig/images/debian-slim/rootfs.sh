#!/usr/bin/env bash
# Stage the debian:trixie-slim stand-in for one architecture:
#   CONTEXT/rootfs-ARCH.tar   every Priority: required package plus apt, unpacked
#                             without maintainer scripts (their effects reproduced by
#                             debian_configure, ../lib-rootfs.sh), then slimmed as
#                             debuerreotype does (no man pages, info, locales or docs but
#                             copyrights).
# No CA bundle and no local CAs: like upstream, the image has no ca-certificates; apt
# reaches the machine's own Debian mirrors (taken from the host's apt) as the host does.
# Usage: rootfs.sh ARCH STAGE_DIR CONTEXT_DIR   (run by ../../images.sh)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lib.sh
. "$here/../../lib.sh"
# shellcheck source=../lib-rootfs.sh
. "$here/../lib-rootfs.sh"

arch=$1 stage=$2 context=$3

root="$stage/rootfs"
deb_rootfs "$root" "$arch" "$here/packages"
# What the maintainer scripts would have done (they are not run), and apt and dpkg as in
# every Debian image.
debian_configure "$root"
apt_image_config "$root"

# slimify (debuerreotype-slimify): the dpkg excludes, and what they exclude removed.
cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOC'
# This is the "slim" variant of the Debian base image.
# Many files which are normally unnecessary in containers are excluded,
# and this configuration file keeps them that way.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
EOC
slim_excludes "$root"

pack_layer "$root" "$context/rootfs-$arch.tar"
