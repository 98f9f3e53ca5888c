package spec

import (
	"fmt"
	"regexp"
	"strings"
)

// AppDir is where every runtime image holds the app's files (root-owned:
// the app cannot change its own code). A volume may not cover it.
const AppDir = "/app"

// notVolumes are the trees a volume may not be in: the kernel's and the
// runtime's own mounts, and /tmp, which is a tmpfs wherever appbuild runs
// the app.
var notVolumes = []string{"/tmp", "/proc", "/sys", "/dev", "/run"}

// programDirs hold the runtime images' programs and libraries (the
// language runtimes among them): no state belongs in them, and an empty
// volume on one, above one or in one would hide what the app runs on.
var programDirs = []string{"/bin", "/lib", "/lib64", "/nodejs", "/opt", "/sbin", "/usr"}

// systemDirs hold the images' configuration and data (the CA bundle, the
// users, the package database): a volume may be a directory of its own in
// one (/var/lib/app, /etc/app), never one of them or above one.
var systemDirs = []string{"/etc", "/home", "/root", "/var"}

// volumePathRe is a volume's alphabet. A volume path is written into a
// Dockerfile (WORKDIR, VOLUME: both expand $ and quote), compose YAML and
// Kubernetes manifests; a directory for state needs none of their special
// characters, so they are refused rather than escaped three ways.
var volumePathRe = regexp.MustCompile(`^(/[A-Za-z0-9._-]+)+$`)

// volumes checks the app's volumes: absolute paths with no mount options,
// none covering the app's files or a system tree, none inside another.
func (c *checker) volumes() {
	valid := map[int]string{}
	for i, v := range c.s.Volumes {
		field := fmt.Sprintf("volumes[%d]", i)
		if strings.ContainsAny(v, ":,") {
			// compose reads "/data:ro" as a path and its options.
			c.errorf(field, "%q holds ':' or ',', which compose reads as mount options; write the path alone, like /data", v)
			continue
		}
		v = c.absolute(field, v)
		c.s.Volumes[i] = v
		switch {
		case c.p.bad[field] || !strings.HasPrefix(v, "/"):
		case volumeProblem(v) != "":
			c.errorf(field, "%s", volumeProblem(v))
		case !volumePathRe.MatchString(v):
			c.errorf(field, "%q may hold only letters, digits, '.', '_', '-' and '/'", v)
		default:
			c.volumeOverlap(field, v, valid)
			valid[i] = v
		}
	}
}

// volumeOverlap reports a volume inside another (or the same twice): a
// mount would hide the other's data.
func (c *checker) volumeOverlap(field, v string, earlier map[int]string) {
	for j := range len(c.s.Volumes) {
		if w, ok := earlier[j]; ok && (within(v, w) || within(w, v)) {
			c.errorf(field, "%s overlaps volumes[%d] (%s): give each volume a directory of its own", v, j, w)
			return
		}
	}
}

// volumeProblem says why a clean absolute path cannot be a volume, or "".
func volumeProblem(v string) string {
	if within(AppDir, v) {
		return fmt.Sprintf("%s would cover the app's own files in %s: keep state in a directory of its own, like /data", v, AppDir)
	}
	for _, d := range programDirs {
		if within(d, v) || within(v, d) {
			return fmt.Sprintf("%s would cover or go into the image's programs in %s: keep state in a directory of its own, like /data or /var/lib/NAME", v, d)
		}
	}
	for _, d := range systemDirs {
		if within(d, v) {
			return fmt.Sprintf("%s would cover the image's own files in %s: keep state in a directory of its own, like /data or /var/lib/NAME", v, d)
		}
	}
	for _, sys := range notVolumes {
		if within(v, sys) {
			if sys == "/tmp" {
				return fmt.Sprintf("%s is in /tmp, which is already writable scratch space (a tmpfs); a volume keeps state, like /data", v)
			}
			return fmt.Sprintf("%s is in %s, which the container runtime mounts itself", v, sys)
		}
	}
	return ""
}

// within reports whether path p is dir or inside it.
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}
