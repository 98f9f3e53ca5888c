#!/usr/bin/env bash
# The rig's local Python package index on 127.0.0.1:3141 (PyPI cannot be reached here):
#   http://127.0.0.1:3141/simple/           PEP 503 pages, open
#   http://127.0.0.1:3141/private/simple/   the same, only with the credentials in
#                                            $RIG_DIR/pyindex/credentials (user:password),
#                                            as a private index a build reaches through a
#                                            secret
# Wheels are made from the Debian trixie python3-* packages in ./packages (main.go says
# how) and kept in $RIG_DIR/pyindex/www: they are rebuilt only when the package list,
# main.go or the Debian versions change, so a second `make rig` is quick.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
. "$here/../lib.sh"
export SOURCE_DATE_EPOCH=1767225600
# shellcheck source=../images/lib-rootfs.sh
. "$here/../images/lib-rootfs.sh"

PYINDEX_ADDR=127.0.0.1:3141
work="$RIG_DIR/pyindex"
mkdir -p "$work" "$RUN_DIR"

# The server binary, by the hash of its source (daemons run only rig binaries).
src_hash="$(sha256sum "$here/main.go" | cut -c1-12)"
bin="$RIG_DIR/bin/pyindex-$src_hash/pyindex"
if [[ ! -x "$bin" ]]; then
  log "pyindex: building the index server"
  mkdir -p "${bin%/*}"
  (cd "$REPO_ROOT" && go build -o "$bin.tmp" ./integration/rig/pyindex) && mv -f "$bin.tmp" "$bin"
fi

# The wheels: fetch the packages' current versions; rebuild when anything changed.
deb_setup amd64
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages")
mapfile -t specs < <(deb_candidates "${wanted[@]}")
((${#specs[@]} == ${#wanted[@]})) || die "pyindex: not all of ${wanted[*]} found in Debian $DEBIAN_SUITE"
stamp="$(printf '%s\n' "$src_hash" "$SOURCE_DATE_EPOCH" "${specs[@]}" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$work/www.stamp" 2>/dev/null)" != "$stamp" || ! -f "$work/www/simple/index.html" ]]; then
  log "pyindex: making wheels from ${#specs[@]} Debian packages"
  mapfile -t debs < <(deb_fetch "${specs[@]}")
  ((${#debs[@]} == ${#specs[@]})) || die "pyindex: download failed"
  rm -rf "$work/unpack" "$work/www.new"
  dirs=()
  for deb in "${debs[@]}"; do
    d="$work/unpack/$(dpkg-deb -f "$deb" Package)"
    mkdir -p "$d"
    dpkg -x "$deb" "$d"
    dirs+=("$d")
  done
  "$bin" build -out "$work/www.new" -epoch "$SOURCE_DATE_EPOCH" "${dirs[@]}"
  rm -rf "$work/www" "$work/unpack"
  mv "$work/www.new" "$work/www"
  echo "$stamp" >"$work/www.stamp"
fi

# The private index's credentials: made once per rig, read by the tests.
if [[ ! -s "$work/credentials" ]]; then
  (umask 077 && printf 'appbuild:%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$work/credentials")
fi

pyindex_up() { curl -fs -o /dev/null --max-time 2 "http://$PYINDEX_ADDR/simple/flask/"; }
if daemon_runs_binary pyindex "$bin" && pyindex_up; then
  log "pyindex: up on http://$PYINDEX_ADDR/simple/"
  exit 0
fi
stop_daemon pyindex
log "pyindex: starting on $PYINDEX_ADDR"
start_daemon pyindex "$bin" serve -dir "$work/www" -addr "$PYINDEX_ADDR" -credentials "$work/credentials"
sleep 0.5   # setsid execs the server: give it a moment before its pid is checked
wait_ready pyindex 10 pyindex_up
log "pyindex: up on http://$PYINDEX_ADDR/simple/ ($(find "$work/www/files" -name '*.whl' | wc -l) wheels)"
