// Package lint holds the review rules `docker buildx build --call check`
// applies to a spec: what a careful reviewer would flag in a pull request
// (no healthcheck, runs as root, a secret in env, ...).
//
// A spec with findings still builds; they are warnings. Each rule has a name
// that a spec can skip with a first-lines comment, as in a Dockerfile:
//
//	# check=skip=RunsAsRoot,NoResourceLimits
//
// The package reads the spec and the app's manifests; it builds nothing.
// Which manifests need a lock file and which files pin a toolchain come
// from the languages' descriptors (profiles.Language), not from lists here.
package lint
