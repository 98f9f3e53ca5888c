#!/usr/bin/env bash
# Stage the docker.io/library/redis stand-in for one architecture:
#   CONTEXT/rootfs-ARCH.tar   redis-server, redis-tools and dash with their dependencies,
#                             unpacked without maintainer scripts and recorded in the dpkg
#                             database; the effects that matter reproduced: the redis user
#                             and group (999, as upstream's image), /data, /bin/sh.
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

# Users and groups: base-passwd's, plus redis as upstream creates it
# (groupadd -r -g 999 redis; useradd -r -g redis -u 999 redis), and shadow files for all.
base_passwd "$root"
echo 'redis:x:999:999::/home/redis:/bin/sh' >>"$root/etc/passwd"
echo 'redis:x:999:' >>"$root/etc/group"
shadow_files "$root"

# dash's postinst: /bin/sh. base-files is not installed: the directories it would make.
ln -sfn dash "$root/usr/bin/sh"
install -d -m 1777 "$root/tmp"
install -d -m 0700 "$root/root"
install -d -m 0755 "$root/etc" "$root/var/lib" "$root/run"
# The data directory, owned by redis, as upstream's entrypoint leaves it.
install -d -m 0755 -o 999 -g 999 "$root/data"

pack_layer "$root" "$context/rootfs-$arch.tar"
