// Package pin resolves every image appbuild builds on — the plan's base
// images for the image, test and scan targets, the pins of the ejected
// Dockerfile, and the scanner — to a digest and a config, in one place.
//
// Base images are looked up as named contexts first, as the Dockerfile
// frontend does for a FROM line, so that
//
//	docker buildx build --build-context golang=docker-image://mirror/golang:1.26 .
//
// (frontend attr context:golang=docker-image://…) replaces an image, e.g. by
// a hardened or mirrored one. A plan's image reference answers to two names,
// in this order, each first with the target platform appended (name::os/arch)
// and then without, as dockerui looks them up:
//
//  1. the reference as the plan writes it, in its short form:
//     "golang:1.26", "gcr.io/distroless/static-debian13:nonroot";
//  2. its repository without tag or digest: "golang",
//     "gcr.io/distroless/static-debian13".
//
// The first found wins, so the output only depends on the request. Stage
// names ("build", "runtime") are not names a user can override: they belong
// to the profiles and may change, and in a Dockerfile a stage's named
// context replaces the whole stage, not its base. The ejected Dockerfile
// pins the plan's images from their registries (Registry): it names them,
// and the same --build-context applies when that Dockerfile is built.
//
// A Resolver remembers what it found for one build request: stages and
// platforms that share an image resolve it once, and concurrent callers wait
// for the first.
package pin
