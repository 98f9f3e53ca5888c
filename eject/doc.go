// Package eject writes a plan as a plain multi-stage Dockerfile: the same
// stages, cache mounts, pinned base images, non-root user and HEALTHCHECK,
// so a team can leave appbuild at any time and keep an equivalent build.
//
// The Dockerfile needs only the Dockerfile frontend built into BuildKit
// (heredocs for the probe source, cache mounts, --chmod), no `# syntax=`
// image, so it builds where no image can be pulled.
package eject
