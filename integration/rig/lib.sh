# shellcheck shell=bash disable=SC2034 # its variables are used by the scripts sourcing it
# Helpers shared by the rig scripts. Sourced, never run: each script starts with
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RIG_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"   # integration/rig
REPO_ROOT="$(cd "$RIG_SRC/../.." && pwd)"
TOOLS_MOD="$REPO_ROOT/integration/tools"                  # Go module pinning the tools

# shellcheck source=env.sh
. "$RIG_SRC/env.sh"

# --- Pinned versions ---------------------------------------------------------------
# Bumping one of these rebuilds that tool into a new $RIG_DIR/bin/<tool>-<version>
# directory (and updates integration/tools/go.mod, which must then be committed).
BUILDKIT_VERSION=v0.34.2
REGISTRY_VERSION=v3.1.2
BUILDX_VERSION=v0.38.2
# Go release inside the golang:1.26 stand-in image.
GOLANG_IMAGE_VERSION=1.26.8

RUN_DIR="$RIG_DIR/run"            # sockets, pid files, logs
REGISTRY_URL="http://$APPBUILD_REGISTRY"

# The rig scripts need Go to build the tools; Debian's layout puts it in /usr/local/go.
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  PATH="$PATH:/usr/local/go/bin"
fi

# --- Logging -----------------------------------------------------------------------
log()  { printf '[rig] %s\n' "$*" >&2; }
die()  { printf '[rig] error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# mark_built [STATE]: tell piece.sh (which runs every piece of tiers.mk) that this piece
# did work this time (built, pushed, started...), for the timing table; a piece that
# never calls it is reported "reused".
mark_built() {
  [[ -z "${RIG_PIECE_MARK:-}" ]] || printf '%s\n' "${1:-built}" >"$RIG_PIECE_MARK"
}

# --- Files -------------------------------------------------------------------------
# write_if_changed FILE < content: replace FILE only when the content differs, so
# callers can tell (exit status 0 = changed) whether a daemon must reload it.
write_if_changed() {
  local file=$1 tmp
  tmp="$(mktemp "$file.XXXXXX")"
  cat >"$tmp"
  if [[ -f "$file" ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file"
  return 0
}

# --- Background daemons --------------------------------------------------------------
# Each daemon NAME has $RUN_DIR/NAME.pid and $RUN_DIR/NAME.log. Only processes whose
# pid file we wrote and whose executable is the expected binary are ever signalled.

# daemon_pid NAME: print the pid of NAME when it is alive and runs a rig binary.
daemon_pid() {
  local pidfile="$RUN_DIR/$1.pid" pid exe
  [[ -f "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  # A recycled pid would point at some other program: only trust our own binaries.
  [[ "$exe" == "$(readlink -f "$RIG_DIR/bin")/"* ]] || return 1
  printf '%s\n' "$pid"
}

# daemon_runs_binary NAME BINARY: true when NAME is alive and runs exactly BINARY
# (false after a version bump, so the caller restarts it on the new binary).
daemon_runs_binary() {
  local pid exe
  pid="$(daemon_pid "$1")" || return 1
  exe="$(readlink "/proc/$pid/exe")"
  [[ "$exe" == "$(readlink -f "$2")" ]]
}

# start_daemon NAME CMD [ARGS...]: start CMD in the background, detached from the
# caller's session (setsid) so it outlives `make` and the terminal. fd 9 (up.sh's lock)
# is closed so that the daemon does not hold the lock for its whole life.
start_daemon() {
  local name=$1; shift
  mkdir -p "$RUN_DIR"
  printf '\n=== %s: starting %s\n' "$(date -u +%FT%TZ)" "$*" >>"$RUN_DIR/$name.log"
  setsid "$@" </dev/null >>"$RUN_DIR/$name.log" 2>&1 9>&- &
  echo "$!" >"$RUN_DIR/$name.pid"
}

# stop_daemon NAME: SIGTERM, wait up to 15 s, then SIGKILL.
stop_daemon() {
  local name=$1 pid i
  if pid="$(daemon_pid "$name")"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop in 15 s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# wait_ready NAME SECONDS CMD [ARGS...]: poll CMD until it succeeds; fail early with the
# end of the daemon's log when the daemon dies or time runs out.
wait_ready() {
  local name=$1 seconds=$2 i; shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! daemon_pid "$name" >/dev/null; then
      tail -n 30 "$RUN_DIR/$name.log" >&2 || true
      die "$name exited during startup (log: $RUN_DIR/$name.log)"
    fi
    sleep 0.2
  done
  tail -n 30 "$RUN_DIR/$name.log" >&2 || true
  die "$name not ready after ${seconds}s (log: $RUN_DIR/$name.log)"
}

# --- Registry / buildkitd probes -------------------------------------------------------
registry_up()  { curl -fs -o /dev/null --max-time 2 "$REGISTRY_URL/v2/"; }
buildkitd_up() { buildctl debug workers >/dev/null 2>&1; }

# registry_has REPO:TAG: the local registry serves a manifest (or index) for it.
registry_has() {
  local repo=${1%:*} tag=${1##*:}
  curl -fs -o /dev/null --max-time 5 -I \
    -H 'Accept: application/vnd.oci.image.index.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "$REGISTRY_URL/v2/$repo/manifests/$tag"
}

require_daemons() {
  registry_up  || die "the registry on $APPBUILD_REGISTRY is not answering: run 'make rig' first"
  buildkitd_up || die "buildkitd ($BUILDKIT_HOST) is not answering: run 'make rig' first"
}
