package compose

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Networks: the app sits on both; companion services only on the internal
// one, which has no route out and publishes nothing.
const (
	publicNet  = "public"
	privateNet = "private"
)

// File is the compose file. Field order here is the order in the output.
type File struct {
	Name     string              `yaml:"name"`
	Services map[string]*Service `yaml:"services"`
	Networks map[string]*Network `yaml:"networks,omitempty"`
	Volumes  map[string]struct{} `yaml:"volumes,omitempty"`
	Secrets  map[string]*Secret  `yaml:"secrets,omitempty"`
}

// Service is one compose service, with the fields appbuild sets.
type Service struct {
	Image       string                `yaml:"image"`
	User        quoted                `yaml:"user,omitempty"`
	ReadOnly    bool                  `yaml:"read_only,omitempty"`
	CapDrop     []string              `yaml:"cap_drop,omitempty"`
	SecurityOpt []string              `yaml:"security_opt,omitempty"`
	Tmpfs       []string              `yaml:"tmpfs,omitempty"`
	Entrypoint  []text                `yaml:"entrypoint,omitempty"`
	Ports       []quoted              `yaml:"ports,omitempty"`
	Environment map[string]text       `yaml:"environment,omitempty"`
	Secrets     []string              `yaml:"secrets,omitempty"`
	Volumes     []string              `yaml:"volumes,omitempty"`
	Healthcheck *Healthcheck          `yaml:"healthcheck,omitempty"`
	DependsOn   map[string]*DependsOn `yaml:"depends_on,omitempty"`
	Networks    []string              `yaml:"networks,omitempty"`
	Restart     string                `yaml:"restart,omitempty"`
	Deploy      *Deploy               `yaml:"deploy,omitempty"`
}

// quoted is a string always written in double quotes: YAML 1.1 readers
// (PyYAML, so podman-compose) read an unquoted "22:22" as the base-60
// number 1342, which is why Compose's docs say to quote ports.
type quoted string

func (q quoted) MarshalYAML() (any, error) {
	if q == "" {
		return nil, nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: string(q)}, nil
}

func (q quoted) IsZero() bool { return q == "" }

// text is a spec value, written so that every YAML reader reads back the
// same string: plain where that is safe, else double-quoted (escapes for
// every byte), never a block scalar, which yaml's emitters write for some
// strings (" 0\n", "\n\t0") in a form their own parsers refuse.
type text string

func (t text) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: string(t)}
	if strings.ContainsAny(string(t), "\n\r\t") || strings.TrimSpace(string(t)) != string(t) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n, nil
}

func texts(v []string) []text {
	out := make([]text, len(v))
	for i, s := range v {
		out[i] = text(s)
	}
	return out
}

func textMap(m map[string]string) map[string]text {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]text, len(m))
	for k, v := range m {
		out[k] = text(v)
	}
	return out
}

// Healthcheck is a compose healthcheck.
type Healthcheck struct {
	Test        []text `yaml:"test,flow"`
	Interval    string `yaml:"interval,omitempty"`
	Timeout     string `yaml:"timeout,omitempty"`
	StartPeriod string `yaml:"start_period,omitempty"`
	Retries     int    `yaml:"retries,omitempty"`
	Disable     bool   `yaml:"disable,omitempty"`
}

// DependsOn waits for a service's condition.
type DependsOn struct {
	Condition string `yaml:"condition"`
}

// Network is a compose network.
type Network struct {
	Internal bool `yaml:"internal,omitempty"`
}

// Secret is a compose secret read from a file.
type Secret struct {
	File string `yaml:"file"`
}

