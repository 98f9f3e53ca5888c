package frontend

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// TestPrebuiltProbe: the probe is looked up by the target's OS and
// architecture (and variant only for 32-bit arm, as GOARM) in the image
// the gateway started the frontend from, named in full; a platform with no
// prebuilt probe, a frontend with no source image or a swapped one, and a
// build platform that is not the frontend's own get nil: built from source.
func TestPrebuiltProbe(t *testing.T) {
	dir := t.TempDir()
	old := probeDir
	probeDir = dir
	t.Cleanup(func() { probeDir = old })
	files := map[string][]byte{
		"linux/amd64/appbuild-probe":   []byte("amd64 probe"),
		"linux/arm64/appbuild-probe":   []byte("arm64 probe"),
		"linux/arm/v7/appbuild-probe":  []byte("armv7 probe"),
		"linux/ppc64le/appbuild-probe": nil,
		"linux/s390x/appbuild-probe/x": []byte("not a file where the probe should be"),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self := ocispecs.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	opts := map[string]string{"source": "org/appbuild"}
	cases := []struct {
		p    ocispecs.Platform
		want string // the file, under dir; "" for none
	}{
		{ocispecs.Platform{OS: "linux", Architecture: "amd64"}, "linux/amd64/appbuild-probe"},
		{ocispecs.Platform{OS: "linux", Architecture: "arm64"}, "linux/arm64/appbuild-probe"},
		{ocispecs.Platform{OS: "linux", Architecture: "amd64", Variant: "v3"}, "linux/amd64/appbuild-probe"},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, "linux/arm/v7/appbuild-probe"},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, ""},
		{ocispecs.Platform{OS: "linux", Architecture: "riscv64"}, ""},
		{ocispecs.Platform{OS: "linux", Architecture: "ppc64le"}, ""}, // empty file
		{ocispecs.Platform{OS: "linux", Architecture: "s390x"}, ""},
		{ocispecs.Platform{OS: "windows", Architecture: "amd64"}, ""},
		{ocispecs.Platform{OS: "$TARGETOS", Architecture: "$TARGETARCH"}, ""},
		{ocispecs.Platform{OS: "linux", Architecture: "../linux/amd64"}, ""},
		{ocispecs.Platform{OS: "..", Architecture: "amd64"}, ""},
	}
	for _, c := range cases {
		got := prebuiltProbe(opts, self, c.p)
		switch {
		case c.want == "" && got != nil:
			t.Errorf("%+v: got %+v, want none", c.p, got)
		case c.want != "" && (got == nil || got.Path != filepath.Join(dir, c.want) || got.Image != "docker.io/org/appbuild:latest"):
			t.Errorf("%+v: got %+v, want %s in docker.io/org/appbuild:latest", c.p, got, c.want)
		}
	}
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if got := prebuiltProbe(map[string]string{"source": "org/appbuild:v1@sha256:" + sixtyFour}, self, amd64); got == nil || got.Image != "docker.io/org/appbuild:v1@sha256:"+sixtyFour {
		t.Errorf("pinned source: %+v", got)
	}
	other := ocispecs.Platform{OS: "linux", Architecture: "mips64"}
	for name, c := range map[string]struct {
		opts  map[string]string
		build ocispecs.Platform
	}{
		"no source":                  {map[string]string{}, self},
		"not a reference":            {map[string]string{"source": "Org/App Build"}, self},
		"frontend from a context":    {map[string]string{"source": "org/appbuild", "context:org/appbuild": "oci-layout:///frontend"}, self},
		"build platform not its own": {opts, other},
	} {
		if got := prebuiltProbe(c.opts, c.build, amd64); got != nil {
			t.Errorf("%s: got %+v, want none", name, got)
		}
	}
}

const sixtyFour = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
