#!/usr/bin/env bash
# pkgserver/up.sh FORMAT: make and start one of the rig's local package repositories
# (PyPI, the crates registry and Maven Central cannot be reached here):
#   python  http://127.0.0.1:3141/simple/ (PEP 503 pages; wheels at /files/), and the
#           same at /private/simple/ only with the credentials in
#           $RIG_DIR/pyindex/credentials (user:password), as a private index a build
#           reaches through a secret
#   cargo   sparse+http://127.0.0.1:3143/index/ (config.json names the downloads,
#           /crates/)
#   maven   http://127.0.0.1:3142/maven2/
# Each is made by pkgserver (doc.go says how) from the Debian trixie packages in
# packages/FORMAT, kept in $RIG_DIR/NAME/www (NAME: pyindex, cargoreg, mavenrepo) and
# remade only when the list, the builder's sources or a Debian version changes. Its
# server is the daemon NAME (lib.sh: $RUN_DIR/NAME.pid, and NAME.log with one line per
# request, "METHOD PATH: STATUS"), restarted only when its binary changed or it is down.
# The timing table says "built" when the repository was remade, else "started" when
# the server was (re)started, else "reused".
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
. "$here/../lib.sh"
export SOURCE_DATE_EPOCH=1767225600
# shellcheck source=../images/lib-rootfs.sh
. "$here/../images/lib-rootfs.sh"

format=${1:-}
case "$format" in
  python)
    name=pyindex addr=127.0.0.1:3141 probe=/simple/flask/ url=http://127.0.0.1:3141/simple/
    unit=wheels pattern='*.whl'
    serve_args=(-credentials "$RIG_DIR/pyindex/credentials" -private-prefix /private/) ;;
  cargo)
    name=cargoreg addr=127.0.0.1:3143 probe=/index/config.json url=sparse+http://127.0.0.1:3143/index/
    unit=crates pattern='*.crate'
    serve_args=(-cargo-config) ;;
  maven)
    name=mavenrepo addr=127.0.0.1:3142 probe=/maven2/org/apache/maven/plugins/ url=http://127.0.0.1:3142/maven2/
    unit=jars pattern='*.jar'
    serve_args=(-prefix /maven2/) ;;
  *) die "usage: pkgserver/up.sh python|cargo|maven" ;;
esac
work="$RIG_DIR/$name"
mkdir -p "$work" "$RUN_DIR"

# The binary, by the hash of its sources (daemons run only rig binaries; the three
# servers share it). The repositories are keyed by the builder's sources only: every
# file but the server's.
toml="$(grep -h 'pelletier/go-toml' "$REPO_ROOT/go.mod")"   # the one dependency
all=() builder=()
for f in "$here"/*.go; do
  [[ "$f" == *_test.go ]] && continue
  all+=("$f")
  [[ "$f" == */serve.go ]] || builder+=("$f")
done
src_hash="$({ cat "${all[@]}"; echo "$toml"; } | sha256sum | cut -c1-12)"
build_hash="$({ cat "${builder[@]}"; echo "$toml"; } | sha256sum | cut -c1-12)"
bin="$RIG_DIR/bin/pkgserver-$src_hash/pkgserver"
if [[ ! -x "$bin" ]]; then
  mkdir -p "${bin%/*}"
  # The three repositories are made side by side: one compiles, the others wait.
  (
    flock 7
    if [[ ! -x "$bin" ]]; then
      log "pkgserver: building the package server"
      (cd "$REPO_ROOT" && go build -o "$bin.tmp" ./integration/rig/pkgserver) && mv -f "$bin.tmp" "$bin"
    fi
  ) 7>"${bin%/*}/build.lock"
fi

# The packages, at the versions apt would install now. apt takes seconds to resolve
# them; the answer changes only with the lists (their Release files pin every Packages
# file), the package list or this script, so it is kept in $work/specs.
deb_setup amd64
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages/$format")
resolve_key="$(cat "$here/up.sh" "$here/packages/$format" "$DEB_WORK"/lists/*Release | sha256sum | cut -d' ' -f1)"
if [[ "$(head -n1 "$work/specs" 2>/dev/null)" == "$resolve_key" ]]; then
  mapfile -t specs < <(tail -n +2 "$work/specs")
else
  case "$format" in
    python) # exactly the listed packages: one distribution each
      mapfile -t specs < <(deb_candidates "${wanted[@]}")
      ((${#specs[@]} == ${#wanted[@]})) || die "$name: not all of ${wanted[*]} found in Debian $DEBIAN_SUITE" ;;
    cargo) # the listed crates and every crate they depend on (librust-*-dev only)
      mapfile -t specs < <(deb_resolve "${wanted[@]}" | grep '^librust-') ;;
    maven) # the plugins and everything apt installs with them (their Maven dependencies)
      mapfile -t specs < <(deb_resolve "${wanted[@]}") ;;
  esac
  ((${#specs[@]} >= ${#wanted[@]})) || die "$name: apt resolved ${#specs[@]} packages for ${wanted[*]}"
  printf '%s\n' "$resolve_key" "${specs[@]}" >"$work/specs.new"
  mv -f "$work/specs.new" "$work/specs"
fi

stamp="$(printf '%s\n' "$build_hash" "$format" "$SOURCE_DATE_EPOCH" "${specs[@]}" | sha256sum | cut -d' ' -f1)"
built=false
if [[ "$(cat "$work/www.stamp" 2>/dev/null)" != "$stamp" || ! -d "$work/www" ]]; then
  log "$name: making the repository from ${#specs[@]} Debian packages"
  mapfile -t debs < <(deb_fetch "${specs[@]}")
  ((${#debs[@]} == ${#specs[@]})) || die "$name: download failed"
  root="$work/unpack"
  rm -rf "$root" "$work/www.new"
  mkdir -p "$root"
  if [[ "$format" == python ]]; then
    # One directory per package: each holds one distribution.
    inputs=()
    for deb in "${debs[@]}"; do
      d="$root/$(dpkg-deb -f "$deb" Package)"
      mkdir -p "$d"
      dpkg -x "$deb" "$d"
      inputs+=("$d")
    done
  else
    # One system: links between the packages' files resolve inside it.
    usrmerge_links "$root" amd64
    for deb in "${debs[@]}"; do
      dpkg -x "$deb" "$root"
    done
    inputs=("$root")
  fi
  "$bin" "build-$format" -out "$work/www.new" -epoch "$SOURCE_DATE_EPOCH" "${inputs[@]}"
  rm -rf "$work/www" "$root"
  mv "$work/www.new" "$work/www"
  echo "$stamp" >"$work/www.stamp"
  built=true
  mark_built built
fi

if [[ "$format" == python && ! -s "$work/credentials" ]]; then
  # The private index's credentials: made once per rig, read by the tests.
  (umask 077 && printf 'appbuild:%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$work/credentials")
fi

server_up() { curl -fs -o /dev/null --max-time 2 "http://$addr$probe"; }
if daemon_runs_binary "$name" "$bin" && server_up; then
  log "$name: up on $url"
  exit 0
fi
stop_daemon "$name"
log "$name: starting on $addr"
$built || mark_built started
start_daemon "$name" "$bin" serve -dir "$work/www" -addr "$addr" "${serve_args[@]}"
sleep 0.5   # setsid execs the server: give it a moment before its pid is checked
wait_ready "$name" 10 server_up
log "$name: up on $url ($(find "$work/www" -name "$pattern" | wc -l) $unit)"
