package pin

import (
	"context"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// DockerUI looks named contexts up through dockerui, with the lookup
// (name::platform, then name) and the kinds of input (docker-image://,
// oci-layout://, a directory, git, input:) of the Dockerfile frontend. opts
// are the request's frontend options, where the replacement's reference is
// read for the image's base labels.
func DockerUI(bc *dockerui.Client, opts map[string]string) Contexts {
	return func(ctx context.Context, name string, p ocispecs.Platform) (*Context, error) {
		var dgst digest.Digest
		nc, err := bc.NamedContext(name, dockerui.ContextOpt{
			Platform:      &p,
			ResolveMode:   bc.ImageResolveMode.String(),
			CaptureDigest: &dgst,
		})
		if err != nil || nc == nil {
			return nil, err
		}
		st, img, err := nc.Load(ctx)
		if err != nil || st == nil {
			return nil, err
		}
		return &Context{Name: name, Ref: imageRef(opts, name, p), Digest: dgst, Config: img, State: *st}, nil
	}
}

// imageRef is the reference of a docker-image:// context given for name,
// with dockerui's precedence (the platform's key first); empty for any
// other kind of context. name is already in dockerui's short form (Names).
func imageRef(opts map[string]string, name string, p ocispecs.Platform) string {
	v, ok := opts["context:"+name+"::"+platforms.FormatAll(platforms.Normalize(p))]
	if !ok {
		v = opts["context:"+name]
	}
	ref, _ := strings.CutPrefix(v, "docker-image://")
	if ref == v {
		return ""
	}
	return ref
}
