package compose_test

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/compose"
	"github.com/org/appbuild/internal/exampletest"
	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

const withServices = `# syntax=org/appbuild
name: shop
language: go
port: 8080
healthcheck:
  http: /healthz
env:
  DATABASE_HOST: db
resources:
  memory: 256m
  cpus: "0.5"
services:
  db:
    image: postgres:17
    env:
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    secrets:
      db_password: ./secrets/db_password.txt
    volume: /var/lib/postgresql/data
  cache:
    image: redis:8
  queue:
    image: example.com/queue:1.2
`

func generate(t *testing.T, src string) []byte {
	t.Helper()
	s, err := spec.Parse("app.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return generateImage(t, s, "registry.example.com/shop:1.0")
}

func load(t *testing.T, data []byte) *types.Project {
	t.Helper()
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  t.TempDir(),
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: data}},
	}, func(o *loader.Options) { o.SetProjectName("test", false) })
	if err != nil {
		t.Fatalf("compose-go refused the file: %v\n%s", err, data)
	}
	return p
}

func TestGenerateWithServices(t *testing.T) {
	out := generate(t, withServices)
	golden.Check(t, "testdata/shop.compose.yaml", out)

	p := load(t, out)
	app := p.Services["shop"]
	if !app.ReadOnly || app.User != "65532:65532" || len(app.CapDrop) != 1 || app.CapDrop[0] != "ALL" {
		t.Errorf("app not hardened: read_only=%v user=%q cap_drop=%v", app.ReadOnly, app.User, app.CapDrop)
	}
	if len(app.SecurityOpt) != 1 || app.SecurityOpt[0] != "no-new-privileges:true" {
		t.Errorf("security_opt = %v", app.SecurityOpt)
	}
	if app.HealthCheck == nil || len(app.HealthCheck.Test) != 3 || app.HealthCheck.Test[2] != "http://127.0.0.1:8080/healthz" {
		t.Errorf("app healthcheck = %+v, want the image's", app.HealthCheck)
	}
	if app.Deploy == nil || app.Deploy.Resources.Limits == nil || int64(app.Deploy.Resources.Limits.MemoryBytes) != 256<<20 {
		t.Errorf("memory limit missing: %+v", app.Deploy)
	}
	for dep, want := range map[string]string{"db": "service_healthy", "cache": "service_healthy", "queue": "service_started"} {
		if got := app.DependsOn[dep].Condition; got != want {
			t.Errorf("depends_on %s = %q, want %q", dep, got, want)
		}
	}
	db := p.Services["db"]
	if _, public := db.Networks["public"]; public || len(db.Ports) != 0 {
		t.Errorf("database is reachable from the public network: %v ports %v", db.Networks, db.Ports)
	}
	if !p.Networks["private"].Internal {
		t.Error("private network is not internal")
	}
	if len(db.Secrets) != 1 || p.Secrets["db_password"].File == "" {
		t.Errorf("db secret not wired from a file: %+v", db.Secrets)
	}
	for k, v := range db.Environment {
		if k == "POSTGRES_PASSWORD" && v != nil {
			t.Errorf("inline password in compose: %s", *v)
		}
	}
}

func TestGenerateMinimal(t *testing.T) {
	out := generate(t, "name: hello\nlanguage: go\nport: 8080\n")
	golden.Check(t, "testdata/hello.compose.yaml", out)
	p := load(t, out)
	if len(p.Services) != 1 || len(p.Networks) != 1 {
		t.Errorf("minimal spec: services %v networks %v", p.ServiceNames(), p.NetworkNames())
	}
}

func TestValidateRejects(t *testing.T) {
	bad := []string{
		"services:\n  app:\n    image: x\n    depends_on: [missing]\n",
		"services:\n  app:\n    image: x\n    read_only: maybe\n",
		"services:\n  app:\n    image: x\n    ports: [\"99999:1\"]\n",
	}
	for _, b := range bad {
		if err := compose.Validate([]byte(b)); err == nil {
			t.Errorf("Validate accepted:\n%s", b)
		}
	}
}

