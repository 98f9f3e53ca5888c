package frontend

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// manifests are the files a profile may read to plan a build, as the
// languages declare them. Only these are transferred to plan the build,
// not the whole context.
var manifests = profiles.ManifestFiles()

// appFiles serves the app's manifests from a solved reference.
type appFiles struct {
	ctx context.Context
	ref gwclient.Reference
	dir string
	// load transfers the given paths of the app from the build context
	// (.dockerignore applied), for FirstOf.
	load func(paths []string) (gwclient.Reference, error)
}

// FirstOf transfers paths alone (one more round trip to the client) and
// returns the first that is a regular file, or "": a profile asks it for a
// file the image will run, which no manifest list can name in advance.
func (f appFiles) FirstOf(paths ...string) string {
	if len(paths) == 0 || f.load == nil {
		return ""
	}
	full := make([]string, len(paths))
	for i, p := range paths {
		full[i] = path.Join(f.dir, p)
	}
	ref, err := f.load(full)
	if err != nil {
		return ""
	}
	for i, p := range full {
		st, err := ref.StatFile(f.ctx, gwclient.StatRequest{Path: "/" + p})
		if err == nil && fs.FileMode(st.Mode).IsRegular() {
			return paths[i]
		}
	}
	return ""
}

func (f appFiles) ReadFile(name string) ([]byte, error) {
	p := path.Join("/", f.dir, name)
	dt, err := f.ref.ReadFile(f.ctx, gwclient.ReadRequest{Filename: p})
	if err != nil {
		// The gateway gives no typed "not found"; to a profile any failure
		// to read a manifest means the app does not have it.
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return dt, nil
}

// readAppFiles loads the app's manifests from the build context, with
// .dockerignore applied, so a profile sees what the build will see.
func readAppFiles(ctx context.Context, c gwclient.Client, bc *dockerui.Client, s *spec.Spec) (appFiles, error) {
	var follow []string
	for _, m := range manifests {
		follow = append(follow, path.Join(s.Dir, m))
	}
	if s.Dependencies != nil {
		for _, f := range s.Dependencies.Files {
			follow = append(follow, path.Join(s.Dir, f))
		}
	}
	ref, err := loadContext(ctx, c, bc, follow, "load app manifests")
	if err != nil {
		return appFiles{}, err
	}
	if err := checkSymlinks(ctx, ref, s); err != nil {
		return appFiles{}, err
	}
	load := func(paths []string) (gwclient.Reference, error) {
		return loadContext(ctx, c, bc, paths, "look for the app's entry point")
	}
	return appFiles{ctx: ctx, ref: ref, dir: s.Dir, load: load}, nil
}

// loadContext transfers the given paths of the main build context.
func loadContext(ctx context.Context, c gwclient.Client, bc *dockerui.Client, paths []string, name string) (gwclient.Reference, error) {
	st, err := bc.MainContext(ctx, llb.FollowPaths(paths), dockerui.WithInternalName(name))
	if err != nil {
		return nil, err
	}
	ref, err := solveRef(ctx, c, *st)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ref, nil
}

// checkSymlinks refuses a dir or dependency file that is missing from the
// transferred context because it is a symlink leaving the build context (or
// one pointing at an absolute path). BuildKit never follows such links, so
// nothing could leak; the error is there so the user learns why the files
// are missing instead of reading "go.mod not found".
func checkSymlinks(ctx context.Context, manifests gwclient.Reference, s *spec.Spec) error {
	if s.Dir != "" {
		st, err := manifests.StatFile(ctx, gwclient.StatRequest{Path: "/" + s.Dir})
		if err != nil || !fs.FileMode(st.Mode).IsDir() {
			return s.Errorf("dir", "%s is not a directory inside the build context (a missing directory, or a symlink that leaves the context, which appbuild does not follow)", s.Dir)
		}
	}
	if s.Dependencies != nil {
		for i, f := range s.Dependencies.Files {
			st, err := manifests.StatFile(ctx, gwclient.StatRequest{Path: "/" + path.Join(s.Dir, f)})
			if err == nil && fs.FileMode(st.Mode)&fs.ModeSymlink != 0 {
				target := st.Linkname
				resolved := path.Join(path.Dir(path.Join(s.Dir, f)), target)
				if path.IsAbs(target) || resolved == ".." || strings.HasPrefix(resolved, "../") {
					return s.Errorf(fmt.Sprintf("dependencies.files[%d]", i), "%s is a symlink to %s, which leaves the build context", f, target)
				}
			}
		}
	}
	return nil
}

func solveRef(ctx context.Context, c gwclient.Client, st llb.State) (gwclient.Reference, error) {
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	return res.SingleRef()
}
