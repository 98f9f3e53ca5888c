package integration

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// TestBuildContextReplacesRuntime: --build-context for the runtime image's
// repository (the frontend attr context:NAME, as buildx sends it) swaps
// that image. The replacement is the golang image, which the rig holds for
// the build stages: the built image must carry its Go toolchain, its
// environment and its name and digest as base labels, where the distroless
// runtime has none of them.
func TestBuildContextReplacesRuntime(t *testing.T) {
	needTier(t, "go")
	const replacement = "golang:1.26"
	dir := filepath.Join(repoRoot(t), "examples", "go-hello")
	attrs := map[string]string{"context:gcr.io/distroless/static-debian13": "docker-image://" + replacement}
	inspectInProcess(t, dir, attrs, func(ctx context.Context, gc gwclient.Client, res *gwclient.Result) {
		// inspect runs on the build's goroutine: Errorf and return, never
		// Fatal.
		ref, err := res.SingleRef()
		if err != nil {
			t.Errorf("result: %v", err)
			return
		}
		if _, err := ref.StatFile(ctx, gwclient.StatRequest{Path: "/usr/local/go/bin/go"}); err != nil {
			t.Errorf("the image has no /usr/local/go/bin/go, which only the replacement has: %v", err)
		}
		if _, err := ref.StatFile(ctx, gwclient.StatRequest{Path: "/app/hello"}); err != nil {
			t.Errorf("the app is missing from the replaced runtime: %v", err)
		}

		var img dockerspec.DockerOCIImage
		if err := json.Unmarshal(res.Metadata[exptypes.ExporterImageConfigKey], &img); err != nil {
			t.Errorf("image config: %v", err)
			return
		}
		if !slices.Contains(img.Config.Env, "GOPATH=/go") {
			t.Errorf("env %v lacks the replacement's GOPATH=/go", img.Config.Env)
		}
		p := platforms.DefaultSpec()
		_, dgst, _, err := gc.ResolveImageConfig(ctx, "docker.io/library/"+replacement, sourceresolver.Opt{
			ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &p},
		})
		if err != nil {
			t.Errorf("resolve %s: %v", replacement, err)
			return
		}
		labels := img.Config.Labels
		if labels["org.opencontainers.image.base.name"] != replacement || labels["org.opencontainers.image.base.digest"] != dgst.String() {
			t.Errorf("base labels %s@%s, want %s@%s", labels["org.opencontainers.image.base.name"],
				labels["org.opencontainers.image.base.digest"], replacement, dgst)
		}
	})
}
