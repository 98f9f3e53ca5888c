package kubernetes

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// appObjects are the app's Deployment and, with ports, its Service, then a
// claim per volume.
func appObjects(s *spec.Spec, p *plan.Plan, image string, n *namer) (name string, app, claims []any, err error) {
	name, err = n.name("name", "the app "+s.Name, s.Name)
	if err != nil {
		return "", nil, nil, err
	}
	c := corev1.Container{
		Name:            name,
		Image:           image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		SecurityContext: restricted(s),
		Resources:       resources(s.Resources),
		VolumeMounts:    []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
	}
	for _, port := range s.AllPorts() {
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: int32(port.Number), Protocol: protocol(port)})
	}
	if err := probes(&c, s, p.Image.Healthcheck); err != nil {
		return "", nil, nil, err
	}
	pod := corev1.PodSpec{
		Containers:                   []corev1.Container{c},
		SecurityContext:              podSecurity(s),
		AutomountServiceAccountToken: ptr(false),
		EnableServiceLinks:           ptr(false),
		Volumes:                      []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
	}
	for i, v := range s.Volumes {
		claimName, err := n.name(fmt.Sprintf("volumes[%d]", i), "the volume "+v, s.Name, v)
		if err != nil {
			return "", nil, nil, err
		}
		vol := fmt.Sprintf("volume-%d", i)
		pod.Volumes = append(pod.Volumes, claimVolume(vol, claimName))
		pod.Containers[0].VolumeMounts = append(pod.Containers[0].VolumeMounts, corev1.VolumeMount{Name: vol, MountPath: v})
		claims = append(claims, claim(name, claimName))
	}
	app = []any{deployment(name, name, pod)}
	if len(c.Ports) > 0 {
		app = append(app, service(name, name, s.AllPorts()))
	}
	procs, err := processes(s, name, pod, n)
	if err != nil {
		return "", nil, nil, err
	}
	return name, append(app, procs...), claims, nil
}

// processes are a Deployment per process besides web: the app's pod with
// the process's command (Kubernetes expands $(VAR) in it: literal), no
// port and no probes (the healthcheck is web's). Each mounts the app's
// claims too; a ReadWriteOnce claim then holds its pods to one node.
func processes(s *spec.Spec, app string, pod corev1.PodSpec, n *namer) ([]any, error) {
	names := make([]string, 0, len(s.Processes))
	for name := range s.Processes {
		if name != spec.WebProcess {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []any
	for _, proc := range names {
		name, err := n.name("processes."+proc, "the process "+proc, s.Name, proc)
		if err != nil {
			return nil, err
		}
		p := *pod.DeepCopy()
		c := &p.Containers[0]
		c.Name, c.Ports, c.LivenessProbe, c.ReadinessProbe = name, nil, nil, nil
		for _, arg := range s.Processes[proc] {
			c.Command = append(c.Command, literal(arg))
		}
		out = append(out, deployment(app, name, p))
	}
	return out, nil
}

// restricted is the container's part of the Pod Security Standards'
// restricted profile, and the image contract's read-only root.
func restricted(s *spec.Spec) *corev1.SecurityContext {
	sc := &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	if !s.RunsAsRoot() {
		sc.RunAsNonRoot = ptr(true)
	}
	return sc
}

// podSecurity runs the pod as the image's user; fsGroup makes the volumes
// the claims bring (root's when new) writable by it.
func podSecurity(s *spec.Spec) *corev1.PodSecurityContext {
	uid, gid, _ := s.UserIDs()
	sc := &corev1.PodSecurityContext{
		RunAsUser:      ptr(int64(uid)),
		RunAsGroup:     ptr(int64(gid)),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	if len(s.Volumes) > 0 {
		sc.FSGroup = ptr(int64(gid))
	}
	if !s.RunsAsRoot() {
		sc.RunAsNonRoot = ptr(true)
	}
	return sc
}

// resources are the spec's limits, requested as well, so the scheduler
// places the pod where they fit.
func resources(r *spec.Resources) corev1.ResourceRequirements {
	if r == nil {
		return corev1.ResourceRequirements{}
	}
	l := corev1.ResourceList{}
	if b := r.MemoryBytes(); b > 0 {
		l[corev1.ResourceMemory] = *resource.NewQuantity(b, resource.BinarySI)
	}
	if r.CPUs != "" {
		l[corev1.ResourceCPU] = mustQuantity(r.CPUs)
	}
	if len(l) == 0 {
		return corev1.ResourceRequirements{}
	}
	return corev1.ResourceRequirements{Limits: l, Requests: l.DeepCopy()}
}

// probes set liveness and readiness from the healthcheck: HTTP and TCP as
// the kubelet's own probes (on the first port, as the image's probe), an
// exec check as the image's HEALTHCHECK command, which the kubelet runs
// without a shell (distroless has none).
func probes(c *corev1.Container, s *spec.Spec, hc *plan.Healthcheck) error {
	if hc == nil || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
		return nil
	}
	var handler corev1.ProbeHandler
	h := s.Healthcheck
	ports := s.AllPorts()
	switch {
	case h != nil && h.HTTP != "" && len(ports) > 0:
		handler.HTTPGet = &corev1.HTTPGetAction{Path: h.HTTP, Port: intstr.FromInt32(int32(ports[0].Number))}
	case h != nil && h.TCP != nil:
		handler.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(h.TCP.Number))}
	case h == nil && len(ports) > 0:
		handler.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(ports[0].Number))}
	default:
		handler.Exec = &corev1.ExecAction{Command: hc.Test[1:]} // after "CMD"
	}
	probe := &corev1.Probe{ProbeHandler: handler, FailureThreshold: int32(hc.Retries)}
	var err error
	for _, d := range []struct {
		value string
		into  *int32
	}{{hc.Interval, &probe.PeriodSeconds}, {hc.Timeout, &probe.TimeoutSeconds}, {hc.StartPeriod, &probe.InitialDelaySeconds}} {
		if *d.into, err = seconds(d.value); err != nil {
			return err
		}
	}
	c.LivenessProbe, c.ReadinessProbe = probe, probe.DeepCopy()
	return nil
}

// seconds rounds a duration up to whole seconds, at least 1: probes count
// in seconds.
func seconds(d string) (int32, error) {
	if d == "" {
		return 0, nil
	}
	v, err := time.ParseDuration(d)
	if err != nil {
		return 0, err
	}
	return int32(max(1, math.Ceil(v.Seconds()))), nil
}

func protocol(p spec.Port) corev1.Protocol {
	if p.Protocol == "udp" {
		return corev1.ProtocolUDP
	}
	return corev1.ProtocolTCP
}

// service gives the app's ports a stable name inside the cluster.
func service(app, name string, ports []spec.Port) *corev1.Service {
	svc := &corev1.Service{
		TypeMeta:   meta("Service", "v1"),
		ObjectMeta: objectMeta(app, name),
		Spec:       corev1.ServiceSpec{Selector: selector(app, name).MatchLabels},
	}
	for _, p := range ports {
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
			Name:       p.Protocol + "-" + strconv.Itoa(p.Number),
			Port:       int32(p.Number),
			TargetPort: intstr.FromInt32(int32(p.Number)),
			Protocol:   protocol(p),
		})
	}
	return svc
}

func ptr[T any](v T) *T { return &v }

// mustQuantity parses a quantity validated before (spec) or written here.
func mustQuantity(q string) resource.Quantity { return resource.MustParse(q) }
