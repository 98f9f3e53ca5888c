package pin_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/pin"
)

var amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

// registry answers every reference with a digest made from it, and counts
// the questions.
type registry struct{ calls atomic.Int32 }

func (r *registry) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	r.calls.Add(1)
	cfg, _ := json.Marshal(dockerspec.DockerOCIImage{Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{Env: []string{"FROM=" + ref}}}})
	return ref, digest.FromString(ref), cfg, nil
}

// contexts is a table of named contexts; asked records the names looked up.
type contexts struct {
	given map[string]*pin.Context
	asked []string
}

func (c *contexts) lookup(_ context.Context, name string, _ ocispecs.Platform) (*pin.Context, error) {
	c.asked = append(c.asked, name)
	return c.given[name], nil
}

func TestNames(t *testing.T) {
	for ref, want := range map[string][]string{
		"docker.io/library/golang:1.26":             {"golang:1.26", "golang"},
		"gcr.io/distroless/static-debian13:nonroot": {"gcr.io/distroless/static-debian13:nonroot", "gcr.io/distroless/static-debian13"},
		"docker.io/library/debian":                  {"debian"},
		"docker.io/aquasec/trivy:0.60.0":            {"aquasec/trivy:0.60.0", "aquasec/trivy"},
	} {
		if got := pin.Names(ref); !slices.Equal(got, want) {
			t.Errorf("Names(%s) = %v, want %v", ref, got, want)
		}
	}
}

// TestContextFirst: the full name wins over the repository's, and a
// replaced image carries the replacement's reference and digest.
func TestContextFirst(t *testing.T) {
	reg := &registry{}
	full := &pin.Context{Name: "golang:1.26", Ref: "mirror/golang:1.26", Digest: "sha256:aa", State: llb.Image("mirror/golang:1.26")}
	repo := &pin.Context{Name: "golang", Ref: "other/golang", Digest: "sha256:bb", State: llb.Image("other/golang")}
	cs := &contexts{given: map[string]*pin.Context{"golang:1.26": full, "golang": repo}}
	img, err := pin.New(reg, cs.lookup, llb.ResolveModeDefault).Resolve(context.Background(), "docker.io/library/golang:1.26", amd64)
	if err != nil {
		t.Fatal(err)
	}
	if img.Context != "golang:1.26" || img.Source != "mirror/golang:1.26" || img.Digest != "sha256:aa" || img.Ref != "docker.io/library/golang:1.26" {
		t.Errorf("resolved %+v, want the golang:1.26 context", img)
	}
	if reg.calls.Load() != 0 {
		t.Errorf("registry asked %d times for a replaced image", reg.calls.Load())
	}

	cs = &contexts{given: map[string]*pin.Context{"golang": repo}}
	img, err = pin.New(reg, cs.lookup, llb.ResolveModeDefault).Resolve(context.Background(), "docker.io/library/golang:1.26", amd64)
	if err != nil {
		t.Fatal(err)
	}
	if img.Context != "golang" || !slices.Equal(cs.asked, []string{"golang:1.26", "golang"}) {
		t.Errorf("resolved from %q after asking %v", img.Context, cs.asked)
	}
}

// TestRegistryOnceAndPinned: without a context the registry's image is
// pinned by digest, asked once however often it is wanted; Registry skips
// the contexts.
func TestRegistryOnceAndPinned(t *testing.T) {
	reg := &registry{}
	cs := &contexts{given: map[string]*pin.Context{"golang": {Name: "golang", Ref: "x/golang", Digest: "sha256:cc"}}}
	r := pin.New(reg, cs.lookup, llb.ResolveModeDefault)
	for range 3 {
		img, err := r.Resolve(context.Background(), "docker.io/library/redis:8", amd64)
		if err != nil {
			t.Fatal(err)
		}
		if img.Context != "" || img.Source != "docker.io/library/redis:8" || img.Digest != digest.FromString("docker.io/library/redis:8") {
			t.Fatalf("resolved %+v", img)
		}
	}
	if n := reg.calls.Load(); n != 1 {
		t.Errorf("registry asked %d times, want once", n)
	}
	img, err := r.Registry(context.Background(), "docker.io/library/golang:1.26", amd64)
	if err != nil {
		t.Fatal(err)
	}
	if img.Context != "" || img.Digest != digest.FromString("docker.io/library/golang:1.26") {
		t.Errorf("Registry took %+v, want the registry's image", img)
	}
}

// TestContextNotAnImage: a directory given as the base has no digest, so
// the image names no base.
func TestContextNotAnImage(t *testing.T) {
	cs := &contexts{given: map[string]*pin.Context{"debian": {Name: "debian", State: llb.Local("rootfs")}}}
	img, err := pin.New(&registry{}, cs.lookup, llb.ResolveModeDefault).Resolve(context.Background(), "docker.io/library/debian", amd64)
	if err != nil {
		t.Fatal(err)
	}
	if img.Context != "debian" || img.Source != "" || img.Digest != "" {
		t.Errorf("resolved %+v", img)
	}
}
