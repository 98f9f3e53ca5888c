package integration

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// TestKubernetesTargetPlays: the kubernetes target's file for an app with
// a volume and a companion service (redis) runs under `podman kube play`:
// the app answers its probe as a kubelet asks it, as uid 65532 on a
// read-only root, writes to its claim's volume and finds the data again
// after its pod restarts, and reaches the companion's pod.
//
// Podman 4.3 is not a kubelet: it turns every probe into a healthcheck run
// by /bin/sh (httpGet as curl, tcpSocket as nc, exec joined into one shell
// line, each "|| exit 1"), which no distroless image can run, and it has no
// Services (so no cluster DNS name for the companion). The test asks the
// probes as the kubelet does instead: httpGet from outside the pod to its
// IP and port, and the exec form as a kubelet runs it (podman exec, no
// shell); and reaches the companion by its pod's IP.
func TestKubernetesTargetPlays(t *testing.T) {
	needTier(t, "compose") // redis
	reg := os.Getenv("APPBUILD_REGISTRY")
	redis := reg + "/library/redis:8"
	mustPodman(t, "pull", "-q", "--tls-verify=false", redis)
	name := fmt.Sprintf("kube%d", time.Now().UnixNano()%1e6)
	dir := writeApp(t, map[string]string{
		"app.yaml": "# syntax=org/appbuild\nname: " + name + "\nlanguage: go\nbuild: .\nport: 8080\nhealthcheck:\n  http: /healthz\nvolumes: [/data]\n" +
			"services:\n  cache:\n    image: " + redis + "\n",
		"go.mod":  "module counter\n\ngo 1.26\n",
		"main.go": counterMain,
	})
	image := "localhost/appbuild-" + name + ":test"
	archive := filepath.Join(t.TempDir(), "image.tar")
	mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64",
		"-o", "type=docker,oci-mediatypes=false,name="+image+",dest="+archive, dir)
	mustPodman(t, "load", "-q", "-i", archive)
	t.Cleanup(func() { _, _ = podman(t, "rmi", "-f", image) })
	out := t.TempDir()
	mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--target", "kubernetes",
		"--build-arg", "APPBUILD_IMAGE="+image, "-o", out, dir)
	manifest := filepath.Join(out, "kubernetes.yaml")
	probe := appProbe(t, manifest, name)

	t.Cleanup(func() {
		_, _ = kubePlay(t, "down", manifest)
		_, _ = podman(t, "volume", "rm", "-f", name+"-data", "cache-data")
	})
	if res, err := kubePlay(t, "play", manifest); err != nil {
		t.Fatalf("podman kube play: %v\n%s", err, res)
	}
	app := name + "-pod-0-" + name
	url := "http://" + podIP(t, app) + ":" + strconv.Itoa(probe.Port)
	if body := waitHTTP(t, url+probe.Path, 30*time.Second); !strings.Contains(body, "ok") {
		t.Errorf("the probe's GET %s answered %q", probe.Path, body)
	}
	if uid := processUID(t, app); uid != "65532" {
		t.Errorf("the app runs as uid %s, want 65532", uid)
	}
	if ro := mustPodman(t, "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", app); ro != "true" {
		t.Errorf("read-only root = %s", ro)
	}
	for _, want := range []string{"1", "2"} {
		if got := waitHTTP(t, url+"/count", 10*time.Second); got != want {
			t.Fatalf("GET /count = %q, want %q", got, want)
		}
	}
	cache := podIP(t, "cache-pod-0-cache")
	if res, err := podman(t, "exec", app, "/app/appbuild-probe", "tcp://"+cache+":6379"); err != nil {
		t.Errorf("the app's pod does not reach the companion at %s:6379: %v %s", cache, err, res)
	}
	// The exec form, as a kubelet runs an exec probe (through the runtime,
	// no shell): the image's own check, appbuild-probe.
	if res, err := podman(t, "exec", app, "/app/appbuild-probe", "http://127.0.0.1:8080"+probe.Path); err != nil {
		t.Errorf("the image's probe in the pod: %v %s", err, res)
	}
	// What podman made of the httpGet probe: a shell line, which
	// distroless cannot run (logged: it is podman's, not the file's).
	hc := mustPodman(t, "inspect", "--format", "{{.Config.Healthcheck.Test}}", app)
	_, runErr := podman(t, "healthcheck", "run", app)
	t.Logf("podman's healthcheck for the httpGet probe: %s (podman healthcheck run: %v)", hc, runErr)

	// A restart of the pod: podman 4.3's kube play refuses a claim whose
	// volume exists, so a second play cannot show it.
	mustPodman(t, "pod", "stop", "--time", "2", name+"-pod-0")
	mustPodman(t, "pod", "start", name+"-pod-0")
	url = "http://" + podIP(t, app) + ":" + strconv.Itoa(probe.Port)
	waitHTTP(t, url+probe.Path, 30*time.Second)
	if got := waitHTTP(t, url+"/count", 10*time.Second); got != "3" {
		t.Errorf("after the pod restarted, GET /count = %q, want 3: the claim's volume did not keep the data", got)
	}
}

// appProbe is the readiness probe of the app's Deployment in the file.
func appProbe(t *testing.T, manifest, name string) httpProbe {
	t.Helper()
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var d appsv1.Deployment
		if yaml.Unmarshal(doc, &d) != nil || d.Kind != "Deployment" || d.Name != name {
			continue
		}
		if p := d.Spec.Template.Spec.Containers[0].ReadinessProbe; p != nil && p.HTTPGet != nil {
			return httpProbe{p.HTTPGet.Path, p.HTTPGet.Port.IntValue()}
		}
	}
	t.Fatalf("no Deployment %s with an httpGet readiness probe in\n%s", name, data)
	return httpProbe{}
}

type httpProbe struct {
	Path string
	Port int
}

// kubePlay runs podman kube ACTION with the rig's resource limits as
// podman's defaults (this sandbox refuses raising them, see podmanLimits;
// a kube file has no way to say them).
func kubePlay(t *testing.T, action, manifest string) (string, error) {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "containers.conf")
	limits := `[containers]` + "\n" + `default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]` + "\n"
	if err := os.WriteFile(conf, []byte(limits), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONTAINERS_CONF", conf)
	return podman(t, "kube", action, manifest)
}

// podIP is the address of a container's pod on podman's network.
func podIP(t *testing.T, container string) string {
	t.Helper()
	ip := mustPodman(t, "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container)
	if ip == "" {
		t.Fatalf("%s has no address", container)
	}
	return ip
}
