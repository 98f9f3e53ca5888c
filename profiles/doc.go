// Package profiles turns a spec into a plan, one profile per language.
//
// A profile knows its language's toolchain and runtime images, package
// managers, cache directories and default commands. It produces a
// plan.Plan: plain data, no LLB. What every language shares (the health
// probe stage, the non-root user, the HEALTHCHECK, labels, ports) lives in
// common.go so each profile only says what is particular to its language.
//
// User mistakes found here (an http healthcheck with no port, say) come back
// as *spec.Error with the spec position of the field at fault.
package profiles
