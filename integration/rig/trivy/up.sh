#!/usr/bin/env bash
# The scan target's pieces of the rig, in order: Trivy built from source (cached by
# version), the scanner image stand-in, and the local vulnerability DB. Run by
# ../up.sh; each step skips done work.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/build-trivy.sh"
"$here/image.sh"
"$here/build-db.sh"
