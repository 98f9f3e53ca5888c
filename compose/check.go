package compose

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// check loads the rendered file with compose-go (Load: interpolation on)
// and compares every string that can come from a spec with the model it
// was written from: a value that was not made literal loads as something
// else. Generate returns no file that fails it.
func check(data []byte, f *File) error {
	p, err := Load(data)
	if err != nil {
		return err
	}
	for name, want := range f.Services {
		got, ok := p.Services[name]
		if !ok {
			return fmt.Errorf("service %s is missing", name)
		}
		if err := checkService(name, want, got); err != nil {
			return err
		}
	}
	for name, want := range f.Secrets {
		got, ok := p.Secrets[name]
		if file := filepath.Join(p.WorkingDir, want.File); !ok || got.File != file {
			return fmt.Errorf("secret %s: file %q, want %q", name, got.File, file)
		}
	}
	return nil
}

func checkService(name string, want *Service, got types.ServiceConfig) error {
	if got.Image != want.Image || got.User != string(want.User) {
		return fmt.Errorf("service %s: image %q user %q, want %q and %q", name, got.Image, got.User, want.Image, want.User)
	}
	env := map[string]string{}
	for k, v := range got.Environment {
		if v == nil {
			return fmt.Errorf("service %s: env %s has no value", name, k)
		}
		env[k] = *v
	}
	wantEnv := map[string]string{}
	for k, v := range want.Environment {
		wantEnv[k] = string(v)
	}
	if !maps.Equal(env, wantEnv) && len(env)+len(wantEnv) > 0 {
		return fmt.Errorf("service %s: env %q, want %q", name, env, want.Environment)
	}
	if !slices.Equal([]string(got.Entrypoint), plain(want.Entrypoint)) {
		return fmt.Errorf("service %s: entrypoint %q, want %q", name, got.Entrypoint, want.Entrypoint)
	}
	if h := want.Healthcheck; h != nil && (got.HealthCheck == nil || !slices.Equal([]string(got.HealthCheck.Test), plain(h.Test))) {
		return fmt.Errorf("service %s: healthcheck %+v, want test %q", name, got.HealthCheck, h.Test)
	}
	var secrets, volumes []string
	for _, s := range got.Secrets {
		secrets = append(secrets, s.Source)
	}
	for _, v := range got.Volumes {
		volumes = append(volumes, v.Source+":"+v.Target)
	}
	if !slices.Equal(secrets, want.Secrets) || !slices.Equal(volumes, want.Volumes) {
		return fmt.Errorf("service %s: secrets %q volumes %q, want %q and %q", name, secrets, volumes, want.Secrets, want.Volumes)
	}
	return nil
}

// plain is a list of texts as strings, to compare with what compose-go read.
func plain(t []text) []string {
	out := make([]string, len(t))
	for i, v := range t {
		out[i] = string(v)
	}
	return out
}
