package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// podmanLimits are needed on these machines: without explicit rlimits runc
// refuses to start the container (see shared/RIG.md).
var podmanLimits = []string{"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"}

// podman runs podman and returns its standard output; on failure the
// error carries standard error. Podman logs to standard error (on these
// machines, that it has no systemd to schedule healthchecks with: the
// tests run them with `podman healthcheck run` instead).
func podman(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("podman", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return strings.TrimSpace(stdout.String()), fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func mustPodman(t *testing.T, args ...string) string {
	t.Helper()
	out, err := podman(t, args...)
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// loadForPodman builds one platform of an app as a Docker-media-type archive
// (podman reads HEALTHCHECK only from those) and loads it; it returns the
// image id.
func loadForPodman(t *testing.T, dir string) string {
	t.Helper()
	return loadFileForPodman(t, dir, "app.yaml")
}

// loadFileForPodman is loadForPodman for another build file of dir (an
// ejected Dockerfile).
func loadFileForPodman(t *testing.T, dir, file string) string {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "image.tar")
	mustBuildx(t, nil, "-f", filepath.Join(dir, file), "--platform", "linux/amd64",
		"-o", "type=docker,oci-mediatypes=false,dest="+archive, dir)
	out := mustPodman(t, "load", "-q", "-i", archive)
	// "Loaded image: sha256:…" or "Loaded image(s): …"
	id := out[strings.LastIndex(out, " ")+1:]
	t.Cleanup(func() { _, _ = podman(t, "rmi", "-f", id) })
	return id
}

// runContainer starts an image read-only, the way production should run it,
// with the app's port published on loopback; extra are more podman run
// options (a volume).
func runContainer(t *testing.T, image, containerPort string, extra ...string) (id, hostPort string) {
	t.Helper()
	hostPort = freePort(t)
	args := append([]string{"run", "-d", "--read-only"}, podmanLimits...)
	args = append(append(args, extra...), "-p", "127.0.0.1:"+hostPort+":"+containerPort, image)
	id = mustPodman(t, args...)
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := podman(t, "logs", id)
			t.Logf("container logs:\n%s", logs)
		}
		_, _ = podman(t, "rm", "-f", id)
	})
	return id, hostPort
}

// waitHealthy runs the image's HEALTHCHECK until it passes, and returns the
// status podman records.
func waitHealthy(t *testing.T, id string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	var out string
	var err error
	for time.Now().Before(deadline) {
		out, err = podman(t, "healthcheck", "run", id)
		if err == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("podman healthcheck run: %v: %s", err, out)
	}
	return mustPodman(t, "inspect", "--format", "{{.State.Health.Status}}", id)
}

// checkRuntimeContract checks a running container against the image
// contract: healthy within the time given, uid 65532, a read-only root and
// no shell.
func checkRuntimeContract(t *testing.T, id string, healthWithin time.Duration) {
	t.Helper()
	if status := waitHealthy(t, id, healthWithin); status != "healthy" {
		t.Errorf("health status = %q, want healthy", status)
	}
	if uid := processUID(t, id); uid != "65532" {
		t.Errorf("process runs as uid %s, want 65532", uid)
	}
	if ro := mustPodman(t, "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", id); ro != "true" {
		t.Errorf("read-only root = %s", ro)
	}
	if out, err := podman(t, "exec", id, "/bin/sh", "-c", "true"); err == nil {
		t.Errorf("a shell ran in the container: %s", out)
	}
}

// processUID reads the container's main process uid from /proc on the
// host: what the kernel says, not what the image config claims.
func processUID(t *testing.T, id string) string {
	t.Helper()
	pid := mustPodman(t, "inspect", "--format", "{{.State.Pid}}", id)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%s/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			return f[1]
		}
	}
	t.Fatalf("no Uid line in /proc/%s/status", pid)
	return ""
}
