// Package kubernetes writes the kubernetes.yaml of an app from its spec and
// plan: a Deployment that runs the image as the image contract means it
// (non-root, read-only root with /tmp an emptyDir, no capabilities, no
// privilege escalation, the RuntimeDefault seccomp profile: the Pod
// Security Standards' "restricted" profile), its probes from the
// healthcheck, its limits, a Service for its ports, a PersistentVolumeClaim
// per volume, and each companion service as a Deployment of its own behind
// a headless Service, so the app reaches it by name on any port as under
// compose.
//
// The objects are k8s.io/api types, written with sigs.k8s.io/yaml; the one
// spec value Kubernetes would read otherwise is an environment value, in
// which it expands $(VAR): literal escapes each $ as $$ in one place.
package kubernetes
