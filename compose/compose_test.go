package compose_test

import (
	"context"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/compose"
	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/testfiles"
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
	linux := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	p, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: linux, TargetPlatform: linux, Files: testfiles.Map{"go.mod": "module x\ngo 1.26\n"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := compose.Generate(s, p, "registry.example.com/shop:1.0")
	if err != nil {
		t.Fatal(err)
	}
	return out
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
