package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/appbuild/integration/rigctl"
)

// extraDaemon starts a buildkitd of its own (fresh state, so its first
// build is cold) and a buildx builder for it.
func extraDaemon(t *testing.T, name string) (*rigctl.Daemon, string) {
	t.Helper()
	root, err := os.MkdirTemp("", "appbuild-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	d := rigctl.NewDaemon(root)
	t.Cleanup(func() {
		d.Stop()
		if err := d.Remove(); err != nil {
			t.Logf("leaving %s behind: %v", root, err)
		}
	})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	builder := "appbuild-test-" + name
	rm, err := d.Builder(context.Background(), builder)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rm)
	return d, builder
}

// TestRegistryCacheAcrossDaemons: one daemon builds and exports its cache
// to the registry (mode=max); a second, cold daemon imports it and takes the
// expensive steps from it.
func TestRegistryCacheAcrossDaemons(t *testing.T) {
	needTier(t, "go")
	_, first := extraDaemon(t, "first")
	_, second := extraDaemon(t, "second")
	hello := filepath.Join(repoRoot(t), "examples", "go-hello")
	ref := fmt.Sprintf("%s/appbuild-cache/go-hello:%d", os.Getenv("APPBUILD_REGISTRY"), time.Now().UnixNano())
	args := []string{"-f", filepath.Join(hello, "app.yaml"), "--platform", "linux/amd64", "-o", "type=cacheonly"}

	a := rigctl.Buildx(context.Background(), first, nil, append(args, "--cache-to", "type=registry,mode=max,ref="+ref, hello)...)
	if a.Err != nil {
		t.Fatalf("first daemon: %v\n%s", a.Err, tail(a.Stderr, 3000))
	}
	b := rigctl.Buildx(context.Background(), second, nil, append(args, "--cache-from", "type=registry,ref="+ref, hello)...)
	if b.Err != nil {
		t.Fatalf("second daemon: %v\n%s", b.Err, tail(b.Stderr, 3000))
	}
	// The probe is prebuilt in the frontend image: no step compiles it.
	for _, step := range []string{"[build 2/4] go mod download", "[build 4/4] go build ./cmd/hello"} {
		vs := b.Named(step)
		if len(vs) != 1 || !vs[0].Cached {
			t.Errorf("cold daemon ran %q instead of importing it", step)
		}
	}
	t.Logf("first daemon (cold, exports cache): %.1fs; second daemon (cold, imports): %.1fs; ratio %.2f",
		a.Wall.Seconds(), b.Wall.Seconds(), b.Wall.Seconds()/a.Wall.Seconds())
}

// TestEightConcurrentBuilds runs eight builds at once on the rig's daemon:
// eight of the examples that build here (java-gradle cannot: no Gradle
// image or distribution can be had on these machines), and go-hello under
// other names when there are fewer. --no-cache makes every step run, so the
// eight compete for the daemon instead of being answered from the cache of
// earlier tests.
func TestEightConcurrentBuilds(t *testing.T) {
	needTier(t, "test")
	specs, err := filepath.Glob(filepath.Join(repoRoot(t), "examples", "*", "app.yaml"))
	if err != nil || len(specs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	type job struct{ name, dir string }
	var jobs []job
	for _, s := range specs {
		if name := filepath.Base(filepath.Dir(s)); name != "java-gradle" {
			jobs = append(jobs, job{name, filepath.Dir(s)})
		}
	}
	for i := 0; len(jobs) < 8; i++ {
		dir := copyDir(t, filepath.Join(repoRoot(t), "examples", "go-hello"))
		spec := filepath.Join(dir, "app.yaml")
		data, err := os.ReadFile(spec)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("hello%d", i+2)
		if err := os.WriteFile(spec, []byte(strings.Replace(string(data), "name: hello", "name: "+name, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, job{name, dir})
	}
	jobs = jobs[:8]
	var wg sync.WaitGroup
	results := make([]rigctl.Result, len(jobs))
	start := time.Now()
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = rigctl.Buildx(context.Background(), builderName, nil,
				"--no-cache", "-f", filepath.Join(j.dir, "app.yaml"), "--platform", "linux/amd64", "-o", "type=cacheonly", j.dir)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Err != nil {
			t.Errorf("%s: %v\n%s", jobs[i].name, r.Err, tail(r.Stderr, 2000))
			continue
		}
		// A step the eight share (the Python examples' apt step) may be
		// reported cached to the builds that joined it late, so only "none
		// ran" is an error.
		ran, cached := 0, 0
		for name, v := range r.Vertexes {
			switch {
			case !strings.HasPrefix(name, "[") || strings.HasPrefix(name, "[internal]"):
			case v.Cached:
				cached++
			default:
				ran++
			}
		}
		if ran == 0 {
			t.Errorf("%s: no build step ran (%d cached)", jobs[i].name, cached)
		}
		t.Logf("%-14s %.1fs, %d steps run, %d cached", jobs[i].name, r.Wall.Seconds(), ran, cached)
	}
	t.Logf("8 concurrent builds done in %.1fs", time.Since(start).Seconds())
}

// TestDaemonKilledMidBuild kills buildkitd (SIGKILL) while go build runs,
// restarts it on the same state, and builds again: the build succeeds and
// the steps finished before the crash come from the cache.
func TestDaemonKilledMidBuild(t *testing.T) {
	needTier(t, "go")
	d, builder := extraDaemon(t, "crash")
	hello := copyDir(t, filepath.Join(repoRoot(t), "examples", "go-hello"))
	args := []string{"-f", filepath.Join(hello, "app.yaml"), "--platform", "linux/amd64", "-o", "type=cacheonly", hello}

	var once sync.Once
	killed := false
	first := rigctl.BuildxWatch(context.Background(), builder, nil, func(v rigctl.Vertex) {
		if strings.HasPrefix(v.Name, "[build 4/4] go build") && v.Started != nil && v.Completed == nil {
			once.Do(func() {
				time.Sleep(2 * time.Second) // well inside a cold compile
				d.Kill()
				killed = true
			})
		}
	}, args...)
	if !killed {
		t.Fatalf("the build ended before go build started: %v\n%s", first.Err, tail(first.Stderr, 2000))
	}
	if first.Err == nil {
		t.Fatal("the build survived its daemon being killed")
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatalf("restart after the crash: %v", err)
	}
	again := rigctl.Buildx(context.Background(), builder, nil, args...)
	if again.Err != nil {
		t.Fatalf("build after restart: %v\n%s", again.Err, tail(again.Stderr, 3000))
	}
	if vs := again.Named("[build 2/4] go mod download"); len(vs) != 1 || !vs[0].Cached {
		t.Error("go mod download, finished before the crash, ran again")
	}
	t.Logf("after restart: %.1fs, go mod download cached", again.Wall.Seconds())
}
