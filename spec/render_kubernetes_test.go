package spec_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/org/appbuild/kubernetes"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// checkKubernetes generates kubernetes.yaml, decodes every object strictly
// and compares what came from the spec: images, the volumes' mount paths,
// and each companion's env as the kubelet expands it.
func checkKubernetes(t *testing.T, s *spec.Spec, p *plan.Plan) {
	t.Helper()
	out, err := kubernetes.Generate(s, p, cmpOr(s.Image, s.Name))
	if err != nil {
		// A name two spec things would share is refused with a position.
		if len(spec.Errors(err)) == 0 {
			t.Errorf("kubernetes: %v", err)
		}
		return
	}
	deployments := map[string]*appsv1.Deployment{}
	for _, doc := range bytes.Split(out, []byte("\n---\n"))[1:] {
		var head struct{ Kind string }
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Errorf("kubernetes: %v\n%s", err, doc)
			return
		}
		var obj any = &corev1.Service{}
		d := &appsv1.Deployment{}
		switch head.Kind {
		case "Deployment":
			obj = d
		case "PersistentVolumeClaim":
			obj = &corev1.PersistentVolumeClaim{}
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			t.Errorf("kubernetes: %s does not decode strictly: %v\n%s", head.Kind, err, doc)
			return
		}
		if head.Kind == "Deployment" {
			deployments[d.Spec.Template.Spec.Containers[0].Image+" "+d.Name] = d
		}
	}
	if err := sameKubernetes(s, deployments); err != nil {
		t.Errorf("kubernetes: %v\n%s", err, out)
	}
}

func sameKubernetes(s *spec.Spec, deployments map[string]*appsv1.Deployment) error {
	find := func(image string) *corev1.Container {
		for k, d := range deployments {
			if strings.HasPrefix(k, image+" ") {
				return &d.Spec.Template.Spec.Containers[0]
			}
		}
		return nil
	}
	app := find(cmpOr(s.Image, s.Name))
	if app == nil {
		return fmt.Errorf("no Deployment runs %q", cmpOr(s.Image, s.Name))
	}
	var mounts []string
	for _, m := range app.VolumeMounts[1:] { // after /tmp
		mounts = append(mounts, m.MountPath)
	}
	if len(mounts)+len(s.Volumes) > 0 && !slices.Equal(mounts, s.Volumes) {
		return fmt.Errorf("app mounts %q, want %q", mounts, s.Volumes)
	}
	var want, got [][]string
	for name, cmd := range s.Processes {
		if name != spec.WebProcess {
			want = append(want, cmd)
		}
	}
	for k, d := range deployments {
		if c := d.Spec.Template.Spec.Containers[0]; strings.HasPrefix(k, cmpOr(s.Image, s.Name)+" ") && len(c.Command) > 0 {
			var cmd []string
			for _, arg := range c.Command {
				cmd = append(cmd, kubeExpand(arg, composeEnv))
			}
			got = append(got, cmd)
		}
	}
	sortCmds := func(a, b []string) int { return slices.Compare(a, b) }
	slices.SortFunc(want, sortCmds)
	slices.SortFunc(got, sortCmds)
	if !slices.EqualFunc(got, want, slices.Equal) {
		return fmt.Errorf("process commands as the kubelet expands them %q, want %q", got, want)
	}
	for name, svc := range s.Services {
		c := find(svc.Image)
		if c == nil {
			return fmt.Errorf("%s: no Deployment runs %q", name, svc.Image)
		}
		got := map[string]string{}
		for _, e := range c.Env {
			got[e.Name] = kubeExpand(e.Value, composeEnv)
		}
		if len(got)+len(svc.Env) > 0 && !mapsEqual(got, svc.Env) {
			return fmt.Errorf("%s: env as the kubelet expands it %q, want %q", name, got, svc.Env)
		}
	}
	return nil
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// kubeExpand applies Kubernetes' expansion of env values as documented
// ("Define dependent environment variables"): $(VAR) is VAR's value when
// VAR is defined, else left as it is; $$ is one $; any other $ stays.
func kubeExpand(v string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '$' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		switch v[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(v[i+2:], ')')
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			name := v[i+2 : i+2+end]
			if val, ok := env[name]; ok {
				b.WriteString(val)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
