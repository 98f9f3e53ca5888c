#!/usr/bin/env bash
# make demo: build examples/go-hello through `# syntax=org/appbuild` with an
# unchanged `docker buildx build`, run it with podman, and print what a user
# would check: digest, size, user and health.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../integration/rig/env.sh
. "$root/integration/rig/env.sh"

app="$root/examples/go-hello"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== docker buildx build -f examples/go-hello/app.yaml (linux/amd64 + linux/arm64)"
head -n 1 "$app/app.yaml"
docker buildx build --builder appbuild -f "$app/app.yaml" \
  --platform linux/amd64,linux/arm64 \
  -o "type=oci,dest=$out/hello-oci.tar" "$app"
# podman reads HEALTHCHECK only from Docker media types, so the image it runs
# is exported that way (one platform: the machine's).
docker buildx build --builder appbuild -f "$app/app.yaml" --quiet \
  --platform linux/amd64 \
  -o "type=docker,oci-mediatypes=false,dest=$out/hello.tar" "$app" >/dev/null

digest="$(tar -xOf "$out/hello-oci.tar" index.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["manifests"][0]["digest"])')"
image="$(podman load -q -i "$out/hello.tar" | awk '{print $NF}')"
port=18080
ctr="$(podman run -d --read-only --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
  -p "127.0.0.1:$port:8080" "$image" 2>/dev/null)"  # podman warns it has no systemd timer for healthchecks; they are run below
trap 'podman rm -f "$ctr" >/dev/null 2>&1 || true; podman rmi -f "$image" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  sleep 0.2
done
answer="$(curl -fsS "http://127.0.0.1:$port/")"
podman healthcheck run "$ctr" >/dev/null 2>&1 || true
health="$(podman inspect --format '{{.State.Health.Status}}' "$ctr")"
pid="$(podman inspect --format '{{.State.Pid}}' "$ctr")"
uid="$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")"
size="$(podman image inspect --format '{{.Size}}' "$image")"

echo
echo "image digest (index, 2 platforms): $digest"
echo "image size (linux/amd64, unpacked): $size bytes ($((size / 1024)) KiB)"
echo "config user: $(podman image inspect --format '{{.Config.User}}' "$image"); process uid: $uid"
echo "GET / -> $answer"
echo "health status: $health"
[[ "$health" == healthy ]]
