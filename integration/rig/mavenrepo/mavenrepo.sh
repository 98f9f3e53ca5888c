#!/usr/bin/env bash
# The rig's local Maven repository on http://127.0.0.1:3142/maven2/ (Maven Central
# cannot be reached here). Made from Debian trixie's packaged Maven plugins and
# libraries (./packages, with what apt resolves for them): their /usr/share/maven-repo
# trees merged, every symbolic link replaced by the file it names (Debian links the
# repository's jars to /usr/share/java), in $RIG_DIR/mavenrepo/www; remade only when
# the list, the server or a Debian version changes. Builds use it as a mirror in Maven's
# settings (examples/java-maven: dependencies.index), as a team uses a private mirror.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
. "$here/../lib.sh"
export SOURCE_DATE_EPOCH=1767225600
# shellcheck source=../images/lib-rootfs.sh
. "$here/../images/lib-rootfs.sh"

MAVENREPO_ADDR=127.0.0.1:3142
work="$RIG_DIR/mavenrepo"
mkdir -p "$work" "$RUN_DIR"

src_hash="$(sha256sum "$here/main.go" | cut -c1-12)"
bin="$RIG_DIR/bin/mavenrepo-$src_hash/mavenrepo"
if [[ ! -x "$bin" ]]; then
  log "mavenrepo: building the repository server"
  mkdir -p "${bin%/*}"
  (cd "$REPO_ROOT" && go build -o "$bin.tmp" ./integration/rig/mavenrepo) && mv -f "$bin.tmp" "$bin"
fi

deb_setup amd64
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages")
mapfile -t specs < <(deb_resolve "${wanted[@]}")
((${#specs[@]} >= ${#wanted[@]})) || die "mavenrepo: apt resolved no packages"
stamp="$(printf '%s\n' "$src_hash" "${specs[@]}" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$work/www.stamp" 2>/dev/null)" != "$stamp" || ! -d "$work/www/org" ]]; then
  log "mavenrepo: making the repository from ${#specs[@]} Debian packages"
  mapfile -t debs < <(deb_fetch "${specs[@]}")
  ((${#debs[@]} == ${#specs[@]})) || die "mavenrepo: download failed"
  root="$work/unpack"
  rm -rf "$root" "$work/www.new"
  mkdir -p "$root"
  usrmerge_links "$root" amd64
  for deb in "${debs[@]}"; do
    dpkg -x "$deb" "$root"
  done
  [[ -d "$root/usr/share/maven-repo" ]] || die "mavenrepo: no /usr/share/maven-repo in the packages"
  # Absolute links name paths of the unpacked tree: make them relative inside it, so
  # that cp -L copies what they name.
  find "$root/usr/share" -type l -print0 | while IFS= read -r -d '' l; do
    t="$(readlink "$l")"
    if [[ "$t" == /* ]]; then ln -sfnr "$root$t" "$l"; fi
  done
  cp -RL "$root/usr/share/maven-repo" "$work/www.new" 2>"$work/copy.log" ||
    log "mavenrepo: some links name files no package ships (see $work/copy.log)"
  rm -rf "$work/www" "$root"
  mv "$work/www.new" "$work/www"
  echo "$stamp" >"$work/www.stamp"
fi

mavenrepo_up() { curl -fs -o /dev/null --max-time 2 "http://$MAVENREPO_ADDR/maven2/org/apache/maven/plugins/"; }
if daemon_runs_binary mavenrepo "$bin" && mavenrepo_up; then
  log "mavenrepo: up on http://$MAVENREPO_ADDR/maven2/"
  exit 0
fi
stop_daemon mavenrepo
log "mavenrepo: starting on $MAVENREPO_ADDR"
start_daemon mavenrepo "$bin" -dir "$work/www" -addr "$MAVENREPO_ADDR"
sleep 0.5
wait_ready mavenrepo 10 mavenrepo_up
log "mavenrepo: up on http://$MAVENREPO_ADDR/maven2/ ($(find "$work/www" -name '*.jar' | wc -l) jars)"
