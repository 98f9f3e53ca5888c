#!/usr/bin/env bash
# Stage the layer the gcr.io/distroless/java21-debian13 stand-in adds to the distroless
# static stand-in, for one architecture:
#   CONTEXT/java-ARCH.tar   the packages of ./packages unpacked as upstream does (dpkg -x,
#                           one control file per package in /var/lib/dpkg/status.d/),
#                           /usr/bin/java linked to the JVM's; the JRE's man pages and
#                           docs left out, as distroless keeps only copyrights
# Usage: rootfs.sh ARCH STAGE_DIR CONTEXT_DIR   (run by ../../images.sh)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lib.sh
. "$here/../../lib.sh"
# shellcheck source=../lib-rootfs.sh
. "$here/../lib-rootfs.sh"

arch=$1 stage=$2 context=$3

root="$stage/java"
distroless_rootfs "$root" "$arch" "$here/packages"

jvm="$(cd "$root/usr/lib/jvm" && ls -d java-[1-9][0-9]-openjdk-"$arch" | head -n1)"
[[ -x "$root/usr/lib/jvm/$jvm/bin/java" ]] || die "distroless-java/$arch: no JVM in /usr/lib/jvm"
# java-common and openjdk's postinst: the java alternative.
ln -sfn "/usr/lib/jvm/$jvm/bin/java" "$root/usr/bin/java"
copyrights_only "$root"
rm -rf "$root/usr/share/man" "$root/usr/lib/jvm/$jvm/man"

# Every library the JVM's binaries link must be in the image (the list is by hand).
if have readelf; then
  find "$root/usr/lib/jvm/$jvm" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 |
    xargs -0 readelf -d 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u |
    while read -r lib; do
      [[ -n "$(find "$root/usr/lib" "$root/usr/lib/jvm/$jvm/lib" -name "$lib" -print -quit)" ]] ||
        log "distroless-java/$arch: note: $lib (linked by the JVM) is not in the image"
    done
fi
chmod 0755 "$root"
pack_layer "$root" "$context/java-$arch.tar"
