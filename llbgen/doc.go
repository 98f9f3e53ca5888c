// Package llbgen turns a plan into BuildKit LLB and the runtime image config.
//
// It owns every BuildKit detail of a build: base images come pinned from
// package pin (a --build-context replacement or the registry's image by
// digest), each op gets a vertex name like
// "[build 2/4] go mod download" and the spec location of the fields it came
// from, and cache mounts and secrets become LLB mounts. Output is
// deterministic: the same plan and resolver give the same definition bytes,
// with no wall-clock time or random ids.
//
// It knows nothing of languages (that is profiles) nor of the gateway
// protocol (that is frontend).
package llbgen
