package rigctl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Result is what one `docker buildx build` did.
type Result struct {
	// Vertexes by name, with their final state.
	Vertexes map[string]Vertex
	Stdout   string
	Stderr   string
	Err      error
	// Wall is the client's wall-clock time for the whole command.
	Wall time.Duration
}

// Vertex is one step as BuildKit reported it.
type Vertex struct {
	Digest    string     `json:"digest"`
	Name      string     `json:"name"`
	Cached    bool       `json:"cached"`
	Started   *time.Time `json:"started"`
	Completed *time.Time `json:"completed"`
	Error     string     `json:"error"`
}

// Buildx runs `docker buildx build --builder BUILDER ARGS...` and reads the
// solve status (--progress=rawjson unless ARGS choose a progress mode).
func Buildx(ctx context.Context, builder string, env []string, args ...string) Result {
	return BuildxWatch(ctx, builder, env, nil, args...)
}

// BuildxWatch is Buildx that also calls watch with every vertex update as
// it arrives, so a caller can act in the middle of a build.
func BuildxWatch(ctx context.Context, builder string, env []string, watch func(Vertex), args ...string) Result {
	full := []string{"buildx", "build", "--builder", builder}
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--progress") }) {
		full = append(full, "--progress=rawjson")
	}
	full = append(full, args...)
	cmd := exec.CommandContext(ctx, "docker", full...)
	cmd.Env = append(os.Environ(), env...)
	// docker runs buildx as a child process that holds the output pipes:
	// a cancelled build kills the whole process group, or reading the
	// pipes would wait for the build to end anyway.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	res := Result{Vertexes: map[string]Vertex{}}
	if err != nil {
		res.Err = err
		return res
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		res.Err = err
		return res
	}
	sc := bufio.NewScanner(io.TeeReader(pipe, &stderr))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var st struct {
			Vertexes []Vertex `json:"vertexes"`
		}
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			if watch != nil {
				watch(v)
			}
			prev := res.Vertexes[v.Name]
			// A vertex is reported many times; keep what later updates
			// leave out. Cached, once seen, stays.
			v.Cached = v.Cached || prev.Cached
			if v.Started == nil || (prev.Started != nil && prev.Started.Before(*v.Started)) {
				v.Started = prev.Started
			}
			if v.Completed == nil {
				v.Completed = prev.Completed
			}
			if v.Error == "" {
				v.Error = prev.Error
			}
			res.Vertexes[v.Name] = v
		}
	}
	_, _ = io.Copy(io.Discard, pipe)
	res.Err = cmd.Wait()
	res.Wall = time.Since(start)
	res.Stdout, res.Stderr = stdout.String(), stderr.String()
	return res
}

// Named returns the vertices whose names start with prefix.
func (r Result) Named(prefix string) []Vertex {
	var out []Vertex
	for name, v := range r.Vertexes {
		if strings.HasPrefix(name, prefix) {
			out = append(out, v)
		}
	}
	return out
}

// Span is the time from the first vertex that started to the last that
// completed, for the vertices match selects: what BuildKit itself spent.
func (r Result) Span(match func(name string) bool) time.Duration {
	var first, last time.Time
	for name, v := range r.Vertexes {
		if !match(name) || v.Started == nil || v.Completed == nil {
			continue
		}
		if first.IsZero() || v.Started.Before(first) {
			first = *v.Started
		}
		if v.Completed.After(last) {
			last = *v.Completed
		}
	}
	if first.IsZero() {
		return 0
	}
	return last.Sub(first)
}
