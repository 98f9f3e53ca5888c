#!/usr/bin/env bash
# Stage the Java build stand-ins for one architecture (see ./Dockerfile):
#   CONTEXT/jre-ARCH.tar     eclipse-temurin:21-jre: the debian:trixie-slim stand-in's root
#                            filesystem (staged by ../debian-slim/rootfs.sh) plus the [jre]
#                            packages of ./packages and what apt resolves for them
#   CONTEXT/maven-ARCH.tar   maven:3.9-eclipse-temurin-21: the same plus the [maven] ones
# Packages are unpacked without maintainer scripts and recorded in the dpkg database; the
# effects that matter are reproduced: the alternatives links (java, javac, mvn...), the
# /opt/java/openjdk link upstream's JAVA_HOME names, and the slim image's excludes.
# Usage: rootfs.sh ARCH STAGE_DIR CONTEXT_DIR   (run by ../../images.sh)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lib.sh
. "$here/../../lib.sh"
# shellcheck source=../lib-rootfs.sh
. "$here/../lib-rootfs.sh"

arch=$1 stage=$2 context=$3

# The slim base, staged by its own recipe into this image's stage directory.
mkdir -p "$stage/slim" "$stage/slim-context"
"$here/../debian-slim/rootfs.sh" "$arch" "$stage/slim" "$stage/slim-context"
root="$stage/slim/rootfs"
# Resolve against the slim root's dpkg database: only what it lacks is added.
deb_setup "$arch"
APT_ARGS+=(-o "Dir::State::status=$root/var/lib/dpkg/status")

# add FLAVOR: unpack the packages under [FLAVOR] in ./packages and what they need that
# ROOT lacks, reproduce their maintainer scripts' effects and pack ROOT as
# CONTEXT/FLAVOR-ARCH.tar.
add() {
  local flavor=$1 jvm tool
  deb_get closure "$here/packages" "$flavor"
  deb_install "$root" "$arch" "${DEBS[@]}"

  # update-alternatives (java-common, openjdk's postinst): every tool of the JVM in
  # /usr/bin; maven's: /usr/bin/mvn. Upstream's JAVA_HOME is /opt/java/openjdk.
  jvm="$(cd "$root/usr/lib/jvm" && ls -d java-*-openjdk-"$arch" | head -n1)"
  [[ -x "$root/usr/lib/jvm/$jvm/bin/java" ]] || die "maven/$arch: no JVM in /usr/lib/jvm"
  for tool in "$root/usr/lib/jvm/$jvm"/bin/*; do
    ln -sfn "/usr/lib/jvm/$jvm/bin/${tool##*/}" "$root/usr/bin/${tool##*/}"
  done
  install -d -m 0755 "$root/opt/java"
  ln -sfn "/usr/lib/jvm/$jvm" "$root/opt/java/openjdk"
  if [[ -x "$root/usr/share/maven/bin/mvn" ]]; then
    ln -sfn ../share/maven/bin/mvn "$root/usr/bin/mvn"
  fi
  # The slim image's dpkg excludes, applied to the new files.
  slim_excludes "$root"
  pack_layer "$root" "$context/$flavor-$arch.tar"
}

add jre
add maven
