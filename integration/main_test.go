package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The rig comes up in tiers (integration/rig/tiers.mk): each test names the tier it
// needs with needTier, and the first test of a tier brings it up through
// integration/rig/up.sh, so `go test ./integration -run TestGo` on a bare machine builds
// only the Go tier. APPBUILD_RIG selects the mode:
//
//	(unset)  bring up each tier a test needs (seconds when it is up)
//	skip     skip every rig test (make unit, a laptop without the rig)
//	up       use the rig as it runs, without up.sh: for a second checkout (a
//	         worktree) whose tree must not rebuild and push the shared frontend image;
//	         only the in-process tests then test that checkout's frontend
//
// APPBUILD_MAX_TIER=test (make test) skips the tests that need a tier beyond the
// tests' own: the python:3.13-slim comparison belongs to make bench.
func TestMain(m *testing.M) {
	if os.Getenv("APPBUILD_RIG") != "skip" {
		if err := loadRigEnv(); err != nil {
			fmt.Fprintf(os.Stderr, "integration: %v\n", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// benchTiers are the tiers beyond `test`, which APPBUILD_MAX_TIER=test leaves out.
var benchTiers = []string{"bench", "all"}

var (
	tiersMu sync.Mutex
	tiers   = map[string]*tierState{}
)

type tierState struct {
	once sync.Once
	err  error
}

// needTier brings up the rig tier a test needs, once per test binary, or skips the
// test when rig tests are off. A tier that fails to come up fails the test: asked
// for, the rig is never skipped quietly.
func needTier(t *testing.T, tier string) {
	t.Helper()
	if os.Getenv("APPBUILD_RIG") == "skip" {
		t.Skip("APPBUILD_RIG=skip: the rig tests are off (make test runs them)")
	}
	if os.Getenv("APPBUILD_MAX_TIER") == "test" && slices.Contains(benchTiers, tier) {
		t.Skipf("needs the %s tier, which only make bench builds (it runs this test)", tier)
	}
	tiersMu.Lock()
	st := tiers[tier]
	if st == nil {
		st = &tierState{}
		tiers[tier] = st
	}
	tiersMu.Unlock()
	st.once.Do(func() {
		if os.Getenv("APPBUILD_RIG") != "up" {
			st.err = tierUp(tier)
		}
	})
	if st.err != nil {
		t.Fatal(st.err)
	}
}

// tierUp runs up.sh for one tier. up.sh locks every piece, so a `make test` prefetch
// building the same piece is waited for, not repeated.
func tierUp(tier string) error {
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "integration: rig tier %s: integration/rig/up.sh %s\n", tier, tier)
	cmd := exec.Command(filepath.Join(root, "integration", "rig", "up.sh"), tier)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("rig tier %s did not come up (integration/rig/up.sh %s): %v\n%s", tier, tier, err, tail(string(out), 4000))
	}
	return nil
}

// loadRigEnv sets the variables integration/rig/env.sh exports (PATH with the rig's
// binaries, BUILDKIT_HOST, APPBUILD_REGISTRY, RIG_DIR) in this process, and one rig run
// id for every tier this binary brings up (the Debian lists are refreshed once per run).
func loadRigEnv() error {
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	env := filepath.Join(root, "integration", "rig", "env.sh")
	out, err := exec.Command("bash", "-c", `. "$1" && env -0`, "bash", env).Output()
	if err != nil {
		return fmt.Errorf("sourcing %s: %v", env, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Split(splitNUL)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && os.Getenv(k) != v {
			os.Setenv(k, v)
		}
	}
	if os.Getenv("RIG_RUN_ID") == "" {
		os.Setenv("RIG_RUN_ID", fmt.Sprintf("go-test-%d", os.Getpid()))
	}
	return sc.Err()
}

func splitNUL(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
