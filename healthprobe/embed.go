package healthprobe

import _ "embed"

// Source is the probe's main.go. It needs no go.mod: `go build main.go`
// compiles it with only the standard library.
//
//go:embed src/main.go
var Source []byte

// Path is where the probe binary lives in every runtime image: beside the
// app, in the directory appbuild creates. A new top-level directory keeps
// layers reproducible; creating /usr/local/bin would change the time of the
// base image's /usr, which no SOURCE_DATE_EPOCH can fix.
const Path = "/app/appbuild-probe"
