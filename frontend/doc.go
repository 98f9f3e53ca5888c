// Package frontend is appbuild's gateway build function: what BuildKit runs
// when a file starts with `# syntax=org/appbuild`.
//
// It owns the gateway protocol and nothing else: options, build-args,
// platforms and subrequests come through dockerui (as for the Dockerfile
// frontend), the spec through package spec, the plan through profiles (the
// scan target adds its stages to it), images through one pin.Resolver per
// request (named contexts first), and LLB through llbgen. User mistakes are returned with the spec's source map
// attached, so docker buildx build prints the offending lines. A file that is
// a plain Dockerfile is handed to BuildKit's own Dockerfile frontend.
package frontend