// hard are values with everything compose's loader reads: interpolation
// ($, $$, ${...}), YAML syntax, and characters YAML quotes.
var hard = []string{
	"$HOME", "a$$b", "${NOPE:?boom}", "${X:-d}", "$", "$$", "$$$", "$1", "${}", "a $ b", `\$HOME`,
	"~", "~/x", "", " ", "true", "null", "0x1F", "- x", "a: b", "#c", "&a", "*a", "!t", "%p", "{x}", "[x]",
	`"`, `'`, `\`, "line\nbreak", "\ttab", "naïve ☃", "\u2028", "\ufeff", "<<", "---",
}

// TestValuesLoadLiteral: every spec value compose carries (the app's env
// and healthcheck, a service's env, secret file and volume) loads, with
// compose-go interpolating from an environment that has HOME and X set,
// as the spec's own bytes.
func TestValuesLoadLiteral(t *testing.T) {
	for i, v := range hard {
		appEnv, exec := v, v
		if strings.ContainsAny(v, "\n\u2028") {
			appEnv = "no line breaks in the app's env"
		}
		file, vol := "./s/"+v, "/data/"+v
		if strings.ContainsAny(v, "\n\\\u2028\ufeff") || v == "" || v == " " {
			file, vol = "./s/x", "/data/x" // refused as paths by spec
		}
		src := fmt.Sprintf("name: app\nlanguage: go\nport: 8080\nenv:\n  V: %s\nhealthcheck:\n  exec: [/app/app, %s]\n"+
			"services:\n  db:\n    image: postgres:17\n    env:\n      V: %s\n    secrets:\n      pw: %s\n    volume: %s\n",
			strconv.Quote(appEnv), strconv.Quote(exec), strconv.Quote(v), strconv.Quote(file), strconv.Quote(vol))
		s, err := spec.Parse("app.yaml", []byte(src))
		if err != nil {
			if strings.Contains(err.Error(), "glob character") || strings.Contains(err.Error(), "mount options") {
				continue
			}
			t.Fatalf("%d %q: %v", i, v, err)
		}
		out := generateSpec(t, s)
		dir := t.TempDir()
		p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
			WorkingDir:  dir,
			ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: out}},
			Environment: types.Mapping{"HOME": "/root", "X": "x", "NOPE": "set"},
		}, func(o *loader.Options) { o.SetProjectName("test", false) })
		if err != nil {
			t.Fatalf("%q: compose-go: %v\n%s", v, err, out)
		}
		app, db := p.Services["app"], p.Services["db"]
		got := []string{*app.Environment["V"], app.HealthCheck.Test[2], *db.Environment["V"], p.Secrets["pw"].File, db.Volumes[0].Target}
		want := []string{appEnv, exec, v, filepath.Join(dir, s.Services["db"].Secrets["pw"]), s.Services["db"].Volume}
		if !slices.Equal(got, want) {
			t.Errorf("%q loads as %q, want %q", v, got, want)
		}
	}
}

func generateSpec(t *testing.T, s *spec.Spec) []byte {
	t.Helper()
	return generateImage(t, s, "registry.example.com/app:1.0")
}

// generateImage plans a Go app for linux/amd64 and writes its compose file
// with the app's image named image.
func generateImage(t *testing.T, s *spec.Spec, image string) []byte {
	t.Helper()
	linux := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	p, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: linux, TargetPlatform: linux, Files: testfiles.Map{"go.mod": "module x\ngo 1.26\n"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := compose.Generate(s, p, image)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNamesLoad: a name with a dot, which spec allows, is a compose
// project and service name compose-go loads.
func TestNamesLoad(t *testing.T) {
	s, err := spec.Parse("app.yaml", []byte("name: my.app\nlanguage: go\nport: 8080\nservices:\n  the.db:\n    image: postgres:17\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p := load(t, generateSpec(t, s)); len(p.Services) != 2 {
		t.Errorf("services %v", p.ServiceNames())
	}
}

// TestExampleComposeFiles: every example's compose.yaml is its golden
// examples/*/want/compose.yaml (go test ./compose -update accepts a change
// after reading its diff), planned as the frontend plans the compose
// target (for the build platform), with the image named as it names it.
func TestExampleComposeFiles(t *testing.T) {
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	exampletest.Each(t, "../examples", func(t *testing.T, ex exampletest.Example) {
		s, p := ex.Spec, ex.Plan(t, ex.Env(amd64, amd64))
		image := cmp.Or(s.Image, s.Name)
		out, err := compose.Generate(s, p, image)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join(ex.Dir, "want", "compose.yaml"), out)
		load(t, out)
	})
}

// TestAppVolumes: each of the app's volumes is a named volume, named after
// the app and the path, beside the companions' own; compose-go loads it.
func TestAppVolumes(t *testing.T) {
	data := generate(t, "name: shop\nlanguage: go\nbuild: ./cmd/shop\nvolumes: [/data, /var/lib/shop]\nservices:\n  db:\n    image: postgres:17\n    volume: /var/lib/postgresql/data\n")
	p := load(t, data)
	app := p.Services["shop"]
	var got []string
	for _, v := range app.Volumes {
		got = append(got, v.Type+" "+v.Source+" "+v.Target)
	}
	if want := []string{"volume shop-data /data", "volume shop-var-lib-shop /var/lib/shop"}; !slices.Equal(got, want) {
		t.Errorf("app volumes %v, want %v\n%s", got, want, data)
	}
	for _, name := range []string{"shop-data", "shop-var-lib-shop", "db-data"} {
		if _, ok := p.Volumes[name]; !ok {
			t.Errorf("no top-level volume %s in\n%s", name, data)
		}
	}
	if !app.ReadOnly || len(app.Tmpfs) != 1 || app.Tmpfs[0] != "/tmp" {
		t.Errorf("read_only %v, tmpfs %v", app.ReadOnly, app.Tmpfs)
	}
}

// TestAppVolumeNameTaken: an app volume whose name a companion's volume
// has already is refused at the spec's line, not merged into one volume.
func TestAppVolumeNameTaken(t *testing.T) {
	s, err := spec.Parse("app.yaml", []byte("name: web\nlanguage: go\nbuild: ./cmd/web\nvolumes: [/db/data]\nservices:\n  web-db:\n    image: postgres:17\n    volume: /var/lib/postgresql/data\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = compose.Generate(s, &plan.Plan{Image: plan.Image{User: "65532:65532"}}, "web:1")
	if want := "app.yaml:4:11: the compose volume for /db/data would be named web-db-data, which a service's volume has already: rename the service"; err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestProcesses: each process besides web is a service of its own from
// the same image, hardened alike, with its command as the entrypoint, no
// port and no healthcheck (the image's checks web's port); web is the app.
func TestProcesses(t *testing.T) {
	data := generate(t, "name: shop\nlanguage: go\nbuild: ./cmd/shop\nport: 8080\nvolumes: [/data]\nprocesses:\n  web: [/app/shop, serve]\n  worker: [/app/shop, work, --queue=$jobs]\n")
	p := load(t, data)
	web, worker := p.Services["shop"], p.Services["shop-worker"]
	if len(p.Services) != 2 || len(web.Ports) != 1 || len(web.Entrypoint) != 0 {
		t.Fatalf("services %v; web ports %v entrypoint %q\n%s", p.ServiceNames(), web.Ports, web.Entrypoint, data)
	}
	if got := []string(worker.Entrypoint); !slices.Equal(got, []string{"/app/shop", "work", "--queue=$jobs"}) {
		t.Errorf("worker entrypoint %q", got)
	}
	if worker.Image != web.Image || !worker.ReadOnly || len(worker.Ports) != 0 || !worker.HealthCheck.Disable || len(worker.Volumes) != 1 {
		t.Errorf("worker %+v", worker)
	}
}
