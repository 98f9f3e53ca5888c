package kubernetes_test

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"

	"github.com/org/appbuild/internal/exampletest"
	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/kubernetes"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

var amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

// objects decodes a kubernetes.yaml strictly (an unknown or misspelt field
// is an error) into the k8s.io/api types, by kind.
type objects struct {
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	claims      map[string]*corev1.PersistentVolumeClaim
}

func decode(t *testing.T, data []byte) objects {
	t.Helper()
	o := objects{map[string]*appsv1.Deployment{}, map[string]*corev1.Service{}, map[string]*corev1.PersistentVolumeClaim{}}
	docs := bytes.Split(data, []byte("\n---\n"))
	for _, doc := range docs[1:] {
		var head struct{ Kind, APIVersion string }
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
		var err error
		switch head.APIVersion + " " + head.Kind {
		case "apps/v1 Deployment":
			d := &appsv1.Deployment{}
			err = yaml.UnmarshalStrict(doc, d)
			o.deployments[d.Name] = d
		case "v1 Service":
			s := &corev1.Service{}
			err = yaml.UnmarshalStrict(doc, s)
			o.services[s.Name] = s
		case "v1 PersistentVolumeClaim":
			c := &corev1.PersistentVolumeClaim{}
			err = yaml.UnmarshalStrict(doc, c)
			o.claims[c.Name] = c
		default:
			t.Fatalf("unexpected %s %s", head.APIVersion, head.Kind)
		}
		if err != nil {
			t.Fatalf("%s does not decode strictly: %v\n%s", head.Kind, err, doc)
		}
	}
	return o
}

// restricted evaluates a pod against the Pod Security Standards'
// restricted profile with the policy library the admission controller
// runs, and returns what it forbids.
func restricted(t *testing.T, d *appsv1.Deployment) []string {
	t.Helper()
	ev, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range ev.EvaluatePod(api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}, &d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec) {
		if !r.Allowed {
			out = append(out, r.ForbiddenReason+": "+r.ForbiddenDetail)
		}
	}
	return out
}

func generate(t *testing.T, src string) []byte {
	t.Helper()
	s, err := spec.Parse("app.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: testfiles.Map{"go.mod": "module x\ngo 1.26\n"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := kubernetes.Generate(s, p, "registry.example.com/shop@sha256:"+strings.Repeat("a", 64))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExampleKubernetesFiles: every example's kubernetes.yaml is its golden
// examples/*/want/kubernetes.yaml (go test ./kubernetes -update accepts a
// change after reading its diff); every object decodes strictly and the
// app's pod passes the restricted profile.
func TestExampleKubernetesFiles(t *testing.T) {
	exampletest.Each(t, "../examples", func(t *testing.T, ex exampletest.Example) {
		s, p := ex.Spec, ex.Plan(t, ex.Env(amd64, amd64))
		out, err := kubernetes.Generate(s, p, cmp.Or(s.Image, s.Name))
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join(ex.Dir, "want", "kubernetes.yaml"), out)
		o := decode(t, out)
		app := o.deployments[s.Name]
		if app == nil {
			t.Fatalf("no Deployment %s", s.Name)
		}
		if bad := restricted(t, app); len(bad) > 0 {
			t.Errorf("the pod is not restricted:\n%s", strings.Join(bad, "\n"))
		}
	})
}

const shop = `name: shop
language: go
build: ./cmd/shop
port: 8080
healthcheck:
  http: /healthz
  interval: 10s
  timeout: 2500ms
  start_period: 20s
  retries: 4
resources:
  memory: 256m
  cpus: "0.5"
volumes: [/data]
services:
  db:
    image: postgres:17
    env:
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
      GREETING: "$(HOME) costs $5"
    secrets:
      db_password: ./secrets/db password.txt
    volume: /var/lib/postgresql/data
`

// TestShop: an app with a volume, limits, an HTTP check and a companion
// with a volume, a secret and an env value Kubernetes would expand.
func TestShop(t *testing.T) {
	out := generate(t, shop)
	o := decode(t, out)
	app := o.deployments["shop"]
	pod := app.Spec.Template.Spec
	c := pod.Containers[0]
	if bad := restricted(t, app); len(bad) > 0 {
		t.Errorf("the app's pod is not restricted:\n%s", strings.Join(bad, "\n"))
	}
	if *pod.SecurityContext.RunAsUser != 65532 || *pod.SecurityContext.FSGroup != 65532 || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Errorf("pod security %+v, container %+v", pod.SecurityContext, c.SecurityContext)
	}
	probe := c.LivenessProbe
	if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != "/healthz" || probe.HTTPGet.Port.IntValue() != 8080 ||
		probe.PeriodSeconds != 10 || probe.TimeoutSeconds != 3 || probe.InitialDelaySeconds != 20 || probe.FailureThreshold != 4 {
		t.Errorf("liveness probe %+v", probe)
	}
	if got := fmt.Sprint(c.Resources.Limits.Memory(), " ", c.Resources.Limits.Cpu(), " ", c.Resources.Requests.Memory()); got != "256Mi 500m 256Mi" {
		t.Errorf("resources %s", got)
	}
	var mounts []string
	for _, m := range c.VolumeMounts {
		mounts = append(mounts, m.Name+" "+m.MountPath)
	}
	if want := []string{"tmp /tmp", "volume-0 /data"}; !slices.Equal(mounts, want) {
		t.Errorf("mounts %v, want %v", mounts, want)
	}
	for _, name := range []string{"shop-data", "db-data"} {
		if o.claims[name] == nil {
			t.Errorf("no claim %s", name)
		}
	}
	if svc := o.services["db"]; svc == nil || svc.Spec.ClusterIP != "None" {
		t.Errorf("db service %+v", svc)
	}
	if svc := o.services["shop"]; svc == nil || svc.Spec.Ports[0].Port != 8080 {
		t.Errorf("shop service %+v", svc)
	}
	db := o.deployments["db"].Spec.Template.Spec.Containers[0]
	for _, e := range db.Env {
		if e.Name == "GREETING" && e.Value != "$$(HOME) costs $$5" {
			t.Errorf("GREETING = %q, want every $ doubled ($(VAR) is expanded)", e.Value)
		}
	}
	if !strings.Contains(string(out), "#   kubectl create secret generic db-secrets '--from-file=db_password=secrets/db password.txt'\n") {
		t.Errorf("no secret command in\n%s", out)
	}
}

