#!/usr/bin/env bash
# Stop the rig's daemons (buildkitd, then the registry). Everything else stays:
# binaries, registry storage, BuildKit cache, staged images, the buildx builder entry.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stop_daemon pyindex
stop_daemon cargoreg
stop_daemon mavenrepo
stop_daemon buildkitd
stop_daemon registry
log "rig stopped (caches kept in $RIG_DIR)"
