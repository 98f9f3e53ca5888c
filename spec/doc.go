// Package spec owns appbuild's YAML language: the Spec type, Parse (bytes to
// a Spec, with the position of every field, item and entry, and every
// mistake reported as file:line:col), the rules a spec must follow,
// Marshal, and the JSON Schema that editors use (schema.json, generated
// from the doc comments of spec.go by "go generate ./spec").
//
// It knows nothing of LLB or BuildKit clients: profiles turn a Spec into a
// plan, and the frontend reads the file and maps errors to source ranges.
//
// What Parse guarantees to the packages after it:
//   - a Spec with a valid name, enum values from their allow-lists,
//     platforms from the allow-list, paths (dir, dependencies.files,
//     services' secret files) cleaned and inside the build context;
//   - Port.Protocol is always "tcp" or "udp" (8080 reads as 8080/tcp), and
//     durations are at least 1ms;
//   - empty lists and maps are nil, and a field written with no value
//     ("healthcheck:") is the same as one left out;
//   - no string holds a NUL or other control character, and only env values
//     and exec-form arguments hold newlines.
//
// Keys starting with "x-" are ignored at every level, as in compose files,
// so that anchors (&base) have somewhere to live; merge keys (<<: *base)
// work.
package spec

//go:generate go run ../cmd/schemagen -o schema.json
