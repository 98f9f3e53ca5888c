package spec

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// CleanPath checks that p, a path written in a spec, stays inside the build
// context, and returns it cleaned ("./a/../b/" becomes "b"). The check is
// lexical: absolute paths and paths that climb out with ".." are refused,
// and so are glob characters.
// Symlinks can still point outside; the frontend checks those against the
// real context.
func CleanPath(p string) (string, error) {
	if p == "" {
		return "", errors.New("empty path")
	}
	if err := checkLine(p); err != nil {
		return "", err
	}
	if strings.ContainsAny(p, "*?[\\") {
		// A Dockerfile's COPY reads these as a pattern (the plain Dockerfile
		// eject writes would copy other files than appbuild does).
		return "", fmt.Errorf("%q holds a glob character (* ? [ or \\); name the file itself", p)
	}
	if path.IsAbs(p) {
		return "", fmt.Errorf("%q is absolute; write it relative to the build context", p)
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("%q leaves the build context", p)
	}
	return clean, nil
}
