package pin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Registry finds an image's digest and config; the gateway client is one,
// tests use a table.
type Registry interface {
	ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error)
}

// Contexts looks one named context up for a platform, and returns nil when
// the user gave none of that name.
type Contexts func(ctx context.Context, name string, p ocispecs.Platform) (*Context, error)

// Context is a replacement the user passed with --build-context.
type Context struct {
	// Name is the name the context was given under.
	Name string
	// Ref is the replacement image's reference; empty when the context is
	// not an image (a directory, a git repository).
	Ref string
	// Digest is the replacement image's digest, when it is an image.
	Digest digest.Digest
	// Config is the replacement image's config; nil when it is not an image.
	Config *dockerspec.DockerOCIImage
	State  llb.State
}

// Image is an image to build on, pinned.
type Image struct {
	// Ref is the reference as the plan (or the scanner option) wrote it.
	Ref string
	// Source is the image really used: Ref, or the replacement's reference;
	// empty when a named context that is not an image replaced it.
	Source string
	// Digest is Source's digest; empty when Source is.
	Digest digest.Digest
	Config dockerspec.DockerOCIImage
	State  llb.State
	// Context is the name of the --build-context that replaced Ref; empty
	// when the image came from its registry.
	Context string
}

// Resolver pins images for one build request.
type Resolver struct {
	registry Registry
	contexts Contexts
	mode     llb.ResolveMode

	mu    sync.Mutex
	calls map[string]*call
}

// call is one resolution, shared by every caller that asks for it.
type call struct {
	done chan struct{}
	img  *Image
	err  error
}

// New returns a resolver that asks contexts (may be nil) before registry.
func New(registry Registry, contexts Contexts, mode llb.ResolveMode) *Resolver {
	return &Resolver{registry: registry, contexts: contexts, mode: mode, calls: map[string]*call{}}
}

// Resolve pins ref for platform p: a named context of one of ref's names
// (see the package doc) when the user gave one, else the registry's image.
func (r *Resolver) Resolve(ctx context.Context, ref string, p ocispecs.Platform) (*Image, error) {
	return r.once(ctx, "resolve", ref, p, func() (*Image, error) {
		if img, err := r.fromContext(ctx, ref, p); img != nil || err != nil {
			return img, err
		}
		return r.fromRegistry(ctx, ref, p)
	})
}

// Registry pins ref for platform p from its registry, named contexts aside:
// for the ejected Dockerfile, which names the plan's images.
func (r *Resolver) Registry(ctx context.Context, ref string, p ocispecs.Platform) (*Image, error) {
	return r.once(ctx, "registry", ref, p, func() (*Image, error) {
		return r.fromRegistry(ctx, ref, p)
	})
}

func (r *Resolver) once(ctx context.Context, kind, ref string, p ocispecs.Platform, fn func() (*Image, error)) (*Image, error) {
	key := kind + "|" + ref + "|" + p.OS + "/" + p.Architecture + "/" + p.Variant
	r.mu.Lock()
	c, ok := r.calls[key]
	if !ok {
		c = &call{done: make(chan struct{})}
		r.calls[key] = c
	}
	r.mu.Unlock()
	if !ok {
		c.img, c.err = fn()
		close(c.done)
	}
	select {
	case <-c.done:
		return c.img, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Names are the named contexts that replace ref, in the order they are
// looked up.
func Names(ref string) []string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return []string{ref}
	}
	full := strings.TrimSuffix(reference.FamiliarString(named), ":latest")
	repo := reference.FamiliarName(named)
	if repo == full {
		return []string{full}
	}
	return []string{full, repo}
}

func (r *Resolver) fromContext(ctx context.Context, ref string, p ocispecs.Platform) (*Image, error) {
	if r.contexts == nil {
		return nil, nil
	}
	for _, name := range Names(ref) {
		c, err := r.contexts(ctx, name, p)
		if err != nil {
			return nil, fmt.Errorf("build context %s (replaces %s): %w", name, ref, err)
		}
		if c == nil {
			continue
		}
		img := &Image{Ref: ref, Source: c.Ref, Digest: c.Digest, State: c.State, Context: c.Name}
		if c.Config != nil {
			img.Config = *c.Config
		}
		if img.Digest == "" {
			// Without a digest the image's base labels would name
			// something they cannot identify.
			img.Source = ""
		}
		return img, nil
	}
	return nil, nil
}

func (r *Resolver) fromRegistry(ctx context.Context, ref string, p ocispecs.Platform) (*Image, error) {
	_, dgst, cfg, err := r.registry.ResolveImageConfig(ctx, ref, sourceresolver.Opt{
		LogName:  "[internal] load metadata for " + ref,
		ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &p, ResolveMode: r.mode.String()},
	})
	if err != nil {
		return nil, err
	}
	img := &Image{Ref: ref, Source: ref, Digest: dgst}
	if err := json.Unmarshal(cfg, &img.Config); err != nil {
		return nil, fmt.Errorf("read config of %s: %w", ref, err)
	}
	img.State = llb.Image(Pinned(ref, dgst), llb.Platform(p))
	return img, nil
}

// Pinned keeps the tag for readers and adds the digest, which is what
// BuildKit pulls: "golang:1.26@sha256:…".
func Pinned(ref string, dgst digest.Digest) string {
	if strings.Contains(ref, "@") {
		return ref
	}
	return ref + "@" + dgst.String()
}
