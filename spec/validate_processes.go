package spec

import "slices"

// WebProcess is the process the image runs by default and the one that
// listens on the app's port.
const WebProcess = "web"

// processes checks the app's process types: each named as a service is,
// its compose service name (APP-NAME) no companion's, web among them, each
// an exec-form command; entrypoint and cmd cannot be given beside them.
func (c *checker) processes() {
	if !c.written("processes") || c.p.bad["processes"] {
		return
	}
	if len(c.s.Processes) == 0 {
		c.errorf("processes", "an empty map runs nothing; leave the field out to run the built app")
		return
	}
	if _, ok := c.s.Processes[WebProcess]; !ok {
		c.errorf("processes", "has no %s: the process the image runs by default, and the one that gets the port", WebProcess)
	}
	for _, f := range []string{"entrypoint", "cmd"} {
		if c.written(f) {
			c.keyErrorf("", f, "give either processes or %s, not both: processes.%s is what the image runs", f, WebProcess)
		}
	}
	names := make([]string, 0, len(c.s.Processes))
	for name := range c.s.Processes {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int { return c.line("processes."+a) - c.line("processes."+b) })
	for _, name := range names {
		p := join("processes", name)
		if !nameRe.MatchString(name) {
			c.keyErrorf("processes", p, "%q is not a valid process name (lowercase letters, digits, '.', '_' or '-')", name)
			continue
		}
		if _, clash := c.s.Services[c.s.Name+"-"+name]; clash && name != WebProcess {
			c.keyErrorf("processes", p, "process %s would run as the service %s-%s, which is a companion's name; rename one", name, c.s.Name, name)
		}
		c.command(p, c.s.Processes[name])
	}
}
