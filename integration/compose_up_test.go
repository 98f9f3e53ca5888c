package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/appbuild/compose"
)

// The compose target's file, brought up for real: Docker Compose (built by
// the rig, integration/rig/compose) against podman's Docker-compatible API
// (`podman system service` on a socket of the test's own). Debian 12's
// podman-compose cannot run it: it turns every CMD healthcheck into
// `/bin/sh -c ...`, and the distroless app has no shell; and it ignores
// `condition: service_healthy`.
//
// Two things of this machine need help, and the test gives it in the open:
//   - runc refuses podman's default rlimits here (see shared/RIG.md): a
//     compose override file sets `ulimits` on each service;
//   - podman schedules healthchecks with systemd timers, and there is no
//     systemd: the test is the scheduler, running `podman healthcheck run`
//     on every container about once a second. The checks themselves are the
//     ones compose configured from the generated file.
// The override file also moves the app's published port to a free loopback
// port (other tests may hold 8080). Nothing else of the generated file is
// changed: read_only, user, cap_drop, no-new-privileges, limits, networks,
// volumes, healthchecks and depends_on are the generated ones.

const composeAppSpec = `
services:
  cache:
    image: redis:8
    volume: /data
`

// composeEnv is a podman API socket and the environment that points Docker
// Compose at it.
type composeEnv struct {
	dir, project string
	env          []string
}

// startPodmanAPI runs `podman system service` on a socket in a temporary
// directory until the test ends.
func startPodmanAPI(t *testing.T) *composeEnv {
	t.Helper()
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatalf("docker-compose is not on PATH (the rig builds it: make rig): %v", err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "podman.sock")
	svc := exec.Command("podman", "system", "service", "--time=0", "unix://"+sock)
	var logs bytes.Buffer
	svc.Stdout, svc.Stderr = &logs, &logs
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = svc.Process.Kill()
		_ = svc.Wait()
		if t.Failed() {
			t.Logf("podman system service log:\n%s", tail(logs.String(), 3000))
		}
	})
	client := &http.Client{Transport: &http.Transport{DialContext: unixDialer(sock)}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get("http://podman/_ping")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("podman API socket not answering: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	project := fmt.Sprintf("appbuild-up-%d", time.Now().UnixNano()%1_000_000)
	return &composeEnv{dir: dir, project: project, env: append(os.Environ(), "DOCKER_HOST=unix://"+sock)}
}

// compose runs docker compose on the project's files.
func (c *composeEnv) compose(t *testing.T, files []string, args ...string) (string, error) {
	t.Helper()
	full := []string{"-p", c.project}
	for _, f := range files {
		full = append(full, "-f", f)
	}
	cmd := exec.Command("docker-compose", append(full, args...)...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// healthScheduler runs the containers' healthchecks about once a second,
// as podman's systemd timers would, and records what it saw at each round.
type healthScheduler struct {
	mu     sync.Mutex
	rounds []healthRound
	stop   chan struct{}
	done   chan struct{}
}

type healthRound struct {
	at     time.Time            // the round's start
	status map[string]string    // container name: health status; absent when not running
	ran    map[string]time.Time // container name: when its check started
}

func scheduleHealthchecks(t *testing.T, containers ...string) *healthScheduler {
	h := &healthScheduler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			select {
			case <-h.stop:
				return
			default:
			}
			r := healthRound{at: time.Now(), status: map[string]string{}, ran: map[string]time.Time{}}
			for _, c := range containers {
				if state, err := podman(t, "inspect", "--format", "{{.State.Status}}", c); err != nil || state != "running" {
					continue
				}
				r.ran[c] = time.Now()
				_, _ = podman(t, "healthcheck", "run", c)
				st, _ := podman(t, "inspect", "--format", "{{.State.Health.Status}}", c)
				r.status[c] = st
			}
			h.mu.Lock()
			h.rounds = append(h.rounds, r)
			h.mu.Unlock()
			time.Sleep(time.Second)
		}
	}()
	t.Cleanup(h.halt)
	return h
}

func (h *healthScheduler) halt() {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
}

func (h *healthScheduler) history() []healthRound {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]healthRound(nil), h.rounds...)
}

