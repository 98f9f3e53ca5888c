// Package healthprobe carries the source of appbuild-probe, the small static
// program that performs an image's HEALTHCHECK.
//
// Distroless runtimes have no shell, curl or wget, so a HEALTHCHECK such as
// `CMD curl -f http://localhost/` cannot run there. appbuild compiles this
// one-file, standard-library-only program inside the build (cross-compiled
// for each target platform, CGO off) and copies the static binary into the
// runtime image, where the image config's HEALTHCHECK executes it in exec form.
// The frontend image carries it prebuilt for linux/amd64 and linux/arm64, by
// the same command with the same Go, and the runtime copies it out of the
// frontend's image instead (the daemon already has that image: it runs the
// frontend): no golang image pull and no compile on a cold build. Other
// platforms, and ejected Dockerfiles, still compile it in the build.
//
// The program lives in src/ so that it is also an ordinary Go main package,
// built and tested like any other (go test ./healthprobe/...).
package healthprobe
