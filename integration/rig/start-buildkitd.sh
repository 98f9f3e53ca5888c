#!/usr/bin/env bash
# Start buildkitd (OCI worker on runc, no containerd) on $RIG_DIR/run/buildkitd.sock,
# unless it already answers. Its config sends docker.io and gcr.io pulls to the local
# registry, so FROM golang:1.26 and the frontend's own image pulls resolve offline.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin="$RIG_DIR/bin/buildkit-$BUILDKIT_VERSION/buildkitd"
[[ -x "$bin" ]] || die "buildkitd binary missing: run build-tools.sh"
have runc || die "runc missing: run install-packages.sh"
mkdir -p "$RIG_DIR/buildkitd" "$RUN_DIR"

config_changed=false
write_if_changed "$RIG_DIR/buildkitd.toml" <<EOF && config_changed=true
# Written by integration/rig/start-buildkitd.sh; edits are overwritten.
root = "$RIG_DIR/buildkitd"

[grpc]
  address = ["${BUILDKIT_HOST}"]

[worker.oci]
  enabled = true
[worker.containerd]
  enabled = false

# The machines cannot reach any registry: upstream names resolve to the stand-ins.
[registry."docker.io"]
  mirrors = ["$APPBUILD_REGISTRY"]
[registry."gcr.io"]
  mirrors = ["$APPBUILD_REGISTRY"]
[registry."$APPBUILD_REGISTRY"]
  http = true
  insecure = true
EOF

# Restart when the config or the pinned binary changed under a running buildkitd.
if daemon_pid buildkitd >/dev/null && { $config_changed || ! daemon_runs_binary buildkitd "$bin"; }; then
  stop_daemon buildkitd
fi

if buildkitd_up; then
  daemon_pid buildkitd >/dev/null ||
    log "warning: a buildkitd not started by the rig answers on $BUILDKIT_HOST; using it"
  exit 0
fi

# A socket left by a killed buildkitd would make it refuse to listen.
rm -f "$RUN_DIR/buildkitd.sock"
log "starting buildkitd $BUILDKIT_VERSION"
mark_built started
start_daemon buildkitd "$bin" --config "$RIG_DIR/buildkitd.toml"
wait_ready buildkitd 60 buildkitd_up

# buildkitd lists the platforms it can emulate (found through binfmt_misc at startup).
if ! buildctl debug workers -v | grep -q 'linux/arm64'; then
  log "warning: buildkitd lists no linux/arm64 platform; is binfmt qemu-aarch64 enabled?"
fi
