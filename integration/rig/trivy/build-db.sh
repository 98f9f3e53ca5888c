#!/usr/bin/env bash
# Build a small, real Trivy vulnerability DB and push it to the local registry as
# 127.0.0.1:5000/aquasec/trivy-db:2, an OCI artifact laid out as upstream publishes
# trivy-db (one application/vnd.aquasec.trivy.db.layer.v1.tar+gzip layer, db.tar.gz,
# holding trivy.db and metadata.json). Scans in the tests point Trivy at it with
# --build-arg APPBUILD_TRIVY_DB_REPOSITORY=127.0.0.1:5000/aquasec/trivy-db@<digest>.
#
# These machines cannot download Trivy's DB. This one is written by trivy-db's own
# builder (integration/tools/trivy/mkdb, at the trivy-db version Trivy is built with,
# so the schema is the one Trivy expects) from the GitHub advisories in advisories/:
# real advisory ids, packages, version ranges and severities for Go modules an example
# can pin. Rebuilt only when those or the builder change (stamp in $RIG_DIR/stamps).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=versions.sh
. "$here/versions.sh"

require_daemons
have go || die "Go is required to build the Trivy DB"
mod="$TOOLS_MOD/trivy"
ref="aquasec/trivy-db:2"
out="$RIG_DIR/trivy/db"
stamp="$RIG_DIR/stamps/trivy-db"
mkdir -p "$RIG_DIR/stamps" "$RIG_DIR/trivy" "$RUN_DIR"

hash="$({
  (cd "$here" && find advisories -type f -print0 | sort -z | xargs -0 sha256sum)
  cat "$mod/go.mod" "$mod/go.sum" "$mod"/mkdb/*.go
} | sha256sum | cut -d' ' -f1)"
if registry_has "$ref" && [[ "$(cat "$stamp" 2>/dev/null)" == "$hash" ]]; then
  log "trivy DB $ref: up to date"
  exit 0
fi

buildlog="$RUN_DIR/trivy-db.log"
log "trivy DB $ref: building and pushing (log: $buildlog)"
mark_built pushed
mkdb="$RIG_DIR/bin/trivy-$TRIVY_VERSION/mkdb"
mkdir -p "$(dirname "$mkdb")"
# trivy-db's GHSA source lists Go's standard packages with `go list std` when it starts,
# so mkdb needs Go on PATH (lib.sh puts it there).
if ! { (cd "$mod" && CGO_ENABLED=0 go build -trimpath -o "$mkdb" ./mkdb) &&
       "$mkdb" -advisories "$here/advisories" -out "$out" -push "$APPBUILD_REGISTRY/$ref"; } >"$buildlog" 2>&1; then
  tail -n 30 "$buildlog" >&2
  die "building the trivy DB failed (log: $buildlog)"
fi
log "trivy DB $ref: $(tail -n 1 "$buildlog")"
echo "$hash" >"$stamp"
