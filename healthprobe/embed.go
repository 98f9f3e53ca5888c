package healthprobe

import _ "embed"

// Source is the probe's main.go. It needs no go.mod: `go build main.go`
// compiles it with only the standard library.
//
//go:embed src/main.go
var Source []byte

// Path is where the probe binary lives in every runtime image.
const Path = "/usr/local/bin/appbuild-probe"