// Deploy carries resource limits.
type Deploy struct {
	Resources struct {
		Limits map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

// Generate returns compose.yaml for the app. image is the app's image
// reference; the plan supplies user, ports and healthcheck so compose checks
// the app exactly as the image does.
func Generate(s *spec.Spec, p *plan.Plan, image string) ([]byte, error) {
	app := &Service{
		Image:       image,
		User:        quoted(p.Image.User),
		ReadOnly:    true,
		CapDrop:     []string{"ALL"},
		SecurityOpt: []string{"no-new-privileges:true"},
		// A read-only root still needs somewhere to write temporary files.
		Tmpfs:    []string{"/tmp"},
		Restart:  "unless-stopped",
		Networks: []string{publicNet},
	}
	for _, port := range s.AllPorts() {
		n := strconv.Itoa(port.Number)
		entry := n + ":" + n
		if port.Protocol == "udp" {
			entry += "/udp"
		}
		app.Ports = append(app.Ports, quoted(entry))
	}
	if len(s.Env) > 0 {
		app.Environment = textMap(s.Env)
	}
	if h := p.Image.Healthcheck; h != nil {
		app.Healthcheck = fromPlan(h)
	}
	if r := s.Resources; r != nil {
		app.Deploy = &Deploy{}
		app.Deploy.Resources.Limits = map[string]string{}
		if r.Memory != "" {
			app.Deploy.Resources.Limits["memory"] = r.Memory
		}
		if r.CPUs != "" {
			app.Deploy.Resources.Limits["cpus"] = r.CPUs
		}
	}
	f := &File{Name: s.Name, Services: map[string]*Service{s.Name: app}, Networks: map[string]*Network{publicNet: {}}}

	names := make([]string, 0, len(s.Services))
	for name := range s.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		svc := companion(f, name, s.Services[name])
		f.Services[name] = svc
		if app.DependsOn == nil {
			app.DependsOn = map[string]*DependsOn{}
		}
		cond := "service_started"
		if svc.Healthcheck != nil {
			cond = "service_healthy"
		}
		app.DependsOn[name] = &DependsOn{Condition: cond}
	}
	if len(names) > 0 {
		app.Networks = append(app.Networks, privateNet)
		f.Networks[privateNet] = &Network{Internal: true}
	}
	if err := appVolumes(f, app, s); err != nil {
		return nil, err
	}
	processes(f, app, s)

	data, err := render(f, s.File())
	if err != nil {
		return nil, err
	}
	if err := check(data, f); err != nil {
		return nil, fmt.Errorf("the generated compose file does not load as written (a bug in appbuild): %w", err)
	}
	return data, nil
}

// render writes the file: the model as YAML with every value made literal,
// under a comment that names the spec.
func render(f *File, source string) ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(f); err != nil {
		return nil, err
	}
	literal(&n)
	var buf bytes.Buffer
	source = strings.Join(strings.FieldsFunc(source, unicode.IsControl), " ")
	buf.WriteString("# Generated by appbuild from " + source + "; regenerate with\n")
	buf.WriteString("#   docker buildx build -f " + source + " --target compose -o . .\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// literal makes every value of the file literal for compose, which
// interpolates $VAR and ${VAR...} in every string it loads and reads $$ as
// one $: each $ is written $$. It is the one place spec values are escaped;
// keys (service, variable and secret names) are validated names with no $.
func literal(n *yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		n.Value = strings.ReplaceAll(n.Value, "$", "$$")
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			literal(n.Content[i])
		}
	default:
		for _, c := range n.Content {
			literal(c)
		}
	}
}

