#!/usr/bin/env bash
# piece.sh NAME CMD [ARGS...]: run one piece of the rig (a tool compile, a stand-in image,
# a daemon...) for tiers.mk, and record what it cost.
#
# - One at a time per piece, across processes: a test that needs the python tier waits
#   for a `make test` prefetch that is building the same image instead of building it
#   twice (flock on $RUN_DIR/locks/NAME.lock). Different pieces run side by side.
# - Its output goes to $RUN_DIR/pieces/NAME.log; on failure the end of it is shown.
# - One line "NAME SECONDS STATE" is appended to $RIG_TIMINGS (set by up.sh): STATE is
#   what the piece said it did through mark_built (built, started...), else "reused".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name=$1; shift
mkdir -p "$RUN_DIR/locks" "$RUN_DIR/pieces"
piece_log="$RUN_DIR/pieces/$name.log"
export RIG_PIECE_MARK="$RUN_DIR/pieces/$name.state"

exec 8>"$RUN_DIR/locks/$name.lock"
flock 8
rm -f "$RIG_PIECE_MARK"
start=$SECONDS
if ! "$@" 8>&- >"$piece_log" 2>&1; then
  tail -n 40 "$piece_log" >&2
  printf '%s\t%s\t%s\n' "$name" "$((SECONDS - start))" failed >>"${RIG_TIMINGS:-/dev/null}"
  die "$name failed (log: $piece_log)"
fi
state=reused
[[ -s "$RIG_PIECE_MARK" ]] && state="$(<"$RIG_PIECE_MARK")"
printf '%s\t%s\t%s\n' "$name" "$((SECONDS - start))" "$state" >>"${RIG_TIMINGS:-/dev/null}"
[[ $state == reused ]] || log "$name: $state in $((SECONDS - start))s"
