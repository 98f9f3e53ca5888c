# shellcheck shell=bash disable=SC2034 # sourced by the trivy scripts
# Pinned Trivy pieces. Bumping TRIVY_VERSION needs integration/tools/trivy/go.mod bumped
# too (go get -tool github.com/aquasecurity/trivy/cmd/trivy@<version>); the binary, the
# scanner image and the DB are then rebuilt because their cache keys change.
TRIVY_VERSION=v0.74.0
