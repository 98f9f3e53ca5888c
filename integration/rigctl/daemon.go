package rigctl

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Daemon is an extra buildkitd with its own state directory and socket,
// using the rig's registry as its mirror like the rig's own daemon.
type Daemon struct {
	Root   string
	Socket string
	cmd    *exec.Cmd
	log    *os.File
}

// Addr is the daemon's BUILDKIT_HOST.
func (d *Daemon) Addr() string { return "unix://" + d.Socket }

// NewDaemon prepares a daemon whose state lives under root.
func NewDaemon(root string) *Daemon {
	return &Daemon{Root: root, Socket: filepath.Join(root, "buildkitd.sock")}
}

// Start runs buildkitd and waits until it answers.
func (d *Daemon) Start(ctx context.Context) error {
	if err := os.MkdirAll(d.Root, 0o755); err != nil {
		return err
	}
	registry := os.Getenv("APPBUILD_REGISTRY")
	if registry == "" {
		return fmt.Errorf("APPBUILD_REGISTRY is not set (source integration/rig/env.sh)")
	}
	cfg := fmt.Sprintf(`root = %q
[grpc]
  address = [%q]
[worker.oci]
  enabled = true
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = [%q]
[registry."gcr.io"]
  mirrors = [%q]
[registry.%q]
  http = true
  insecure = true
`, filepath.Join(d.Root, "state"), d.Addr(), registry, registry, registry)
	cfgPath := filepath.Join(d.Root, "buildkitd.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return err
	}
	_ = os.Remove(d.Socket) // left by a killed daemon
	log, err := os.OpenFile(filepath.Join(d.Root, "buildkitd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	d.log = log
	d.cmd = exec.Command("buildkitd", "--config", cfgPath)
	d.cmd.Stdout, d.cmd.Stderr = log, log
	// Its own process group: a kill reaches the runc children too.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		return fmt.Errorf("start buildkitd: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if exec.CommandContext(ctx, "buildctl", "--addr", d.Addr(), "debug", "workers").Run() == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	d.Kill()
	return fmt.Errorf("buildkitd at %s did not answer within 60s (log: %s)", d.Socket, log.Name())
}

// Kill ends the daemon at once (SIGKILL), as a crash would.
func (d *Daemon) Kill() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	_ = d.cmd.Wait()
	d.cmd = nil
	if d.log != nil {
		d.log.Close()
	}
}

// Stop ends the daemon gracefully.
func (d *Daemon) Stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	d.cmd = nil
	if d.log != nil {
		d.log.Close()
	}
}

// Builder creates a buildx builder (remote driver) named name for the
// daemon, replacing one of the same name, and returns a function that
// removes it.
func (d *Daemon) Builder(ctx context.Context, name string) (func(), error) {
	_ = exec.CommandContext(ctx, "docker", "buildx", "rm", name).Run()
	if out, err := exec.CommandContext(ctx, "docker", "buildx", "create", "--name", name, "--driver", "remote", d.Addr()).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("buildx create %s: %v: %s", name, err, out)
	}
	return func() { _ = exec.Command("docker", "buildx", "rm", name).Run() }, nil
}

// Remove deletes the daemon's state. A daemon killed mid-build can leave
// overlay mounts behind; they are detached first.
func (d *Daemon) Remove() error {
	if err := os.RemoveAll(d.Root); err == nil {
		return nil
	}
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return err
	}
	lines := strings.Split(string(mounts), "\n")
	// Deepest first.
	for i := len(lines) - 1; i >= 0; i-- {
		f := strings.Fields(lines[i])
		if len(f) > 1 && strings.HasPrefix(f[1], d.Root+"/") {
			_ = syscall.Unmount(f[1], syscall.MNT_DETACH)
		}
	}
	return os.RemoveAll(d.Root)
}
