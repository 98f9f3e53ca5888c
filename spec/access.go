package spec

// Where returns where the field, list item or map entry at path stands in
// the file: from its key to the end of its value. Paths look like "name",
// "healthcheck.http", "ports[1]", "env.FOO", "services.db.image" and
// "secrets[0].id"; "" is the whole spec. ok is false for a path the file
// does not hold (a default, say).
func (s *Spec) Where(path string) (r Range, ok bool) {
	r, ok = s.locs[path]
	return r, ok
}

// File is the name the spec was parsed from.
func (s *Spec) File() string { return s.file }

// AllPorts returns the app's ports, from port or ports, whichever is set;
// the first is the one the healthcheck and compose use. (It cannot be
// called Ports: that is the field.)
func (s *Spec) AllPorts() []Port {
	if len(s.Ports) > 0 {
		return s.Ports
	}
	if s.Port != nil {
		return []Port{*s.Port}
	}
	return nil
}

// MemoryBytes is the memory limit in bytes, its units read as compose and
// Docker read them (k, m, g... are powers of 1024); 0 when none is set.
func (r *Resources) MemoryBytes() int64 {
	if r == nil || r.Memory == "" {
		return 0
	}
	return int64(memoryBytes(r.Memory))
}
