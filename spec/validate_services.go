// Checks of the companion services and of the build secrets: both name
// secret ids and files, which must agree across the spec.

package spec

import (
	"fmt"
	"slices"
	"strings"
)

// services checks the companion services in the order of the file, so that
// a secret name two services give different files is reported at the later.
func (c *checker) services() {
	names := make([]string, 0, len(c.s.Services))
	for name := range c.s.Services {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int { return c.line("services."+a) - c.line("services."+b) })
	files := map[string]string{} // secret name -> path of its first entry
	for _, name := range names {
		c.service(name, c.s.Services[name], files)
	}
}

func (c *checker) service(name string, svc Service, files map[string]string) {
	p := join("services", name)
	if !nameRe.MatchString(name) {
		c.keyErrorf("services", p, "%q is not a valid service name (lowercase letters, digits, '.', '_' or '-')", name)
	} else if name == c.s.Name {
		c.keyErrorf("services", p, "%q is the app's name; give the service another one", name)
	}
	if c.p.bad[p] {
		return
	}
	switch {
	case !c.written(p + ".image"):
		c.missing(p, "image")
	case svc.Image == "" && !c.p.bad[p+".image"]:
		c.errorf(p+".image", "must not be empty")
	case svc.Image != "":
		c.image(p+".image", svc.Image)
	}
	c.env(p+".env", svc.Env, checkText)
	c.serviceSecrets(p, svc.Secrets, files)
	if svc.Volume != "" {
		if strings.ContainsAny(svc.Volume, ":,") {
			// compose reads "/data:ro" as a path and its options.
			c.errorf(p+".volume", "%q holds ':' or ',', which compose reads as mount options; write the path alone, like /data", svc.Volume)
		} else {
			svc.Volume = c.absolute(p+".volume", svc.Volume)
			c.s.Services[name] = svc
		}
	}
}

// serviceSecrets checks a service's secret files. compose has one list of
// secrets for the whole file, by name: a name two services give different
// files would be one secret, the second file dropped.
func (c *checker) serviceSecrets(p string, secrets map[string]string, files map[string]string) {
	keys := make([]string, 0, len(secrets))
	for k := range secrets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		sp := join(p+".secrets", k)
		if !secretIDRe.MatchString(k) {
			c.keyErrorf(p+".secrets", sp, "%q is not a valid secret name (letters, digits, '_', '.' and '-', not starting with '.' or '-')", k)
			continue
		}
		if c.p.bad[sp] {
			continue
		}
		secrets[k] = c.contextPath(sp, secrets[k])
		first, seen := files[k]
		switch {
		case !seen:
			files[k] = sp
		case c.fileOf(first) != secrets[k]:
			c.errorf(sp, "secret %q is already %s (line %d), another file; compose shares secrets by name: give this one another name", k, first, c.line(first))
		}
	}
}

// fileOf is the cleaned file of the service secret at path sp.
func (c *checker) fileOf(sp string) string {
	svc, k, _ := strings.Cut(strings.TrimPrefix(sp, "services."), ".secrets.")
	return c.s.Services[svc].Secrets[k]
}

// secrets checks the build secrets: ids unique and usable as a file name
// under /run/secrets, env a valid variable name.
func (c *checker) secrets() {
	first := map[string]string{}
	for i, sec := range c.s.Secrets {
		p := fmt.Sprintf("secrets[%d]", i)
		if c.p.bad[p] {
			continue
		}
		switch {
		case !c.written(p + ".id"):
			c.missing(p, "id")
		case c.p.bad[p+".id"]:
		case sec.ID == "":
			c.errorf(p+".id", "must not be empty")
		case !secretIDRe.MatchString(sec.ID):
			c.errorf(p+".id", "%q may hold only letters, digits, '_', '.' and '-', and not start with '.' or '-' (it names a file under /run/secrets)", sec.ID)
		case first[sec.ID] != "":
			c.errorf(p+".id", "%q is listed twice (first at line %d)", sec.ID, c.line(first[sec.ID]))
		default:
			first[sec.ID] = p
		}
		if sec.Env != "" && !envNameRe.MatchString(sec.Env) {
			c.errorf(p+".env", "%q is not a valid variable name (letters, digits and '_', not starting with a digit)", sec.Env)
		}
	}
}