func fromPlan(h *plan.Healthcheck) *Healthcheck {
	if len(h.Test) == 1 && h.Test[0] == "NONE" {
		return &Healthcheck{Test: []text{"NONE"}, Disable: true}
	}
	return &Healthcheck{Test: texts(h.Test), Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
}

// companion turns a spec service into a compose service on the private
// network, with a healthcheck when its image is one appbuild knows.
func companion(f *File, name string, s spec.Service) *Service {
	svc := &Service{
		Image:       s.Image,
		Environment: textMap(s.Env),
		Healthcheck: knownHealthcheck(s.Image),
		Networks:    []string{privateNet},
		Restart:     "unless-stopped",
		SecurityOpt: []string{"no-new-privileges:true"},
	}
	secretNames := make([]string, 0, len(s.Secrets))
	for k := range s.Secrets {
		secretNames = append(secretNames, k)
	}
	sort.Strings(secretNames)
	for _, k := range secretNames {
		if f.Secrets == nil {
			f.Secrets = map[string]*Secret{}
		}
		// "./": relative to the file, as compose reads it; a path that
		// starts with ~ would otherwise be the user's home.
		f.Secrets[k] = &Secret{File: "./" + s.Secrets[k]}
		svc.Secrets = append(svc.Secrets, k)
	}
	if s.Volume != "" {
		vol := name + "-data"
		if f.Volumes == nil {
			f.Volumes = map[string]struct{}{}
		}
		f.Volumes[vol] = struct{}{}
		svc.Volumes = []string{vol + ":" + s.Volume}
	}
	return svc
}

// appVolumes mounts a named volume on each of the app's volumes, named
// after the app and the path (/var/lib/app: APP-var-lib-app). A fresh named
// volume starts as the image's directory, owned by the app's user.
func appVolumes(f *File, app *Service, s *spec.Spec) error {
	for i, v := range s.Volumes {
		vol := s.Name + strings.ReplaceAll(v, "/", "-")
		if _, taken := f.Volumes[vol]; taken {
			return s.Errorf(fmt.Sprintf("volumes[%d]", i), "the compose volume for %s would be named %s, which a service's volume has already: rename the service", v, vol)
		}
		if f.Volumes == nil {
			f.Volumes = map[string]struct{}{}
		}
		f.Volumes[vol] = struct{}{}
		app.Volumes = append(app.Volumes, vol+":"+v)
	}
	return nil
}

// processes adds a service per process besides web: the app's service
// with the process's command as its entrypoint, no published port and no
// healthcheck (the image's checks web's port).
func processes(f *File, app *Service, s *spec.Spec) {
	for name, cmd := range s.Processes {
		if name == spec.WebProcess {
			continue
		}
		svc := *app
		svc.Entrypoint = texts(cmd)
		svc.Ports = nil
		svc.Healthcheck = &Healthcheck{Test: []text{"NONE"}, Disable: true}
		f.Services[s.Name+"-"+name] = &svc
	}
}

// knownHealthcheck returns the usual readiness check of well-known service
// images, run by the tools those images ship.
func knownHealthcheck(image string) *Healthcheck {
	repo := image
	if i := strings.LastIndex(repo, "/"); i >= 0 {
		repo = repo[i+1:]
	}
	repo, _, _ = strings.Cut(repo, "@")
	repo, _, _ = strings.Cut(repo, ":")
	var test []string
	switch repo {
	case "postgres", "postgis":
		test = []string{"CMD", "pg_isready", "-U", "postgres"}
	case "redis", "valkey", "redis-stack-server":
		test = []string{"CMD", "redis-cli", "ping"}
	case "mysql":
		test = []string{"CMD", "mysqladmin", "ping", "-h", "127.0.0.1"}
	case "mariadb":
		test = []string{"CMD", "healthcheck.sh", "--connect", "--innodb_initialized"}
	case "mongo":
		test = []string{"CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping')"}
	default:
		return nil
	}
	return &Healthcheck{Test: texts(test), Interval: "5s", Timeout: "3s", StartPeriod: "10s", Retries: 10}
}

// Validate loads a compose file with compose-go, as Docker Compose would.
func Validate(data []byte) error {
	_, err := Load(data)
	return err
}

// Load reads a compose file with compose-go, as Docker Compose would:
// variables interpolated (from an empty environment), paths resolved
// against the working directory, the result checked for consistency.
func Load(data []byte) (*types.Project, error) {
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  ".",
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: data}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SkipResolveEnvironment = true
		o.SkipConsistencyCheck = false
		o.SetProjectName("appbuild", false)
	})
}
