#!/usr/bin/env bash
# make test: every test, with the rig brought up in tiers so that the first tests start
# after the core (buildkitd, registry, buildx, the Go stand-ins, the frontend image):
#   1. the core tier (what the Go tests need);
#   2. the rest of the test tier in the background (Python/Node/Java/Rust/static
#      stand-ins, package servers, Trivy, Compose), while vet and the tests run; a test
#      that needs a piece still building waits for it (integration/main_test.go,
#      needTier; every piece is locked);
#   3. the examples' own tests and the bounded fuzzers.
# Nothing only `make bench` uses (python:3.13-slim) is built: APPBUILD_MAX_TIER=test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=../integration/rig/env.sh
. integration/rig/env.sh
FUZZTIME="${FUZZTIME:-30s}"
# One rig run for the whole command: the Debian lists are refreshed once.
export RIG_RUN_ID="${RIG_RUN_ID:-make-test-$(date -u +%Y%m%dT%H%M%SZ)-$$}"
export APPBUILD_MAX_TIER=test

start=$SECONDS
integration/rig/up.sh core
mkdir -p "$RIG_DIR/run"
prefetch_log="$RIG_DIR/run/prefetch-test.log"
echo "== the rest of the test tier in the background (log: $prefetch_log)"
integration/rig/up.sh test >"$prefetch_log" 2>&1 &
prefetch=$!
# A failing test must not leave the prefetch running into the next command.
trap 'kill "$prefetch" 2>/dev/null || true' EXIT

status=0
go vet ./... || status=1
# The integration tests that need only the core run first, while the prefetch builds
# the other tiers; then the rest, each waiting only for its own tier's pieces.
core_tests="$(awk '/^func Test/ { name = substr($2, 1, index($2, "(") - 1) }
  /needTier\(t, "go"\)/ { print name }' integration/*_test.go | sort -u | paste -sd'|')"
go test -count=1 -timeout 30m $(go list ./... | grep -v '/integration$') || status=1
go test -count=1 -timeout 30m -run "^($core_tests)\$" ./integration || status=1
go test -count=1 -timeout 80m -skip "^($core_tests)\$" ./integration || status=1
(cd examples/go-hello && go test -count=1 ./...) || status=1
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime "$FUZZTIME" ./spec || status=1
go test -run '^$' -fuzz '^FuzzPythonUVLock$' -fuzztime "$FUZZTIME" ./profiles || status=1
# One value into every string field of a spec, checked through LLB, eject and compose.
go test -run '^$' -fuzz '^FuzzRender$' -fuzztime "$FUZZTIME" ./spec || status=1
go test -run '^$' -fuzz '^FuzzLiteral$' -fuzztime 10s ./eject || status=1

if ! wait "$prefetch"; then
  echo "the test tier's prefetch failed:" >&2
  tail -n 40 "$prefetch_log" >&2
  status=1
fi
trap - EXIT
echo "== the rig's pieces, core then the rest of the test tier ($RIG_DIR/run/timings/$RIG_RUN_ID-*.txt)"
cat "$RIG_DIR/run/timings/$RIG_RUN_ID"-*.txt
echo "== make test: $((SECONDS - start))s, exit $status"
exit "$status"
