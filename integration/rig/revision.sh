#!/usr/bin/env bash
# Print the source revision of the working tree: the commit, and when the tree differs
# from it, "+dirty." and a hash of the difference (tracked changes and untracked files).
# frontend.sh labels the frontend image with it (org.opencontainers.image.revision) and
# integration/frontend_image_test.go checks the pushed image carries this tree's value,
# so the tests never run a frontend built from other sources.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rev="$(git rev-parse HEAD)"
if [[ -z "$(git status --porcelain --untracked-files=all)" ]]; then
  echo "$rev"
  exit 0
fi
sum="$({
  git diff HEAD --binary
  git ls-files --others --exclude-standard -z | sort -z | while IFS= read -r -d '' f; do
    printf '%s\0' "$f"; sha256sum <"$f"
  done
} | sha256sum | cut -c1-12)"
echo "$rev+dirty.$sum"
