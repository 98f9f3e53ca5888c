// Package profiles turns a spec into a plan, one profile per language.
//
// A profile knows its language's toolchain and runtime images, package
// managers, cache directories and default commands. Its Plan returns a
// plan.Plan: plain data, no LLB. A profile builds only its language's part,
// a contract.Build (build stages, the runtime's base and copies, how tests
// run, the entrypoint); contract.Assemble adds what every language shares
// (test stage, health probe, non-root user, HEALTHCHECK, labels, ports).
//
// A language is one descriptor plus its stages, both in its own file
// (golang.go, python.go, ...): the file registers a Language with its
// profile, package managers, detection files, lock files, version pins and
// the other files it reads. Detection (detect.go), the files the frontend
// loads (ManifestFiles) and lint's lock and pin rules read the
// descriptors. spec validates language and dependencies.manager and
// writes the schema's enums from spec/languages.go, generated from the
// descriptors by TestSpecLanguages: spec cannot import this package (it
// imports spec), and a registry spec read at run time would be empty in
// spec's own tests. So adding a language is its file, its examples, and
// make golden, which rewrites spec/languages.go and the examples' goldens
// (schema.json, generated from spec, follows on the next make golden or
// go generate ./spec). Registration runs while the package's variables are
// initialised; nothing changes the table after.
//
// Configuration files a profile writes with spec values in them (pip.conf,
// Maven's settings.xml, Cargo's config.toml, the Caddyfile) get each value
// through the one function of its format in formats.go; a value reaches a
// build step otherwise only as a whole argument or environment entry.
//
// User mistakes found here (a manifest missing from the app's dir, say) come back
// as *spec.Error with the spec position of the field at fault.
package profiles
