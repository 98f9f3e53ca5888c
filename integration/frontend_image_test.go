package integration

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// TestFrontendImageIsThisTree checks that the frontend image the tests build through
// (127.0.0.1:5000/org/appbuild:latest, `# syntax=org/appbuild`) was built from this
// working tree: every platform's config carries this tree's revision
// (integration/rig/revision.sh, the commit plus a hash of any uncommitted change),
// which frontend.sh passes as a build-arg. A stale image from another checkout or an
// earlier commit fails here instead of passing tests it never ran.
func TestFrontendImageIsThisTree(t *testing.T) {
	needTier(t, "go")
	out, err := exec.Command(filepath.Join(repoRoot(t), "integration", "rig", "revision.sh")).Output()
	if err != nil {
		t.Fatalf("revision.sh: %v", err)
	}
	want := strings.TrimSpace(string(out))

	// One platform is pushed as a manifest, several as an index: read either.
	var index ocispec.Index
	registryJSON(t, "org/appbuild/manifests/latest", ocispec.MediaTypeImageIndex+", "+ocispec.MediaTypeImageManifest, &index)
	if index.MediaType == ocispec.MediaTypeImageManifest {
		index.Manifests = []ocispec.Descriptor{{Digest: manifestDigest(t, "org/appbuild", "latest")}}
	}
	native := false
	for _, m := range index.Manifests {
		if m.Platform != nil && m.Platform.OS == "unknown" {
			continue // attestation manifests
		}
		var manifest ocispec.Manifest
		registryJSON(t, "org/appbuild/manifests/"+m.Digest.String(), ocispec.MediaTypeImageManifest, &manifest)
		var config ocispec.Image
		registryJSON(t, "org/appbuild/blobs/"+manifest.Config.Digest.String(), "", &config)
		native = native || (config.OS == "linux" && config.Architecture == runtime.GOARCH)
		got := config.Config.Labels[ocispec.AnnotationRevision]
		if got != want {
			t.Errorf("%s/%s: frontend image revision %q, this tree is %q: run integration/rig/frontend.sh (make frontend)", config.OS, config.Architecture, got, want)
		}
	}
	if !native {
		t.Errorf("org/appbuild:latest has no linux/%s image, the platform buildkitd runs it on", runtime.GOARCH)
	}
}

// registryJSON GETs a path under the rig registry's /v2/ and decodes the JSON body.
func registryJSON(t *testing.T, path, accept string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:5000/v2/"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v2/%s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET /v2/%s: %v", path, err)
	}
}

// manifestDigest returns the digest the registry serves REPO:TAG's manifest under.
func manifestDigest(t *testing.T, repo, tag string) digest.Digest {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, "http://127.0.0.1:5000/v2/"+repo+"/manifests/"+tag, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", ocispec.MediaTypeImageManifest)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	d, err := digest.Parse(resp.Header.Get("Docker-Content-Digest"))
	if err != nil {
		t.Fatalf("HEAD %s:%s: %s, digest: %v", repo, tag, resp.Status, err)
	}
	return d
}
