#!/usr/bin/env bash
# Stage the layers of the rust:1.85 stand-in for one architecture:
#   CONTEXT/debian-ARCH.tar   the golang stand-in's Debian layer (../golang/rootfs.sh):
#                             debian:trixie + buildpack-deps:trixie-scm + the C toolchain
#   CONTEXT/rust-ARCH.tar     Debian's rustc and cargo (./packages) with the libraries they
#                             link, recorded in the dpkg database; the standard library of
#                             the other architecture in /usr/lib/rustlib/<triple> (what
#                             `rustup target add` gives upstream); /usr/local/cargo/bin
#                             (cargo, rustc, rustdoc and a rustup stand-in, ./rustup) and
#                             /usr/local/rustup, writable by all as upstream
# Usage: rootfs.sh ARCH STAGE_DIR CONTEXT_DIR   (run by ../../images.sh)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lib.sh
. "$here/../../lib.sh"
# shellcheck source=../lib-rootfs.sh
. "$here/../lib-rootfs.sh"

arch=$1 stage=$2 context=$3
triple() {
  case "$1" in
    amd64) echo x86_64-unknown-linux-gnu ;;
    arm64) echo aarch64-unknown-linux-gnu ;;
    *) die "rust/$1: no Rust target for this architecture" ;;
  esac
}

# --- Debian layer: the golang stand-in's, staged by its own recipe ----------------------
mkdir -p "$stage/base-context"
"$here/../golang/rootfs.sh" "$arch" "$stage/base" "$stage/base-context"
mv -f "$stage/base-context/debian-$arch.tar" "$context/debian-$arch.tar"
rm -rf "$stage/base-context" "$stage/base/go"
base="$stage/base/debian"

# --- Rust layer ---------------------------------------------------------------------
# Resolve against the base's dpkg database: only what the base lacks is added.
deb_setup "$arch"
APT_ARGS+=(-o "Dir::State::status=$base/var/lib/dpkg/status")
deb_get closure "$here/packages"
rustc_version="$(printf '%s\n' "${SPECS[@]}" | sed -n 's/^rustc=//p')"
[[ -n "$rustc_version" ]] || die "rust/$arch: rustc is not among ${SPECS[*]}"

root="$stage/rust"
fresh_root "$root" "$arch"
# The layer carries the whole dpkg status (the base's, then the new packages), so apt in
# the image sees every package.
mkdir -p "$root/var/lib/dpkg"
cp -p "$base/var/lib/dpkg/status" "$root/var/lib/dpkg/status"
deb_install "$root" "$arch" "${DEBS[@]}"

# The other architecture's standard library, of exactly the same rustc build.
for other in amd64 arm64; do
  [[ "$other" == "$arch" ]] && continue
  deb_setup "$other"
  mapfile -t std < <(deb_candidates libstd-rust-dev)
  [[ "${std[0]:-}" == "libstd-rust-dev=$rustc_version" ]] ||
    die "rust/$arch: libstd-rust-dev for $other is '${std[0]:-none}', rustc is $rustc_version"
  mapfile -t stddeb < <(deb_fetch "${std[@]}")
  tmp="$stage/std-$other"
  rm -rf "$tmp"
  dpkg -x "${stddeb[0]}" "$tmp"
  t="$(triple "$other")"
  [[ -d "$tmp/usr/lib/rustlib/$t/lib" ]] || die "rust/$arch: no $t standard library in ${stddeb[0]}"
  mkdir -p "$root/usr/lib/rustlib"
  cp -a "$tmp/usr/lib/rustlib/$t" "$root/usr/lib/rustlib/"
  rm -rf "$tmp"
  log "rust/$arch: added the $t standard library ($rustc_version)"
done

# Upstream's layout: the tools in /usr/local/cargo/bin (first in PATH), both homes
# writable by any user (`chmod -R a+w $RUSTUP_HOME $CARGO_HOME`).
install -d -m 0777 "$root/usr/local/cargo" "$root/usr/local/cargo/bin" "$root/usr/local/rustup"
for tool in cargo rustc rustdoc; do
  [[ -e "$root/usr/bin/$tool" ]] && ln -s "/usr/bin/$tool" "$root/usr/local/cargo/bin/$tool"
done
install -m 0777 "$here/rustup" "$root/usr/local/cargo/bin/rustup"

pack_layer "$root" "$context/rust-$arch.tar"
