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
root="$stage/debian"
deb_rootfs "$root" "$arch" "$here/packages"

# --- What the maintainer scripts would have done (they are not run) -----------------
debian_configure "$root"
# More of base-files' postinst, not reproduced for the slim image: the info directory,
# /usr/local/man and the login records.
install -m 0644 "$root/usr/share/base-files/info.dir" "$root/usr/share/info/dir"
ln -sfn share/man "$root/usr/local/man"
for f in wtmp:664 btmp:660 lastlog:664; do
  : >"$root/var/log/${f%:*}"
  chown "0:$(deb_gid "$root" utmp)" "$root/var/log/${f%:*}"
  chmod "${f#*:}" "$root/var/log/${f%:*}"
done

# This machine's local CAs (host_cas), added the way a local admin adds a CA to Debian:
# RUN steps in this build image need them to download anything.
host_cas "$root/usr/local/share/ca-certificates"

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

# apt and dpkg as in every Debian image.
apt_image_config "$root"
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
