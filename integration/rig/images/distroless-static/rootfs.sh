#!/usr/bin/env bash
# Stage the gcr.io/distroless/static-debian13 stand-in for one architecture, following
# upstream's recipe (GoogleContainerTools/distroless, static/static.bzl and
# common/BUILD.bazel): the files of base-files, netbase, tzdata and media-types, a CA
# bundle, fixed passwd/group/nsswitch.conf, /tmp, homes and a "Distroless" os-release.
# No shell, no libc, no package manager.
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

deb_setup "$arch"
deb_get exact "$here/packages"

# Unpacked the distroless way (distroless_unpack), but for ca-certificates: only the
# bundle made from it and its copyright, as upstream's cacerts rule. No merged-/usr
# links: base-files ships them.
root="$stage/rootfs"
rm -rf "$root" "$stage/unpack"
mkdir -p "$root"
for deb in "${DEBS[@]}"; do
  if [[ "$(dpkg-deb -f "$deb" Package)" == ca-certificates ]]; then
    dpkg -x "$deb" "$stage/unpack"
    ca_bundle "$stage/unpack" "$root"
    install -D -m 0644 "$stage/unpack/usr/share/doc/ca-certificates/copyright" \
      "$root/usr/share/doc/ca-certificates/copyright"
    rm -rf "$stage/unpack"
    dpkg_status_d "$root" "$deb"
  else
    distroless_unpack "$root" "$deb"
  fi
done
chmod 0755 "$root"

# Users and groups (no shells: every login shell is /sbin/nologin, which does not exist).
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
chmod 0644 "$root/etc/passwd" "$root/etc/group"

cat >"$root/etc/nsswitch.conf" <<'EOF'
# /etc/nsswitch.conf
#
# Example configuration of GNU Name Service Switch functionality.
# If you have the `glibc-doc-reference' and `info' packages installed, try:
# `info libc "Name Service Switch"' for information about this file.

passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
EOF

install -d -m 1777 "$root/tmp"
install -d -m 0700 "$root/root"
install -d -m 0755 "$root/home"
install -d -m 0700 -o 65532 -g 65532 "$root/home/nonroot"

# base-files' /etc/os-release links here; upstream replaces the content.
rm -f "$root/usr/lib/os-release"
cat >"$root/usr/lib/os-release" <<'EOF'
PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="13"
VERSION="Debian GNU/Linux 13 (trixie)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
EOF
chmod 0644 "$root/usr/lib/os-release"

pack_layer "$root" "$context/rootfs-$arch.tar"
