#!/usr/bin/env bash
# The rig's local Cargo registry on 127.0.0.1:3143 (the crates registry cannot be
# reached here), a sparse registry as Cargo's registry index format describes:
#   sparse+http://127.0.0.1:3143/index/   the index (config.json names the downloads)
#   http://127.0.0.1:3143/crates/         the .crate archives
# A build reaches it through a source replacement of crates-io, the setting a user with a
# private mirror writes in .cargo/config.toml (examples/rust-hello has one).
# Its crates are made from Debian trixie's librust-*-dev packages (./packages and every
# librust package they depend on), which install the published crate sources under
# /usr/share/cargo/registry/ (main.go says how); kept in $RIG_DIR/cargoreg/www and remade
# only when the list, the tool or a Debian version changes.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
. "$here/../lib.sh"
export SOURCE_DATE_EPOCH=1767225600
# shellcheck source=../images/lib-rootfs.sh
. "$here/../images/lib-rootfs.sh"

CARGOREG_ADDR=127.0.0.1:3143
work="$RIG_DIR/cargoreg"
mkdir -p "$work" "$RUN_DIR"

# The server binary, by the hash of its source (a module of its own: it reads TOML).
src_hash="$(cat "$here/main.go" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-12)"
bin="$RIG_DIR/bin/cargoreg-$src_hash/cargoreg"
if [[ ! -x "$bin" ]]; then
  log "cargoreg: building the registry server"
  mkdir -p "${bin%/*}"
  (cd "$here" && go build -o "$bin.tmp" .) && mv -f "$bin.tmp" "$bin"
fi

# The crates: the closure of the listed packages, librust-*-dev only.
deb_setup amd64
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages")
mapfile -t specs < <(deb_resolve "${wanted[@]}" | grep '^librust-')
((${#specs[@]} >= ${#wanted[@]})) || die "cargoreg: apt resolved none of ${wanted[*]}"
stamp="$(printf '%s\n' "$src_hash" "$SOURCE_DATE_EPOCH" "${specs[@]}" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$work/www.stamp" 2>/dev/null)" != "$stamp" || ! -d "$work/www/index" ]]; then
  log "cargoreg: making crates from ${#specs[@]} Debian packages"
  mapfile -t debs < <(deb_fetch "${specs[@]}")
  ((${#debs[@]} == ${#specs[@]})) || die "cargoreg: download failed"
  rm -rf "$work/unpack" "$work/www.new"
  mkdir -p "$work/unpack"
  for deb in "${debs[@]}"; do
    dpkg -x "$deb" "$work/unpack"
  done
  # Feature packages (librust-x+feature-dev) only link to their crate's directory.
  mapfile -t dirs < <(find "$work/unpack/usr/share/cargo/registry" -mindepth 1 -maxdepth 1 -type d | sort)
  "$bin" build -out "$work/www.new" -epoch "$SOURCE_DATE_EPOCH" "${dirs[@]}"
  rm -rf "$work/www" "$work/unpack"
  mv "$work/www.new" "$work/www"
  echo "$stamp" >"$work/www.stamp"
fi

cargoreg_up() { curl -fs -o /dev/null --max-time 2 "http://$CARGOREG_ADDR/index/config.json"; }
if daemon_runs_binary cargoreg "$bin" && cargoreg_up; then
  log "cargoreg: up on sparse+http://$CARGOREG_ADDR/index/"
  exit 0
fi
stop_daemon cargoreg
log "cargoreg: starting on $CARGOREG_ADDR"
start_daemon cargoreg "$bin" serve -dir "$work/www" -addr "$CARGOREG_ADDR"
sleep 0.5   # setsid execs the server: give it a moment before its pid is checked
wait_ready cargoreg 10 cargoreg_up
log "cargoreg: up on sparse+http://$CARGOREG_ADDR/index/ ($(find "$work/www/crates" -name '*.crate' | wc -l) crates)"
