#!/usr/bin/env bash
# Stage the layers of the golang:1.26 stand-in for one architecture:
#   CONTEXT/debian-ARCH.tar   Debian trixie root filesystem (packages in ./packages)
#   CONTEXT/go-ARCH.tar       /usr/local/go (the official Go release) and /go
# Usage: rootfs.sh ARCH STAGE_DIR CONTEXT_DIR   (run by ../../images.sh)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lib.sh
. "$here/../../lib.sh"
# shellcheck source=../lib-rootfs.sh
. "$here/../lib-rootfs.sh"

arch=$1 stage=$2 context=$3
: "${GOLANG_VERSION:?set by images.sh}"

# --- Debian layer -------------------------------------------------------------------
deb_setup "$arch"
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages")
mapfile -t specs < <(deb_resolve "${wanted[@]}")
((${#specs[@]} > ${#wanted[@]})) || die "golang/$arch: apt resolved no packages"
log "golang/$arch: fetching ${#specs[@]} Debian packages"
# (process substitutions hide failures from set -e: count what came back)
mapfile -t debs < <(deb_fetch "${specs[@]}")
((${#debs[@]} == ${#specs[@]})) || die "golang/$arch: download failed"

root="$stage/debian"
rm -rf "$root"
mkdir -p "$root"
usrmerge_links "$root" "$arch"
log "golang/$arch: unpacking"
for deb in "${debs[@]}"; do
  deb_install "$root" "$deb" "$arch"
done

# --- What the maintainer scripts would have done (they are not run) -----------------
epoch_days=$((SOURCE_DATE_EPOCH / 86400))
gid() { awk -F: -v g="$1" '$1 == g { print $3 }' "$root/etc/group"; }

# base-passwd: the static users and groups; passwd: shadow files for them.
install -m 0644 "$root/usr/share/base-passwd/passwd.master" "$root/etc/passwd"
install -m 0644 "$root/usr/share/base-passwd/group.master" "$root/etc/group"
awk -F: -v d="$epoch_days" '{ print $1 ":*:" d ":0:99999:7:::" }' "$root/etc/passwd" >"$root/etc/shadow"
awk -F: '{ print $1 ":*::" }' "$root/etc/group" >"$root/etc/gshadow"
chown "0:$(gid shadow)" "$root/etc/shadow" "$root/etc/gshadow"
chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"

# base-files: default dot files and directories, /var/run and /var/lock as links.
cp -p "$root/usr/share/base-files/dot.profile" "$root/root/.profile"
cp -p "$root/usr/share/base-files/dot.bashrc" "$root/root/.bashrc"
cp -p "$root/usr/share/base-files/profile" "$root/etc/profile"
cp -p "$root/usr/share/base-files/motd" "$root/etc/motd"
install -m 0644 "$root/usr/share/base-files/info.dir" "$root/usr/share/info/dir"
ln -sfn debian "$root/etc/dpkg/origins/default"
install -d -m 0755 "$root"/{mnt,srv,opt,etc/opt,var/opt,media}
install -d -m 2775 -g "$(gid mail)" "$root/var/mail"
ln -sfn ../mail "$root/var/spool/mail"
install -d -m 1777 "$root/run/lock"
rm -rf "$root/var/run" "$root/var/lock"
ln -s /run "$root/var/run"
ln -s /run/lock "$root/var/lock"
install -d -m 0755 "$root"/usr/local/{share/man,bin,games,lib,libexec,include,sbin,src,etc}
ln -sfn share/man "$root/usr/local/man"
for f in wtmp:664 btmp:660 lastlog:664; do
  : >"$root/var/log/${f%:*}"
  chown "0:$(gid utmp)" "$root/var/log/${f%:*}"
  chmod "${f#*:}" "$root/var/log/${f%:*}"
done
ln -sfn ../proc/self/mounts "$root/etc/mtab"

# debianutils: /etc/shells lists every registered shell under both of its /usr-merged
# paths (update-shells).
{
  echo '# /etc/shells: valid login shells'
  cat "$root/usr/share/debianutils/shells" "$root/usr/share/debianutils/shells.d/"* |
    grep '^/' | while read -r sh; do
      echo "$sh"
      case "$sh" in
        /usr/*) echo "${sh#/usr}" ;;
        *) echo "/usr$sh" ;;
      esac
    done | awk '!seen[$0]++'
} >"$root/etc/shells"

# tzdata: UTC, as in the upstream image.
ln -sfn /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"

# This machine's local CAs (HOST_CA_DIR, normally /usr/local/share/ca-certificates): its
# egress to the Go proxy, Debian and npm goes through a TLS-intercepting proxy whose CA
# lives there, so RUN steps in this build image need it to download anything. They are
# added the way a local admin adds a CA to Debian: as local certificates.
shopt -s nullglob
local_cas=("${HOST_CA_DIR:-/nonexistent}"/*.crt)
shopt -u nullglob
if ((${#local_cas[@]})); then
  install -d -m 0755 "$root/usr/local/share/ca-certificates"
  install -m 0644 "${local_cas[@]}" "$root/usr/local/share/ca-certificates/"
fi

# ca-certificates: the bundle, one link per certificate and OpenSSL hash links.
ca_bundle "$root" "$root"
(cd "$root/usr/share/ca-certificates" && ls mozilla/*.crt) |
  sed '1i # Written by the golang stand-in recipe, as ca-certificates would.' >"$root/etc/ca-certificates.conf"
for crt in "$root"/usr/share/ca-certificates/mozilla/*.crt "$root"/usr/local/share/ca-certificates/*.crt; do
  [[ -f "$crt" ]] || continue
  name="${crt##*/}"
  ln -sfn "${crt#"$root"}" "$root/etc/ssl/certs/${name%.crt}.pem"
  # OpenSSL's hash links (what `openssl rehash` makes), computed on the host.
  if have openssl; then
    h="$(openssl x509 -hash -noout -in "$crt")" i=0
    while [[ -e "$root/etc/ssl/certs/$h.$i" || -L "$root/etc/ssl/certs/$h.$i" ]]; do i=$((i + 1)); done
    ln -s "${name%.crt}.pem" "$root/etc/ssl/certs/$h.$i"
  fi
done

# update-alternatives calls in the postinst scripts (awk, which, cc, c++, pager...):
# replay the literal --install/--slave calls with the host's update-alternatives --root.
mkdir -p "$root/var/lib/dpkg/alternatives" "$root/etc/alternatives"
for script in "$root"/var/lib/dpkg/info/*.postinst; do
  # Join continuation lines, keep the update-alternatives --install calls.
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$script" | { grep -E '^\s*update-alternatives .*--install ' || true; } |
    while read -ra words; do
      args=() i=0
      while ((i < ${#words[@]})) && [[ "${words[i]}" != --install ]]; do i=$((i + 1)); done
      args+=("${words[@]:i:5}"); i=$((i + 5))
      while [[ "${words[i]:-}" == --slave ]]; do args+=("${words[@]:i:4}"); i=$((i + 4)); done
      [[ "${args[*]}" == *'$'* ]] && continue   # computed arguments: not replayable
      update-alternatives --root "$root" --quiet "${args[@]}" 2>/dev/null ||
        log "warning: golang/$arch: could not replay update-alternatives ${args[*]}"
    done
done
# Its log holds the time of day; Debian images ship without it (debuerreotype-fixup).
rm -f "$root/var/log/alternatives.log"

# apt: the upstream image's sources (on the mirrors this machine uses) and the
# docker-* settings debuerreotype adds to Debian images.
deb_sources_list | awk -v key=/usr/share/keyrings/debian-archive-keyring.pgp '
  { uri = $3; sub(/\/$/, "", uri); if (!(uri in suites)) order[n++] = uri; suites[uri] = suites[uri] (suites[uri] ? " " : "") $4 }
  END { for (i = 0; i < n; i++) { u = order[i]
    if (i) print ""
    print "Types: deb"; print "URIs: " u; print "Suites: " suites[u]; print "Components: main"; print "Signed-By: " key } }' \
  >"$root/etc/apt/sources.list.d/debian.sources"
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
touch "$root/var/lib/dpkg/available" "$root/var/lib/dpkg/diversions" "$root/var/lib/dpkg/statoverride"
mkdir -p "$root"/var/lib/dpkg/{updates,triggers,parts} "$root/var/lib/apt/lists/partial" \
  "$root/var/cache/apt/archives/partial"
# /etc/ld.so.cache is made by the recipe (RUN ldconfig), with the image's own ldconfig.

pack_layer "$root" "$context/debian-$arch.tar"

# --- Go layer -------------------------------------------------------------------------
# The Go module proxy serves every Go release as the module golang.org/toolchain; its
# zip holds the release tree (the same files `GOTOOLCHAIN=go1.x` switches to).
mod="golang.org/toolchain@v0.0.1-go$GOLANG_VERSION.linux-$arch"
log "golang/$arch: fetching $mod"
src="$(cd "$stage" && go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
[[ -f "$src/bin/go" ]] || die "no Go tree found for $mod (got '$src')"

golayer="$stage/go"
rm -rf "$golayer"
mkdir -p "$golayer/usr/local"
cp -R "$src" "$golayer/usr/local/go"
# Module zips keep no file modes (the cache is read-only): restore a release's modes.
goroot="$golayer/usr/local/go"
find "$goroot" -type d -exec chmod 0755 {} +
find "$goroot" -type f -exec chmod 0644 {} +
chmod 0755 "$goroot"/bin/* "$goroot"/pkg/tool/*/*
grep -rlI --null -m1 '^#!' "$goroot" | while IFS= read -r -d '' f; do
  [[ "$(head -c2 "$f")" == '#!' ]] && chmod 0755 "$f"
done
# GOPATH, world-writable like upstream (`chmod -R 1777 "$GOPATH"`).
install -d -m 1777 "$golayer/go" "$golayer/go/src" "$golayer/go/bin"

pack_layer "$golayer" "$context/go-$arch.tar"
