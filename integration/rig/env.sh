# shellcheck shell=bash
# Environment of the appbuild test rig. Source it (tests, the Makefile and every rig
# script do):  . integration/rig/env.sh
#
# It only sets variables; it never starts anything and never changes shell options,
# so it is safe to source into an interactive shell.

# All rig state (binaries, registry storage, buildkitd state, logs) lives here, so
# deleting this one directory resets the rig and nothing else on the machine.
export RIG_DIR="${APPBUILD_RIG_DIR:-$HOME/.cache/appbuild-rig}"

# The rig's own binaries (buildkitd, buildctl, registry, docker-buildx) come first so
# the pinned versions win over anything else installed on the machine.
case "$PATH" in
  "$RIG_DIR/bin:"*) ;;
  *) export PATH="$RIG_DIR/bin:$PATH" ;;
esac

# Where buildctl, docker buildx (through the builder "appbuild") and tests reach buildkitd.
export BUILDKIT_HOST="unix://$RIG_DIR/run/buildkitd.sock"

# The local registry. buildkitd uses it as the mirror of docker.io and gcr.io, so
# images pushed here under upstream paths stand in for the real ones.
export APPBUILD_REGISTRY="127.0.0.1:5000"
