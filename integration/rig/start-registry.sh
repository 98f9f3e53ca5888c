#!/usr/bin/env bash
# Start the local OCI registry (distribution v3) on 127.0.0.1:5000 with filesystem
# storage in $RIG_DIR/registry, unless it already answers. buildkitd mirrors docker.io
# and gcr.io to it, so it holds the stand-in base images and the frontend image.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin="$RIG_DIR/bin/registry-$REGISTRY_VERSION-fs/registry"   # the filesystem-only build (../tools/registry)
[[ -x "$bin" ]] || die "registry binary missing: run build-tools.sh"
mkdir -p "$RIG_DIR/registry" "$RUN_DIR"

config_changed=false
write_if_changed "$RIG_DIR/registry.yml" <<EOF && config_changed=true
# Written by integration/rig/start-registry.sh; edits are overwritten.
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $RIG_DIR/registry
  delete:
    enabled: true
http:
  addr: $APPBUILD_REGISTRY
  # One local instance: a fixed secret only silences the "no HTTP secret" warning.
  secret: appbuild-rig-local
EOF

# Restart when the config or the pinned binary changed under a running registry.
if daemon_pid registry >/dev/null && { $config_changed || ! daemon_runs_binary registry "$bin"; }; then
  stop_daemon registry
fi

if registry_up; then
  daemon_pid registry >/dev/null ||
    log "warning: something not started by the rig already serves $APPBUILD_REGISTRY; using it"
  exit 0
fi

log "starting registry on $APPBUILD_REGISTRY"
mark_built started
# OTEL_TRACES_EXPORTER=none: distribution v3 otherwise tries to export traces to an
# OTLP collector that does not exist here and fills the log with errors.
OTEL_TRACES_EXPORTER=none start_daemon registry "$bin" serve "$RIG_DIR/registry.yml"
wait_ready registry 30 registry_up
