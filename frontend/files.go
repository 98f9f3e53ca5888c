package frontend

import (
	"context"
	"fmt"
	"io/fs"
	"path"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/org/appbuild/spec"
)

// manifests are the files a profile may read to plan a build: dependency
// manifests, lock files and version pins. Only these are transferred to
// plan the build, not the whole context.
var manifests = []string{
	"go.mod", "go.sum",
	"package.json", "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", ".nvmrc", ".node-version",
	"pyproject.toml", "poetry.lock", "uv.lock", "pdm.lock", "requirements.txt", ".python-version",
	"pom.xml", "build.gradle", "build.gradle.kts", ".java-version",
	"Cargo.toml", "Cargo.lock", "rust-toolchain.toml", "rust-toolchain",
	"index.html",
}

// appFiles serves the app's manifests from a solved reference.
type appFiles struct {
	ctx context.Context
	ref gwclient.Reference
	dir string
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
	st, err := bc.MainContext(ctx, llb.FollowPaths(follow), dockerui.WithInternalName("load app manifests"))
	if err != nil {
		return appFiles{}, err
	}
	def, err := st.Marshal(ctx)
	if err != nil {
		return appFiles{}, err
	}
	res, err := c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return appFiles{}, fmt.Errorf("load app manifests: %w", err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return appFiles{}, err
	}
	return appFiles{ctx: ctx, ref: ref, dir: s.Dir}, nil
}
