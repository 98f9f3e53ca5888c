#!/usr/bin/env bash
# piece.sh NAME CMD [ARGS...]: run one piece of the rig (a tool compile, a stand-in image,
# a daemon...) for tiers.mk, and record what it cost.
#
# - One at a time per piece, across processes: a test that needs the python tier waits
#   for a `make test` prefetch that is building the same image instead of building it
#   twice (flock on $RUN_DIR/locks/NAME.lock). Different pieces run side by side.
# - Its output goes to $RUN_DIR/pieces/NAME.log; on failure the end of it is shown.
# - One line "NAME SECONDS CPU STATE" is appended to $RIG_TIMINGS (set by up.sh): CPU is
#   the user+system seconds of the piece's own processes (what buildkitd spends on a
#   push is not among them); STATE is what the piece said it did through mark_built
#   (built, started...), else "reused". Wall seconds of pieces that overlap add up to
#   more than the run; their CPU seconds show what the two cores were busy with.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name=$1; shift
mkdir -p "$RUN_DIR/locks" "$RUN_DIR/pieces"
piece_log="$RUN_DIR/pieces/$name.log"
export RIG_PIECE_MARK="$RUN_DIR/pieces/$name.state"
cpu_file="$RUN_DIR/pieces/$name.cpu"

# record STATE: the piece's line in the timing table.
record() {
  local cpu
  cpu="$(cat "$cpu_file" 2>/dev/null || echo '?')"
  printf '%s\t%s\t%s\t%s\n' "$name" "$((SECONDS - start))" "$cpu" "$1" >>"${RIG_TIMINGS:-/dev/null}"
}

exec 8>"$RUN_DIR/locks/$name.lock"
flock 8
rm -f "$RIG_PIECE_MARK" "$cpu_file"
start=$SECONDS
# The subshell's `times` reports its children's CPU (the second line: user, system).
if ! ( rc=0; "$@" 8>&- >"$piece_log" 2>&1 || rc=$?
       times | awk 'NR == 2 { print int(cpu($1) + cpu($2) + 0.5) }
         function cpu(t, m) { split(t, m, /[ms]/); return m[1] * 60 + m[2] }' >"$cpu_file"
       exit "$rc" ); then
  tail -n 40 "$piece_log" >&2
  record failed
  die "$name failed (log: $piece_log)"
fi
state=reused
[[ -s "$RIG_PIECE_MARK" ]] && state="$(<"$RIG_PIECE_MARK")"
record "$state"
[[ $state == reused ]] || log "$name: $state in $((SECONDS - start))s"
