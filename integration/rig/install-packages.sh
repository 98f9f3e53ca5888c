#!/usr/bin/env bash
# Install the Debian packages the rig needs and enable foreign-architecture emulation.
#   runc                       OCI runtime for buildkitd's OCI worker (RUN steps)
#   qemu-user-static, binfmt-support
#                              run linux/arm64 build steps on this amd64 host
#   podman                     run the images we build (there is no Docker engine here)
#   curl, ca-certificates      probes of the local registry, HTTPS for apt
# Plus a docker CLI (client only) when none is installed: docker buildx needs it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(runc qemu-user-static binfmt-support podman curl ca-certificates)

[[ $(id -u) -eq 0 ]] || die "install-packages.sh must run as root (apt-get, binfmt_misc)"

export DEBIAN_FRONTEND=noninteractive
# Another apt run may be in progress on a fresh machine: wait for its lock instead of failing.
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=600)

installed() { [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]; }

apt_updated=false
apt_update_once() {
  $apt_updated && return 0
  log "apt-get update"
  apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null
  apt_updated=true
}

# --- Debian packages (skip when all are installed) --------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
if ((${#missing[@]})); then
  apt_update_once
  log "apt-get install ${missing[*]}"
  mark_built installed
  apt-get install "${APT_OPTS[@]}" "${missing[@]}" >/dev/null
fi

# --- npm ------------------------------------------------------------------------------
# The node stand-ins are fetched with `npm pack`; machines of this kind have Node.js and
# npm, a bare Debian one may not.
if ! have npm; then
  apt_update_once
  log "apt-get install npm"
  apt-get install "${APT_OPTS[@]}" --no-install-recommends npm >/dev/null
fi

# --- docker CLI ------------------------------------------------------------------------
# Only the client is needed (buildx talks to our buildkitd through the "remote" driver).
# Debian >= 13 ships it alone as docker-cli; Debian 12 only has docker.io, which also
# brings dockerd, containerd and a service we do not want, so from it we take the client
# binary only and put it in the rig's bin directory.
if ! have docker; then
  apt_update_once
  if [[ "$(apt-cache policy docker-cli 2>/dev/null | awk '/Candidate:/{print $2}')" =~ ^[0-9] ]]; then
    log "apt-get install docker-cli"
    apt-get install "${APT_OPTS[@]}" --no-install-recommends docker-cli >/dev/null
  else
    ver="$(apt-cache policy docker.io | awk '/Candidate:/{print $2}')"
    [[ "$ver" =~ ^[0-9] ]] || die "no docker CLI package found (docker-cli, docker.io)"
    dest="$RIG_DIR/bin/docker-cli-${ver//[:+~]/_}"
    if [[ ! -x "$dest/docker" ]]; then
      log "extracting the docker client from docker.io $ver"
      tmp="$(mktemp -d)"
      (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "docker.io=$ver" >/dev/null && dpkg -x docker.io_*.deb root)
      mkdir -p "$dest"
      install -m 0755 "$tmp/root/usr/bin/docker" "$dest/docker"
      rm -rf "$tmp"
    fi
    ln -sfn "${dest#"$RIG_DIR/bin/"}/docker" "$RIG_DIR/bin/docker"
  fi
fi

# --- binfmt_misc -------------------------------------------------------------------------
# qemu-user-static registers its formats with binfmt-support; enable them in the kernel
# (update-binfmts mounts binfmt_misc if needed). Only the qemu-* formats are enabled:
# other packages' handlers (jar, python...) are left as they are.
for fmt in $(update-binfmts --display 2>/dev/null | awk -F'[ (]' '/^qemu-/{print $1}'); do
  [[ -e /proc/sys/fs/binfmt_misc/$fmt ]] && continue   # already enabled
  update-binfmts --enable "$fmt" || log "warning: could not enable binfmt $fmt"
done
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || die "binfmt qemu-aarch64 is not enabled: arm64 builds would fail"
