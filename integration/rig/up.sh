#!/usr/bin/env bash
# Bring up the tiers of the rig that a command needs: install what is missing, build what
# is not built, start what is down, print a timing table and a self-check.
#   up.sh [TIER...]     (default: all; tiers.mk lists them: demo go python node java
#                        rust static scan compose test bench all)
# `make rig` is `up.sh all`, `make demo` `up.sh demo`; the integration tests call
# `up.sh TIER` for the tier they need (integration/tiers_test.go). Every piece is
# idempotent and locked on its own, so runs for different tiers can overlap: the second
# waits only for the pieces both need.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

tiers=("$@")
((${#tiers[@]})) || tiers=(all)
mkdir -p "$RUN_DIR"

# One id per run: the Debian package lists are refreshed once per run and architecture
# (images/lib-rootfs.sh), however many images stage from them.
export RIG_RUN_ID="${RIG_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}"
# This invocation's pieces (several up.sh of one run may overlap: make test's prefetch
# and the tests' own tiers).
mkdir -p "$RUN_DIR/timings"
export RIG_TIMINGS="$RUN_DIR/timings/$RIG_RUN_ID-$$.tsv"
: >"$RIG_TIMINGS"

# Compiles use both cores by themselves; the other pieces mostly wait on downloads,
# unpacking and pushes, so several run beside them.
jobs="${RIG_JOBS:-6}"
start=$SECONDS
status=0
make --no-print-directory -f "$here/tiers.mk" -j "$jobs" "${tiers[@]}" || status=$?

# The timing table: what each piece cost in this run, longest first. Kept as
# $RUN_DIR/timings.txt (the last run; every run's in timings/) so the next regression
# is visible.
{
  printf 'rig %s (%s): %ss wall, %s jobs, exit %s\n' "${tiers[*]}" "$RIG_RUN_ID" "$((SECONDS - start))" "$jobs" "$status"
  printf '  %-26s %8s %8s  %s\n' piece seconds cpu state
  sort -t$'\t' -k2,2nr "$RIG_TIMINGS" | awk -F'\t' '{ printf "  %-26s %8s %8s  %s\n", $1, $2, $3, $4; cpu += $3 }
    END { printf "  %-26s %8s %8s\n", "(cpu of the pieces)", "", cpu }'
} | tee "${RIG_TIMINGS%.tsv}.txt" "$RUN_DIR/timings.txt" >&2
((status == 0)) || die "rig ${tiers[*]} failed (the piece's log is shown above)"

"$here/check.sh" "${tiers[@]}"
log "rig ${tiers[*]} up in $((SECONDS - start))s; in a shell: . integration/rig/env.sh"
