package kubernetes

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"unicode"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Labels every object carries: the standard ones, which kubectl and
// dashboards group by.
const (
	nameLabel    = "app.kubernetes.io/name"
	partOfLabel  = "app.kubernetes.io/part-of"
	managedLabel = "app.kubernetes.io/managed-by"
)

// VolumeSize is what each PersistentVolumeClaim asks for; the spec has no
// size, so the file says it where a person changes it.
const VolumeSize = "1Gi"

// Generate returns kubernetes.yaml for the app: its Deployment, Service
// and claims, then each companion's. image is the app's image reference
// (by digest when the caller knows it); the plan supplies the user, ports
// and healthcheck, so the pod runs and probes the app as the image does.
func Generate(s *spec.Spec, p *plan.Plan, image string) ([]byte, error) {
	n := &namer{s: s, taken: map[string]string{}}
	appName, app, claims, err := appObjects(s, p, image, n)
	if err != nil {
		return nil, err
	}
	objs := append(app, claims...)
	names := make([]string, 0, len(s.Services))
	for name := range s.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	var secrets []string
	for _, name := range names {
		c, cmds, err := companion(s, appName, name, n)
		if err != nil {
			return nil, err
		}
		objs = append(objs, c...)
		secrets = append(secrets, cmds...)
	}
	return render(objs, s.File(), secrets)
}

// labels are an object's labels; the selector is the first two.
func labels(app, name string) map[string]string {
	return map[string]string{nameLabel: name, partOfLabel: app, managedLabel: "appbuild"}
}

func selector(app, name string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{nameLabel: name, partOfLabel: app}}
}

func meta(kind, version string) metav1.TypeMeta {
	return metav1.TypeMeta{Kind: kind, APIVersion: version}
}

func objectMeta(app, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: labels(app, name)}
}

// deployment runs one pod of spec.
func deployment(app, name string, pod corev1.PodSpec) *appsv1.Deployment {
	one := int32(1)
	return &appsv1.Deployment{
		TypeMeta:   meta("Deployment", "apps/v1"),
		ObjectMeta: objectMeta(app, name),
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: selector(app, name),
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels(app, name)}, Spec: pod},
		},
	}
}

// claim is a PersistentVolumeClaim of VolumeSize.
func claim(app, name string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   meta("PersistentVolumeClaim", "v1"),
		ObjectMeta: objectMeta(app, name),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: mustQuantity(VolumeSize)}},
		},
	}
}

// claimVolume mounts the claim claimName as the pod volume vol.
func claimVolume(vol, claimName string) corev1.Volume {
	return corev1.Volume{Name: vol, VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName},
	}}
}

// namer makes Kubernetes names (DNS-1123 labels: lowercase letters, digits
// and '-', at most 63) from spec names and paths, and refuses two spec
// things that would get one name.
type namer struct {
	s     *spec.Spec
	taken map[string]string // name -> what has it
}

var (
	notInLabel = regexp.MustCompile(`[^a-z0-9-]+`)
	dashes     = regexp.MustCompile(`-{2,}`)
)

// name makes the name of what (for messages) from parts, at field.
func (n *namer) name(field, what string, parts ...string) (string, error) {
	name := notInLabel.ReplaceAllString(strings.ToLower(strings.Join(parts, "-")), "-")
	name = strings.Trim(dashes.ReplaceAllString(name, "-"), "-")
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	if name == "" {
		return "", n.s.Errorf(field, "%s has no letter or digit to name a Kubernetes object after", what)
	}
	if other, ok := n.taken[name]; ok && other != what {
		return "", n.s.Errorf(field, "%s and %s would both be named %s in Kubernetes (lowercase letters, digits and '-'): rename one", what, other, name)
	}
	n.taken[name] = what
	return name, nil
}

// literal keeps an environment value as it is: Kubernetes expands $(VAR)
// in env values and reads $$ as one $, so each $ is written $$.
func literal(v string) string { return strings.ReplaceAll(v, "$", "$$") }

// envVars are sorted name=value pairs, values literal.
func envVars(env map[string]string) []corev1.EnvVar {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []corev1.EnvVar
	for _, k := range keys {
		out = append(out, corev1.EnvVar{Name: k, Value: literal(env[k])})
	}
	return out
}

// render writes the objects as one YAML stream under a comment that names
// the spec and the secrets to create first. The fields Kubernetes fills
// in itself (status, creation time) are left out.
func render(objs []any, source string, secrets []string) ([]byte, error) {
	var buf bytes.Buffer
	source = strings.Join(strings.FieldsFunc(source, unicode.IsControl), " ")
	buf.WriteString("# Generated by appbuild from " + source + "; regenerate with\n")
	buf.WriteString("#   docker buildx build -f " + source + " --target kubernetes -o . .\n")
	if len(secrets) > 0 {
		buf.WriteString("# Create the companions' secrets from their files first:\n")
		for _, c := range secrets {
			buf.WriteString("#   " + c + "\n")
		}
	}
	for _, o := range objs {
		data, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
		delete(m, "status")
		dropCreationTimestamps(m)
		out, err := yaml.Marshal(m)
		if err != nil {
			return nil, err
		}
		buf.WriteString("---\n")
		buf.Write(out)
	}
	return buf.Bytes(), nil
}

// dropCreationTimestamps removes the null creationTimestamp that every
// ObjectMeta marshals, at any depth (a pod template has one too).
func dropCreationTimestamps(v any) {
	switch v := v.(type) {
	case map[string]any:
		if v["creationTimestamp"] == nil {
			delete(v, "creationTimestamp")
		}
		for _, c := range v {
			dropCreationTimestamps(c)
		}
	case []any:
		for _, c := range v {
			dropCreationTimestamps(c)
		}
	}
}

// secretCommand is the kubectl command that creates a companion's secret
// from the spec's files.
func secretCommand(name string, files map[string]string) string {
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cmd := "kubectl create secret generic " + name
	for _, k := range keys {
		file := strings.Join(strings.FieldsFunc(files[k], unicode.IsControl), " ")
		cmd += " " + shellWord("--from-file="+k+"="+file)
	}
	return cmd
}
