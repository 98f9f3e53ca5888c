#!/usr/bin/env bash
# Stage the caddy layer of the caddy:2 stand-in (docker.io/library/caddy) for one
# architecture; the Dockerfile lays it on distroless static:
#   CONTEXT/caddy-ARCH.tar   /usr/bin/caddy with the file capability
#                            cap_net_bind_service=+ep, /etc/caddy/Caddyfile and
#                            /usr/share/caddy/index.html (upstream's defaults: a welcome
#                            page on :80), /config/caddy, /data/caddy, /srv
# Usage: rootfs.sh ARCH STAGE_DIR CONTEXT_DIR   (run by ../../images.sh)
#
# Upstream (caddyserver/caddy-docker) downloads the release binary, built by goreleaser
# with CGO_ENABLED=0, -trimpath, -ldflags "-s -w", the tags nobadger, nomysql, nopgx and
# the version stamped in (CustomVersion).
# This builds the same module version the same way from the Go module proxy, in a module
# of its own (integration/tools/caddy), cross-compiled for ARCH; the binary is kept in
# $RIG_DIR/bin/caddy-VERSION/ARCH/ and built once (about 3 min per architecture on 2
# cores with a cold cache).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lib.sh
. "$here/../../lib.sh"
# shellcheck source=../lib-rootfs.sh
. "$here/../lib-rootfs.sh"
# shellcheck source=versions
. "$here/versions"

arch=$1 stage=$2 context=$3
have go || die "caddy/$arch: Go is required to build caddy"
mod="$TOOLS_MOD/caddy"
current="$(cd "$mod" && go list -m -f '{{.Version}}' github.com/caddyserver/caddy/v2)"
[[ "$current" == "$CADDY_VERSION" ]] ||
  die "integration/tools/caddy/go.mod pins caddy $current, images/caddy/versions wants $CADDY_VERSION: (cd integration/tools/caddy && go get -tool github.com/caddyserver/caddy/v2/cmd/caddy@$CADDY_VERSION)"

bin="$RIG_DIR/bin/caddy-$CADDY_VERSION/$arch/caddy"
if [[ ! -x "$bin" ]]; then
  mkdir -p "$RIG_DIR/bin" "$RUN_DIR"
  buildlog="$RUN_DIR/build-caddy-$arch.log"
  log "caddy/$arch: building caddy $CADDY_VERSION (log: $buildlog)"
  tmp="$(mktemp -d "$RIG_DIR/bin/.build-XXXXXX")"
  if ! (cd "$mod" && CGO_ENABLED=0 GOOS=linux GOARCH="$arch" \
        go build -trimpath -tags nobadger,nomysql,nopgx -ldflags "-s -w -X github.com/caddyserver/caddy/v2.CustomVersion=$CADDY_VERSION" \
        -o "$tmp/caddy" github.com/caddyserver/caddy/v2/cmd/caddy) >"$buildlog" 2>&1; then
    tail -n 30 "$buildlog" >&2
    rm -rf "$tmp"
    die "building caddy $CADDY_VERSION for $arch failed (log: $buildlog)"
  fi
  mkdir -p "$(dirname "$bin")"
  mv -f "$tmp/caddy" "$bin"
  rmdir "$tmp"
fi

layer="$stage/caddy"
rm -rf "$layer"
install -d -m 0755 "$layer/usr/bin" "$layer/etc/caddy" "$layer/usr/share/caddy" \
  "$layer/config/caddy" "$layer/data/caddy" "$layer/srv"
install -m 0755 "$bin" "$layer/usr/bin/caddy"
# Upstream: setcap cap_net_bind_service=+ep /usr/bin/caddy, so that a non-root user
# can bind :80. Kept, as a pax xattr in the layer tarball.
setcap cap_net_bind_service=+ep "$layer/usr/bin/caddy" || die "caddy/$arch: setcap failed (package libcap2-bin)"

# Upstream's default configuration (caddyserver/dist config/Caddyfile, comments
# shortened) and a welcome page in place of its welcome/index.html.
cat >"$layer/etc/caddy/Caddyfile" <<'CADDYFILE'
# The Caddyfile is an easy way to configure your Caddy web server.
#
# Unless the file starts with a global options block, the first
# uncommented line is always the address of your site.
#
# To use your own domain name (with automatic HTTPS), first make
# sure your domain's A/AAAA DNS records are properly pointed to
# this machine's public IP, then replace ":80" below with your
# domain name.

:80 {
	# Set this path to your site's directory.
	root * /usr/share/caddy

	# Enable the static file server.
	file_server

	# Another common task is to set up a reverse proxy:
	# reverse_proxy localhost:8080

	# Or serve a PHP site through php-fpm:
	# php_fastcgi localhost:9000
}

# Refer to the Caddy docs for more information:
# https://caddyserver.com/docs/caddyfile
CADDYFILE
cat >"$layer/usr/share/caddy/index.html" <<'HTML'
<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Caddy works!</title></head>
<body><h1>Caddy works!</h1><p>Set the root of your site in /etc/caddy/Caddyfile.</p></body>
</html>
HTML
chmod 0644 "$layer/etc/caddy/Caddyfile" "$layer/usr/share/caddy/index.html"

# Owned by root, with the file capability (security.capability) of caddy.
pack_layer "$layer" "$context/caddy-$arch.tar" --owner=0 --group=0 --xattrs --xattrs-include=security.capability
