package contract

import (
	"os"
	"regexp"
	"slices"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// TestFrontendImageBuildsTheSameProbe: the frontend image prebuilds the
// probe with the golang image and the command of probeStage; if either
// drifts, the prebuilt bytes are no longer what the stage would build.
func TestFrontendImageBuildsTheSameProbe(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	from := regexp.MustCompile(`(?m)^FROM --platform=\$BUILDPLATFORM golang:(\S+) AS probe$`).FindStringSubmatch(df)
	if from == nil || from[1] != GoVersion {
		t.Errorf("the Dockerfile's probe stage is FROM %v, want golang:%s", from, GoVersion)
	}
	// probeStage's arguments, and the shell line that gives the same.
	args := []string{"go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/appbuild-probe", "main.go"}
	want := `go build -trimpath -ldflags="-s -w" -o /out/appbuild-probe main.go`
	if got := probeStage("golang", linux("amd64")).Steps[1].Run.Args; !slices.Equal(got, args) {
		t.Fatalf("probeStage runs %q; the test expects %q: update it and the Dockerfile's probe stage", got, args)
	}
	if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(want) + `;`).MatchString(df) {
		t.Errorf("the Dockerfile does not run %s", want)
	}
	env := GoTargetEnv(linux("arm64"))
	if len(env) != 3 || env[0] != "CGO_ENABLED=0" || env[1] != "GOOS=linux" || env[2] != "GOARCH=arm64" {
		t.Errorf("GoTargetEnv = %v: the Dockerfile sets only CGO_ENABLED, GOOS and GOARCH", env)
	}
	if !regexp.MustCompile(`CGO_ENABLED=0 GOOS=linux GOARCH=\$arch`).MatchString(df) {
		t.Error("the Dockerfile's probe build does not set CGO_ENABLED=0 GOOS=linux GOARCH")
	}
}

func linux(arch string) ocispecs.Platform { return ocispecs.Platform{OS: "linux", Architecture: arch} }