// TestProbeKinds: TCP and the default checks are the kubelet's TCP probe,
// an exec check runs the image's command, none leaves probes out.
func TestProbeKinds(t *testing.T) {
	for _, c := range []struct{ hc, want string }{
		{"", "tcp 8080"},
		{"healthcheck:\n  tcp: 9090\n", "tcp 9090"},
		{"healthcheck:\n  exec: [/app/shop, check]\n", "exec /app/shop check"},
		{"healthcheck:\n  none: true\n", "none"},
	} {
		d := decode(t, generate(t, "name: shop\nlanguage: go\nport: 8080\n"+c.hc)).deployments["shop"]
		p := d.Spec.Template.Spec.Containers[0].ReadinessProbe
		got := "none"
		switch {
		case p == nil:
		case p.TCPSocket != nil:
			got = fmt.Sprint("tcp ", p.TCPSocket.Port.IntValue())
		case p.Exec != nil:
			got = "exec " + strings.Join(p.Exec.Command, " ")
		}
		if got != c.want {
			t.Errorf("%q: probe %s, want %s", c.hc, got, c.want)
		}
	}
}

// TestNamesBecomeLabels: spec names with '_' and '.' become DNS labels;
// two that would meet are refused at the spec's line.
func TestNamesBecomeLabels(t *testing.T) {
	o := decode(t, generate(t, "name: my_app.v2\nlanguage: go\nport: 8080\nservices:\n  the_db:\n    image: postgres:17\n"))
	if o.deployments["my-app-v2"] == nil || o.deployments["the-db"] == nil {
		t.Errorf("deployments %v", slices.Collect(maps.Keys(o.deployments)))
	}
	s, err := spec.Parse("app.yaml", []byte("name: shop\nlanguage: go\nservices:\n  my_db:\n    image: postgres:17\n  my.db:\n    image: postgres:17\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: testfiles.Map{"go.mod": "module x\ngo 1.26\n"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = kubernetes.Generate(s, p, "shop")
	if want := "app.yaml:4:3: the service my_db and the service my.db would both be named my-db in Kubernetes (lowercase letters, digits and '-'): rename one"; err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestProcesses: web is the app's Deployment (the image's entrypoint,
// probes, Service); each other process a Deployment of the same image and
// pod security running its command, with no port and no probes.
func TestProcesses(t *testing.T) {
	o := decode(t, generate(t, "name: shop\nlanguage: go\nport: 8080\nvolumes: [/data]\nprocesses:\n  web: [/app/shop, serve]\n  worker: [/app/shop, work, --queue=$(QUEUE)]\n"))
	web, worker := o.deployments["shop"], o.deployments["shop-worker"]
	if web == nil || worker == nil || len(o.deployments) != 2 {
		t.Fatalf("deployments %v", slices.Collect(maps.Keys(o.deployments)))
	}
	wc, kc := web.Spec.Template.Spec.Containers[0], worker.Spec.Template.Spec.Containers[0]
	if len(wc.Command) != 0 || wc.ReadinessProbe == nil {
		t.Errorf("web command %q probe %v", wc.Command, wc.ReadinessProbe)
	}
	if want := []string{"/app/shop", "work", "--queue=$$(QUEUE)"}; !slices.Equal(kc.Command, want) {
		t.Errorf("worker command %q, want %q", kc.Command, want)
	}
	if kc.Image != wc.Image || len(kc.Ports) != 0 || kc.ReadinessProbe != nil || len(kc.VolumeMounts) != 2 {
		t.Errorf("worker container %+v", kc)
	}
	if bad := restricted(t, worker); len(bad) > 0 {
		t.Errorf("the worker's pod is not restricted: %v", bad)
	}
	if o.services["shop-worker"] != nil {
		t.Errorf("a worker has no port, so no Service")
	}
}
