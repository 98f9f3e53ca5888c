#!/usr/bin/env bash
# check.sh [TIER...]: print one line per piece of the rig the tiers use (what runs, which
# versions, what the registry holds) and exit non-zero when one is missing or down.
# Default: all. The tiers are tiers.mk's; the stand-in images each tier needs are read
# from images/list.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The tiers named, with the tiers they include (demo and go are the core every tier has).
declare -A want=([demo]=1)
for t in "${@:-all}"; do
  case "$t" in
    all | bench) want[bench]=1 ;&
    test) for t2 in python node java rust static scan compose; do want[$t2]=1; done ;;
    demo | go | core) ;;
    python | node | java | rust | static | scan | compose) want[$t]=1 ;;
    *) die "check.sh: unknown tier $t (tiers.mk lists them)" ;;
  esac
done
wants() { [[ -n "${want[$1]:-}" ]]; }

failed=0
line() { printf '  %-10s %s\n' "$1" "$2"; }
bad()  { line "$1" "FAIL: $2"; failed=1; }

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo missing; }
digest() {   # digest REPO:TAG, as the registry serves it (an index, or one manifest); "" if absent
  curl -fsI --max-time 5 \
    -H 'Accept: application/vnd.oci.image.index.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "$REGISTRY_URL/v2/${1%:*}/manifests/${1##*:}" 2>/dev/null |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }' || true
}

echo "appbuild rig ($RIG_DIR):"
binfmt=disabled
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] && binfmt=enabled
line packages "runc $(pkgver runc), qemu-user-static $(pkgver qemu-user-static), podman $(pkgver podman); binfmt qemu-aarch64 $binfmt"
[[ $binfmt == enabled ]] || failed=1

if have buildkitd && have buildctl && have registry && have docker; then
  line tools "buildkitd $(buildkitd --version | awk '{print $3}'), buildctl $(buildctl --version | awk '{print $3}'), registry $(registry --version | awk '{print $3}'), buildx $(docker buildx version | awk '{print $2}'), docker CLI $(docker --version | sed 's/^Docker version \([^,]*\).*/\1/')"
else
  bad tools "a tool is missing from $RIG_DIR/bin or PATH"
fi

if registry_up; then
  catalog="$(curl -fsS "$REGISTRY_URL/v2/_catalog" | sed -e 's/.*\[//' -e 's/\].*//' -e 's/"//g' -e 's/,/ /g')"
  line registry "$APPBUILD_REGISTRY up (pid $(daemon_pid registry || echo '?')); catalog: ${catalog:-empty}"
else
  bad registry "$APPBUILD_REGISTRY not answering"
fi

if buildkitd_up; then
  platforms="$(buildctl debug workers -v | awk '$1 == "Platforms:" { print $2; exit }')"
  line buildkitd "$BUILDKIT_HOST up (pid $(daemon_pid buildkitd || echo '?')); platforms: $platforms"
  [[ "$platforms" == *linux/arm64* ]] || bad buildkitd "linux/arm64 missing from the worker's platforms"
else
  bad buildkitd "$BUILDKIT_HOST not answering"
fi

# Every tag of every stand-in a wanted tier uses (images/list: recipe target tiers refs...).
while read -r _ _ tiers refs; do
  use=false
  for t in ${tiers//,/ }; do wants "$t" && use=true; done
  $use || continue
  for ref in $refs; do
    d="$(digest "$ref")"
    if [[ -n "$d" ]]; then line image "$ref $d"; else bad image "$ref not in the registry"; fi
  done
done < <(grep -v -e '^#' -e '^[[:space:]]*$' "$RIG_SRC/images/list")
if wants bench; then
  d="$(digest library/python:3.13-slim)"
  if [[ -n "$d" ]]; then line image "library/python:3.13-slim $d"; else bad image "library/python:3.13-slim not in the registry"; fi
fi

d="$(digest org/appbuild:latest)"
if [[ -n "$d" ]]; then line frontend "org/appbuild:latest $d"; else bad frontend "org/appbuild:latest not in the registry"; fi

# The local package repositories the examples install from: each answers on loopback,
# probed at the path its start script waits for.
for repo in "python pyindex 127.0.0.1:3141 /simple/flask/ /simple/" \
    "java mavenrepo 127.0.0.1:3142 /maven2/org/apache/maven/plugins/ /maven2/" \
    "rust cargoreg 127.0.0.1:3143 /index/config.json /index/"; do
  read -r tier name addr probe root <<<"$repo"
  wants "$tier" || continue
  if curl -fs -o /dev/null --max-time 2 "http://$addr$probe"; then
    line "$name" "http://$addr$root up (pid $(daemon_pid "$name" || echo '?'))"
  else
    bad "$name" "http://$addr$root not answering"
  fi
done

if ! wants compose; then
  :
elif have docker-compose; then
  plugin=missing
  docker compose version >/dev/null 2>&1 && plugin=linked
  line compose "docker-compose $(docker-compose version --short 2>/dev/null || echo '?') ($(command -v docker-compose)); docker compose plugin $plugin"
else
  bad compose "docker-compose missing from $RIG_DIR/bin or PATH"
fi

status="$(docker buildx inspect appbuild 2>/dev/null | awk '$1 == "Status:" { print $2; exit }' || true)"
if [[ "$status" == running ]]; then
  line builder "appbuild $status (remote, $BUILDKIT_HOST); use: docker buildx build --builder appbuild"
else
  bad builder "appbuild status '${status:-absent}'"
fi

exit "$failed"
