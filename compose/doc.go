// Package compose writes the compose.yaml of an app from its spec and plan:
// the app service hardened the way the image is (read-only, non-root, no
// capabilities, the image's own healthcheck, limits), its companion services
// with their own healthchecks, and networks that keep them off the public
// side.
//
// The file is written as plain YAML a person can read, every value made
// literal in one place (literal: compose interpolates $VAR in every string,
// so each $ is written $$), then loaded with compose-go, the loader Docker
// Compose itself uses, and compared with what was meant (check), so the
// frontend never hands out a file Compose would refuse or read otherwise.
package compose
