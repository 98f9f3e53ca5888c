#!/usr/bin/env bash
# Stage the debian:trixie-slim stand-in for one architecture:
#   CONTEXT/rootfs-ARCH.tar   every Priority: required package plus apt, unpacked
#                             without maintainer scripts (their effects reproduced, as in
#                             ../golang/rootfs.sh), then slimmed as debuerreotype does
#                             (no man pages, info, locales or docs but copyrights).
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

deb_setup "$arch"
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages")
mapfile -t specs < <(deb_resolve "${wanted[@]}")
((${#specs[@]} > ${#wanted[@]})) || die "debian-slim/$arch: apt resolved no packages"
log "debian-slim/$arch: fetching ${#specs[@]} Debian packages"
mapfile -t debs < <(deb_fetch "${specs[@]}")
((${#debs[@]} == ${#specs[@]})) || die "debian-slim/$arch: download failed"

root="$stage/rootfs"
rm -rf "$root"
mkdir -p "$root"
usrmerge_links "$root" "$arch"
for deb in "${debs[@]}"; do
  deb_install "$root" "$deb" "$arch"
done

epoch_days=$((SOURCE_DATE_EPOCH / 86400))
gid() { awk -F: -v g="$1" '$1 == g { print $3 }' "$root/etc/group"; }

# base-passwd and passwd: users, groups and shadow files.
install -m 0644 "$root/usr/share/base-passwd/passwd.master" "$root/etc/passwd"
install -m 0644 "$root/usr/share/base-passwd/group.master" "$root/etc/group"
awk -F: -v d="$epoch_days" '{ print $1 ":*:" d ":0:99999:7:::" }' "$root/etc/passwd" >"$root/etc/shadow"
awk -F: '{ print $1 ":*::" }' "$root/etc/group" >"$root/etc/gshadow"
chown "0:$(gid shadow)" "$root/etc/shadow" "$root/etc/gshadow"
chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"

# base-files: dot files, directories, /var/run and /var/lock links.
cp -p "$root/usr/share/base-files/dot.profile" "$root/root/.profile"
cp -p "$root/usr/share/base-files/dot.bashrc" "$root/root/.bashrc"
cp -p "$root/usr/share/base-files/profile" "$root/etc/profile"
cp -p "$root/usr/share/base-files/motd" "$root/etc/motd"
ln -sfn debian "$root/etc/dpkg/origins/default"
install -d -m 0755 "$root"/{mnt,srv,opt,etc/opt,var/opt,media}
install -d -m 2775 -g "$(gid mail)" "$root/var/mail"
ln -sfn ../mail "$root/var/spool/mail"
install -d -m 1777 "$root/run/lock" "$root/tmp"
rm -rf "$root/var/run" "$root/var/lock"
ln -s /run "$root/var/run"
ln -s /run/lock "$root/var/lock"
install -d -m 0755 "$root"/usr/local/{share/man,bin,games,lib,libexec,include,sbin,src,etc}
ln -sfn ../proc/self/mounts "$root/etc/mtab"

# debianutils: /etc/shells.
{
  echo '# /etc/shells: valid login shells'
  cat "$root/usr/share/debianutils/shells" "$root/usr/share/debianutils/shells.d/"* 2>/dev/null |
    grep '^/' | while read -r sh; do
      echo "$sh"
      case "$sh" in /usr/*) echo "${sh#/usr}" ;; *) echo "/usr$sh" ;; esac
    done | awk '!seen[$0]++'
} >"$root/etc/shells"

ln -sfn /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"

# update-alternatives --install calls of the postinst scripts (awk, pager...).
mkdir -p "$root/var/lib/dpkg/alternatives" "$root/etc/alternatives"
for script in "$root"/var/lib/dpkg/info/*.postinst; do
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$script" | { grep -E '^\s*update-alternatives .*--install ' || true; } |
    while read -ra words; do
      args=() i=0
      while ((i < ${#words[@]})) && [[ "${words[i]}" != --install ]]; do i=$((i + 1)); done
      args+=("${words[@]:i:5}"); i=$((i + 5))
      while [[ "${words[i]:-}" == --slave ]]; do args+=("${words[@]:i:4}"); i=$((i + 4)); done
      [[ "${args[*]}" == *'$'* ]] && continue
      update-alternatives --root "$root" --quiet "${args[@]}" 2>/dev/null ||
        log "warning: debian-slim/$arch: could not replay update-alternatives ${args[*]}"
    done
done
rm -f "$root/var/log/alternatives.log"

# apt: sources on the machine's mirrors, and the docker-* settings of Debian images.
deb_sources_list | awk -v key=/usr/share/keyrings/debian-archive-keyring.pgp '
  { uri = $3; sub(/\/$/, "", uri); if (!(uri in suites)) order[n++] = uri; suites[uri] = suites[uri] (suites[uri] ? " " : "") $4 }
  END { for (i = 0; i < n; i++) { u = order[i]
    if (i) print ""
    print "Types: deb"; print "URIs: " u; print "Suites: " suites[u]; print "Components: main"; print "Signed-By: " key } }' \
  >"$root/etc/apt/sources.list.d/debian.sources"
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOC'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOC
echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
touch "$root/var/lib/dpkg/available" "$root/var/lib/dpkg/diversions" "$root/var/lib/dpkg/statoverride"
mkdir -p "$root"/var/lib/dpkg/{updates,triggers,parts} "$root/var/lib/apt/lists/partial" \
  "$root/var/cache/apt/archives/partial"

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
find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root"/usr/share/{groff,info,linda,lintian/overrides,man}/*
find "$root/usr/share/locale" -mindepth 1 ! -name locale.alias -delete 2>/dev/null || true

pack_layer "$root" "$context/rootfs-$arch.tar"
