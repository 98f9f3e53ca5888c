// Package plan holds the data a profile produces and llbgen consumes: named
// stages of steps and the runtime image's config, for one target platform.
//
// A plan is plain data with no BuildKit types in it, so it can be printed as
// JSON, reviewed, and snapshot-tested per example (the golden plan.json
// files). Every step names the spec fields it came from (Origin), which is how
// a failing build step points back at a spec line.
package plan
