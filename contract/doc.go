// Package contract owns the image contract every appbuild image keeps,
// whatever its language: the runtime user, the healthcheck and the probe
// that runs it on distroless, the image config (entrypoint, env, ports,
// workdir, labels) and the test stage's place in the plan.
//
// A language profile plans only what is particular to its language (its
// build stages, the runtime stage's base and the files copied into it,
// how its tests run, its entrypoint) and hands that to Assemble as a
// Build. Keeping the contract here means it is written once, so a new
// language cannot forget a rule, and healthcheck.http is traced from the
// spec to the image config without opening a language's file.
package contract
