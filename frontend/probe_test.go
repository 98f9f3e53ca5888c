package frontend

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// TestPrebuiltProbe: the probe is looked up by the target's OS and
// architecture (and variant only for 32-bit arm, as GOARM), read once, and
// a platform with no prebuilt probe gets nil: built from source.
func TestPrebuiltProbe(t *testing.T) {
	dir := t.TempDir()
	old := probeDir
	probeDir = dir
	t.Cleanup(func() { probeDir = old })
	files := map[string][]byte{
		"linux/amd64/appbuild-probe":   []byte("amd64 probe"),
		"linux/arm64/appbuild-probe":   []byte("arm64 probe"),
		"linux/arm/v7/appbuild-probe":  []byte("armv7 probe"),
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
	cases := []struct {
		p    ocispecs.Platform
		want string
	}{
		{ocispecs.Platform{OS: "linux", Architecture: "amd64"}, "amd64 probe"},
		{ocispecs.Platform{OS: "linux", Architecture: "arm64"}, "arm64 probe"},
		{ocispecs.Platform{OS: "linux", Architecture: "amd64", Variant: "v3"}, "amd64 probe"},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, "armv7 probe"},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, ""},
		{ocispecs.Platform{OS: "linux", Architecture: "riscv64"}, ""},
		{ocispecs.Platform{OS: "linux", Architecture: "s390x"}, ""},
		{ocispecs.Platform{OS: "windows", Architecture: "amd64"}, ""},
		{ocispecs.Platform{OS: "$TARGETOS", Architecture: "$TARGETARCH"}, ""},
		{ocispecs.Platform{OS: "linux", Architecture: "../linux/amd64"}, ""},
		{ocispecs.Platform{OS: "..", Architecture: "amd64"}, ""},
	}
	for _, c := range cases {
		got := prebuiltProbe(c.p)
		if string(got) != c.want || (c.want == "") != (got == nil) {
			t.Errorf("%+v: got %q, want %q", c.p, got, c.want)
		}
	}
	// Read once: a changed file is not read again.
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if err := os.WriteFile(filepath.Join(dir, "linux/amd64/appbuild-probe"), []byte("changed"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := prebuiltProbe(amd64); !bytes.Equal(got, []byte("amd64 probe")) {
		t.Errorf("read again: %q", got)
	}
}
