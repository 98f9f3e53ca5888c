package frontend

import (
	"bufio"
	"bytes"
	"context"
	"regexp"
	"strings"

	dockerfile "github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
)

// yamlKey matches the first line of a spec: a YAML mapping key. A Dockerfile
// line is an instruction followed by a space, never "word:".
var yamlKey = regexp.MustCompile(`^["']?[A-Za-z_][A-Za-z0-9_-]*["']?\s*:(\s|$)`)

// isSpec tells an app spec from a Dockerfile by its first line that is not
// blank or a comment.
func isSpec(data []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return line == "---" || strings.HasPrefix(line, "%YAML") || yamlKey.MatchString(line)
	}
	// An empty file is an empty spec: let the spec parser say so.
	return true
}

// buildDockerfile builds a plain Dockerfile with BuildKit's own Dockerfile
// frontend, linked in, so a team can point every file at appbuild.
func buildDockerfile(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	return dockerfile.Build(ctx, forwarded{c})
}

// forwarded marks the request as already forwarded by a `# syntax=` line.
// Without the cmdline option, the Dockerfile frontend would read our own
// `# syntax=org/appbuild` line and forward to us again, forever.
type forwarded struct{ gwclient.Client }

func (f forwarded) BuildOpts() gwclient.BuildOpts {
	o := f.Client.BuildOpts()
	if _, ok := o.Opts["cmdline"]; ok {
		return o
	}
	opts := make(map[string]string, len(o.Opts)+1)
	for k, v := range o.Opts {
		opts[k] = v
	}
	opts["cmdline"] = "org/appbuild"
	o.Opts = opts
	return o
}
