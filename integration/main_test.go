package integration

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// TestMain refuses to pass quietly without the rig: with
// APPBUILD_REQUIRE_RIG=1 (make test sets it) a missing rig fails the run;
// otherwise (a plain `go test ./...` on a laptop) these tests are skipped
// with a message saying how to run them.
func TestMain(m *testing.M) {
	if err := rigUp(); err != nil {
		if os.Getenv("APPBUILD_REQUIRE_RIG") == "1" {
			fmt.Fprintf(os.Stderr, "integration: the rig is required but not up: %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "integration: skipping, the rig is not up (%v); run `make rig` or `make test`\n", err)
		skipAll = true
	}
	os.Exit(m.Run())
}

var skipAll bool

func needRig(t *testing.T) {
	t.Helper()
	if skipAll {
		t.Skip("the rig is not up; run make rig")
	}
}

func rigUp() error {
	if os.Getenv("BUILDKIT_HOST") == "" {
		return fmt.Errorf("BUILDKIT_HOST is not set (source integration/rig/env.sh)")
	}
	out, err := exec.Command("docker", "buildx", "inspect", builderName).CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker buildx inspect %s: %v: %s", builderName, err, out)
	}
	return nil
}
