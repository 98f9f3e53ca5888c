package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// processesApp writes an app with two processes sharing a volume: web
// (the image's entrypoint, on port 8080) and worker (the same binary with
// "work"), and loads its amd64 image into podman as image.
func processesApp(t *testing.T, name, image string) string {
	t.Helper()
	dir := writeApp(t, map[string]string{
		"app.yaml": "# syntax=org/appbuild\nname: " + name + "\nlanguage: go\nbuild: .\nport: 8080\nhealthcheck:\n  http: /healthz\nvolumes: [/data]\n" +
			"processes:\n  web: [/app/" + name + "]\n  worker: [/app/" + name + ", work]\n",
		"go.mod":  "module counter\n\ngo 1.26\n",
		"main.go": counterMain,
	})
	archive := filepath.Join(t.TempDir(), "image.tar")
	mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64",
		"-o", "type=docker,oci-mediatypes=false,name="+image+",dest="+archive, dir)
	mustPodman(t, "load", "-q", "-i", archive)
	t.Cleanup(func() { _, _ = podman(t, "rmi", "-f", image) })
	return dir
}

// waitBeats waits until url/beat answers a beat, then checks that the
// worker goes on writing: the count grows.
func waitBeats(t *testing.T, url string) {
	t.Helper()
	beat := func() int {
		body := waitHTTP(t, url+"/beat", 60*time.Second)
		n, err := strconv.Atoi(strings.TrimPrefix(body, "beat "))
		if err != nil {
			t.Fatalf("GET /beat = %q", body)
		}
		return n
	}
	first := beat()
	time.Sleep(time.Second)
	if next := beat(); next <= first {
		t.Errorf("the worker stopped: beat %d, then %d a second later", first, next)
	}
}

// TestProcessesInCompose: the compose target runs web and worker as two
// services of one image: web serves on its port, the worker writes to the
// volume both mount, each as uid 65532 on a read-only root.
func TestProcessesInCompose(t *testing.T) {
	needTier(t, "compose")
	c := startPodmanAPI(t)
	name := "procs"
	image := "localhost/" + c.project + "/procs:test"
	dir := processesApp(t, name, image)
	out := filepath.Join(c.dir, "project")
	mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--target", "compose",
		"--build-arg", "APPBUILD_IMAGE="+image, "-o", out, dir)
	port := freePort(t)
	override := fmt.Sprintf("services:\n  %[1]s:\n    ports: !override\n      - \"127.0.0.1:%[2]s:8080\"\n    ulimits: &limits\n      nofile: {soft: 1024, hard: 1024}\n      nproc: {soft: 4096, hard: 4096}\n  %[1]s-worker:\n    ulimits: *limits\n", name, port)
	overridePath := filepath.Join(out, "compose.test-override.yaml")
	if err := os.WriteFile(overridePath, []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(out, "compose.yaml"), overridePath}
	t.Cleanup(func() {
		if res, err := c.compose(t, files, "down", "-v", "--timeout", "5"); err != nil {
			t.Logf("compose down: %v\n%s", err, res)
		}
	})
	if res, err := c.compose(t, files, "up", "-d"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, res)
	}
	waitBeats(t, "http://127.0.0.1:"+port)
	for _, ctr := range []string{c.project + "-" + name + "-1", c.project + "-" + name + "-worker-1"} {
		if uid := processUID(t, ctr); uid != "65532" {
			t.Errorf("%s runs as uid %s, want 65532", ctr, uid)
		}
		if ro := mustPodman(t, "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", ctr); ro != "true" {
			t.Errorf("%s: read-only root = %s", ctr, ro)
		}
	}
}

// TestProcessesInKubernetes: the kubernetes target's Deployments for web
// and worker run under podman kube play, sharing the claim's volume: web
// answers with the worker's beats.
func TestProcessesInKubernetes(t *testing.T) {
	needTier(t, "go")
	name := fmt.Sprintf("procs%d", time.Now().UnixNano()%1e6)
	image := "localhost/appbuild-" + name + ":test"
	dir := processesApp(t, name, image)
	out := t.TempDir()
	mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--target", "kubernetes",
		"--build-arg", "APPBUILD_IMAGE="+image, "-o", out, dir)
	manifest := filepath.Join(out, "kubernetes.yaml")
	t.Cleanup(func() {
		_, _ = kubePlay(t, "down", manifest)
		_, _ = podman(t, "volume", "rm", "-f", name+"-data")
	})
	if res, err := kubePlay(t, "play", manifest); err != nil {
		t.Fatalf("podman kube play: %v\n%s", err, res)
	}
	web, worker := name+"-pod-0-"+name, name+"-worker-pod-0-"+name+"-worker"
	waitBeats(t, "http://"+podIP(t, web)+":8080")
	for _, ctr := range []string{web, worker} {
		if uid := processUID(t, ctr); uid != "65532" {
			t.Errorf("%s runs as uid %s, want 65532", ctr, uid)
		}
	}
	if cmd := mustPodman(t, "inspect", "--format", "{{.Config.Cmd}} {{.Config.Entrypoint}}", worker); !strings.Contains(cmd, "work") {
		t.Errorf("the worker runs %s", cmd)
	}
}
