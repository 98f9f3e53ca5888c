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
//     services' secret files) cleaned, inside the build context and free
//     of glob characters; workdir and services' volumes absolute and
//     cleaned, volumes without ':' or ',' (compose's option separators);
//   - Port.Protocol is always "tcp" or "udp" (8080 reads as 8080/tcp), and
//     durations are at least 1ms;
//   - empty lists and maps are nil, and a field written with no value
//     ("healthcheck:") is the same as one left out;
//   - no string holds a NUL or other control character, and only exec-form
//     arguments and services' env values hold newlines (the app's env goes
//     into the ejected Dockerfile's ENV, which cannot hold one);
//   - every number fits the field Docker reads it into: ids are 32-bit
//     (UserIDs, RunsAsRoot: any spelling of 0 is root), retries 31-bit,
//     memory and CPU limits 64-bit; secret ids and names are file names
//     under /run/secrets ("." and ".." refused), and a secret name means one
//     file across services (compose shares secrets by name); an index URL
//     holds only characters a URL may hold unencoded.
//
// Those guarantees are what keeps a spec value literal in every file
// appbuild writes from it. The injection corpus (corpus_test.go, its table
// of verdicts in testdata/hostile/corpus.txt) and FuzzRender hold them to
// it: each hostile value in each field is refused at its position, or
// carried as itself by the LLB, the ejected Dockerfile and compose.yaml.
//
// Keys starting with "x-" are ignored at every level, as in compose files,
// so that anchors (&base) have somewhere to live; merge keys (<<: *base)
// work.
package spec

//go:generate go run ./internal/schemagen -o schema.json
