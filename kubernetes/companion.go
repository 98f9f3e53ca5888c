package kubernetes

import (
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/org/appbuild/spec"
)

// companion is a companion service's Deployment, its headless Service (the
// app reaches it by name on any port, as on compose's network: the spec
// names no ports for companions) and the claim of its volume, with the
// kubectl command that creates its secret, if it has secrets.
func companion(s *spec.Spec, partOf, name string, n *namer) (objs []any, secretCmds []string, err error) {
	svc := s.Services[name]
	field := "services." + name
	k8sName, err := n.name(field, "the service "+name, name)
	if err != nil {
		return nil, nil, err
	}
	c := corev1.Container{
		Name:            k8sName,
		Image:           svc.Image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Env:             envVars(svc.Env),
		// Service images start as root to set up their data directory;
		// they get what the restricted profile allows them short of that.
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
	pod := corev1.PodSpec{AutomountServiceAccountToken: ptr(false), EnableServiceLinks: ptr(false)}
	if svc.Volume != "" {
		claimName, err := n.name(field+".volume", "the volume of "+name, name, "data")
		if err != nil {
			return nil, nil, err
		}
		pod.Volumes = append(pod.Volumes, claimVolume("data", claimName))
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "data", MountPath: svc.Volume})
		objs = append(objs, claim(partOf, claimName))
	}
	if len(svc.Secrets) > 0 {
		secret, err := n.name(field+".secrets", "the secrets of "+name, name, "secrets")
		if err != nil {
			return nil, nil, err
		}
		// Each file at /run/secrets/NAME, where compose puts it.
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "secrets", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: secret},
		}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "secrets", MountPath: "/run/secrets", ReadOnly: true})
		secretCmds = append(secretCmds, secretCommand(secret, svc.Secrets))
	}
	pod.Containers = []corev1.Container{c}
	headless := &corev1.Service{
		TypeMeta:   meta("Service", "v1"),
		ObjectMeta: objectMeta(partOf, k8sName),
		Spec:       corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: selector(partOf, k8sName).MatchLabels},
	}
	return append([]any{deployment(partOf, k8sName, pod), headless}, objs...), secretCmds, nil
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9._/=-]+$`)

// shellWord quotes a word for a POSIX shell when it needs it.
func shellWord(w string) string {
	if plainWord.MatchString(w) {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