// composeApp builds go-hello with a redis companion into podman and writes
// its compose.yaml (the compose target, exported) and the test's override.
func composeApp(t *testing.T, c *composeEnv) (app string, files []string, port string) {
	t.Helper()
	dir := copyDir(t, filepath.Join(repoRoot(t), "examples", "go-hello"))
	f, err := os.OpenFile(filepath.Join(dir, "app.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(composeAppSpec); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// The app image, and the redis stand-in under the name compose asks for
	// (pull_policy is "missing": present images are not pulled).
	id := loadForPodman(t, dir)
	image := "localhost/" + c.project + "/hello:test"
	mustPodman(t, "tag", id, image)
	t.Cleanup(func() { _, _ = podman(t, "rmi", image) })
	reg := os.Getenv("APPBUILD_REGISTRY")
	mustPodman(t, "pull", "-q", "--tls-verify=false", reg+"/library/redis:8")
	mustPodman(t, "tag", reg+"/library/redis:8", "docker.io/library/redis:8")

	out := filepath.Join(c.dir, "project")
	mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--target", "compose",
		"--build-arg", "APPBUILD_IMAGE="+image, "-o", out, dir)
	generated := filepath.Join(out, "compose.yaml")
	data, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	if err := compose.Validate(data); err != nil {
		t.Fatalf("compose-go refuses the generated file: %v", err)
	}
	port = freePort(t)
	override := fmt.Sprintf(`services:
  hello:
    ports: !override
      - "127.0.0.1:%s:8080"
    ulimits: &limits
      nofile: {soft: 1024, hard: 1024}
      nproc: {soft: 4096, hard: 4096}
  cache:
    ulimits: *limits
`, port)
	overridePath := filepath.Join(out, "compose.test-override.yaml")
	if err := os.WriteFile(overridePath, []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated compose.yaml:\n%s", data)
	return image, []string{generated, overridePath}, port
}

// TestComposeUpAppHealthyAfterDatabase brings the generated compose.yaml up:
// compose starts the app only once redis is healthy (depends_on:
// service_healthy), then the app turns healthy itself, serves, reaches redis
// by name on the internal network, and runs as the file says.
func TestComposeUpAppHealthyAfterDatabase(t *testing.T) {
	needTier(t, "compose")
	c := startPodmanAPI(t)
	_, files, port := composeApp(t, c)
	app, cache := c.project+"-hello-1", c.project+"-cache-1"
	t.Cleanup(func() {
		if t.Failed() {
			for _, ctr := range []string{app, cache} {
				logs, _ := podman(t, "logs", ctr)
				t.Logf("%s logs:\n%s", ctr, tail(logs, 2000))
			}
		}
		out, err := c.compose(t, files, "down", "-v", "--timeout", "5")
		if err != nil {
			t.Logf("compose down: %v\n%s", err, out)
		}
	})

	health := scheduleHealthchecks(t, cache, app)
	start := time.Now()
	// --wait: compose returns once every service is running and healthy.
	out, err := c.compose(t, files, "up", "-d", "--wait", "--wait-timeout", "180")
	if err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}
	t.Logf("compose up (%.1fs):\n%s", time.Since(start).Seconds(), out)
	health.halt()

	// Order: the app container was started after redis was healthy, and
	// while redis was not yet healthy no round of checks saw the app running.
	appStarted := inspectTime(t, app, "{{.State.StartedAt}}")
	var cacheHealthy, appHealthy time.Time
	for _, r := range health.history() {
		if r.status[cache] != "healthy" && r.status[app] != "" {
			t.Errorf("at %s the app ran (%s) while redis was %q", r.at.Format(time.RFC3339Nano), r.status[app], r.status[cache])
		}
		// The check that turned a container healthy started before it was.
		if cacheHealthy.IsZero() && r.status[cache] == "healthy" {
			cacheHealthy = r.ran[cache]
		}
		if appHealthy.IsZero() && r.status[app] == "healthy" {
			appHealthy = r.ran[app]
		}
	}
	if cacheHealthy.IsZero() || appHealthy.IsZero() {
		t.Fatalf("never saw both healthy: redis from %v, app from %v", cacheHealthy, appHealthy)
	}
	if !appStarted.After(cacheHealthy) {
		t.Errorf("app started at %s, before redis was healthy (check of %s)", appStarted.Format(time.RFC3339Nano), cacheHealthy.Format(time.RFC3339Nano))
	}
	if !appHealthy.After(appStarted) {
		t.Errorf("app healthy (check of %s) before it started (%s)", appHealthy.Format(time.RFC3339Nano), appStarted.Format(time.RFC3339Nano))
	}
	t.Logf("redis turned healthy by the check of %s; app started %s; app turned healthy by the check of %s",
		cacheHealthy.Format("15:04:05.000"), appStarted.Format("15:04:05.000"), appHealthy.Format("15:04:05.000"))
	for _, ctr := range []string{cache, app} {
		if st := mustPodman(t, "inspect", "--format", "{{.State.Health.Status}}", ctr); st != "healthy" {
			t.Errorf("%s health = %q", ctr, st)
		}
	}

	// The app serves on its published port, and reaches redis by service
	// name over the private network with its own probe (no shell in it).
	if body := waitHTTP(t, "http://127.0.0.1:"+port+"/", 30*time.Second); strings.TrimSpace(body) != "hello from appbuild" {
		t.Errorf("app answered %q", body)
	}
	if out, err := podman(t, "exec", app, "/app/appbuild-probe", "tcp://cache:6379"); err != nil {
		t.Errorf("the app cannot reach redis as cache:6379: %v %s", err, out)
	}
	if out, err := podman(t, "exec", cache, "redis-cli", "ping"); err != nil || out != "PONG" {
		t.Errorf("redis-cli ping in redis: %q %v", out, err)
	}

	// The container runs as the generated file says, as podman applied it.
	var insp []struct {
		Config struct {
			User string
		}
		HostConfig struct {
			ReadonlyRootfs bool
			CapDrop        []string
			SecurityOpt    []string
			Memory         int64
			NanoCpus       int64
			RestartPolicy  struct{ Name string }
		}
		NetworkSettings struct {
			Networks map[string]any
		}
	}
	if err := json.Unmarshal([]byte(mustPodman(t, "inspect", app)), &insp); err != nil || len(insp) != 1 {
		t.Fatalf("podman inspect %s: %v", app, err)
	}
	hc := insp[0].HostConfig
	got := fmt.Sprintf("user=%s readonly=%v capdrop=%d secopt=%v memory=%d nanocpus=%d restart=%s",
		insp[0].Config.User, hc.ReadonlyRootfs, len(hc.CapDrop), hc.SecurityOpt, hc.Memory, hc.NanoCpus, hc.RestartPolicy.Name)
	// cap_drop: [ALL] shows as the list of every capability podman dropped.
	if insp[0].Config.User != "65532:65532" || !hc.ReadonlyRootfs || len(hc.CapDrop) < 10 ||
		fmt.Sprint(hc.SecurityOpt) != "[no-new-privileges]" || hc.Memory != 128<<20 || hc.NanoCpus != 5e8 ||
		hc.RestartPolicy.Name != "unless-stopped" {
		t.Errorf("app container: %s\nwant user 65532:65532, read-only, every capability dropped, no-new-privileges, 128 MiB, 0.5 CPU, unless-stopped", got)
	}
	t.Logf("app container: %s", got)
	if uid := processUID(t, app); uid != "65532" {
		t.Errorf("app process uid = %s, want 65532", uid)
	}
	if uid := processUID(t, cache); uid != "999" {
		t.Errorf("redis process uid = %s, want 999 (redis)", uid)
	}
	private := c.project + "_private"
	if v := mustPodman(t, "network", "inspect", "--format", "{{.Internal}}", private); v != "true" {
		t.Errorf("network %s internal = %s", private, v)
	}
	if nets := insp[0].NetworkSettings.Networks; len(nets) != 2 {
		t.Errorf("app networks = %v, want public and private", nets)
	}
}

// TestComposeUpWaitsForHealthyDatabase: with redis's healthcheck made to
// fail (the override points redis-cli at a closed port), compose never
// starts the app: depends_on: service_healthy is what orders them.
func TestComposeUpWaitsForHealthyDatabase(t *testing.T) {
	needTier(t, "compose")
	c := startPodmanAPI(t)
	_, files, _ := composeApp(t, c)
	broken := filepath.Join(c.dir, "project", "compose.broken-cache.yaml")
	err := os.WriteFile(broken, []byte(`services:
  cache:
    healthcheck:
      test: [CMD, redis-cli, -p, "1", ping]
      start_period: 1s
      retries: 3
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, broken)
	app, cache := c.project+"-hello-1", c.project+"-cache-1"
	t.Cleanup(func() { _, _ = c.compose(t, files, "down", "-v", "--timeout", "5") })

	health := scheduleHealthchecks(t, cache, app)
	out, err := c.compose(t, files, "up", "-d", "--wait", "--wait-timeout", "120")
	health.halt()
	if err == nil {
		t.Fatalf("compose up succeeded with an unhealthy database:\n%s", out)
	}
	if !strings.Contains(out, "is unhealthy") {
		t.Errorf("compose up did not say the dependency is unhealthy:\n%s", out)
	}
	if st := mustPodman(t, "inspect", "--format", "{{.State.Health.Status}}", cache); st != "unhealthy" {
		t.Errorf("redis health = %q, want unhealthy", st)
	}
	// Created, perhaps, but never started.
	if started, _ := podman(t, "inspect", "--format", "{{.State.StartedAt}}", app); started != "" && !strings.HasPrefix(started, "0001-01-01") {
		t.Errorf("the app was started (%s) though redis never became healthy", started)
	}
	t.Logf("compose up refused:\n%s", tail(out, 1500))
}

func unixDialer(sock string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}
}

func inspectTime(t *testing.T, ctr, format string) time.Time {
	t.Helper()
	v := mustPodman(t, "inspect", "--format", format, ctr)
	// podman prints Go's time.Time String form.
	ts, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", v)
	if err != nil {
		t.Fatalf("inspect %s %s = %q: %v", ctr, format, v, err)
	}
	return ts
}
