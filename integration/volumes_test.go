package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// counterMain is an app that keeps state on disk: each GET /count adds one
// to the number in /data/count and answers the new number; a failure to
// write is a 500 with the error. GET /root tries to write outside the
// volume, which a read-only root refuses. Run with "work" it is a worker
// process: it writes "beat N" to /data/beat ten times a second, which GET
// /beat answers.
const counterMain = `package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "work" {
		for n := 1; ; n++ {
			if err := os.WriteFile("/data/beat", []byte("beat "+strconv.Itoa(n)), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	http.HandleFunc("/beat", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile("/data/beat")
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		b, _ := os.ReadFile("/data/count")
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		n++
		if err := os.WriteFile("/data/count", []byte(strconv.Itoa(n)), 0o644); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, n)
	})
	http.HandleFunc("/root", func(w http.ResponseWriter, r *http.Request) {
		if err := os.WriteFile("/state", []byte("x"), 0o644); err != nil {
			fmt.Fprint(w, err)
			return
		}
		fmt.Fprint(w, "wrote /state")
	})
	http.ListenAndServe(":8080", nil)
}
`

// TestAppVolumeSurvivesRestart: an app with `volumes: [/data]` writes to
// its volume on a read-only root as uid 65532, and what it wrote is there
// after the container restarts and in a new container on the same named
// volume; the image declares the volume.
func TestAppVolumeSurvivesRestart(t *testing.T) {
	needTier(t, "go")
	dir := writeApp(t, map[string]string{
		"app.yaml": "# syntax=org/appbuild\nname: counter\nlanguage: go\nbuild: .\nport: 8080\nhealthcheck:\n  http: /healthz\nvolumes: [/data]\n",
		"go.mod":   "module counter\n\ngo 1.26\n",
		"main.go":  counterMain,
	})
	image := loadForPodman(t, dir)
	if vols := mustPodman(t, "image", "inspect", "--format", "{{json .Config.Volumes}}", image); vols != `{"/data":{}}` {
		t.Errorf("image volumes %s, want /data", vols)
	}
	// The directory itself, as the image has it: a runtime that mounts an
	// empty volume where the image has no directory (Docker) makes the
	// mount point root's, and podman chowns a new volume to the container's
	// user either way, so the run below alone could not tell.
	if owner := imageDirOwner(t, image, "/data"); owner != "65532:65532 755" {
		t.Errorf("/data in the image: %s, want 65532:65532 755", owner)
	}
	volume := fmt.Sprintf("appbuild-counter-%d", time.Now().UnixNano())
	mustPodman(t, "volume", "create", volume)
	t.Cleanup(func() { _, _ = podman(t, "volume", "rm", "-f", volume) })

	run := func() (id, url string) {
		id, port := runContainer(t, image, "8080", "-v", volume+":/data")
		return id, "http://127.0.0.1:" + port
	}
	count := func(url, want string) {
		t.Helper()
		waitHTTP(t, url+"/healthz", 30*time.Second)
		if got := waitHTTP(t, url+"/count", 10*time.Second); got != want {
			t.Fatalf("GET /count = %q, want %q", got, want)
		}
	}

	id, url := run()
	count(url, "1")
	count(url, "2")
	if uid := processUID(t, id); uid != "65532" {
		t.Errorf("process runs as uid %s, want 65532", uid)
	}
	if got := waitHTTP(t, url+"/root", 10*time.Second); !strings.Contains(got, "read-only file system") {
		t.Errorf("a write outside the volume answered %q, want a read-only file system error", got)
	}
	mustPodman(t, "restart", "--time", "2", id)
	// The port stays published across a restart.
	count(url, "3")
	mustPodman(t, "rm", "-f", id)
	_, url = run()
	count(url, "4")
}

// imageDirOwner is "uid:gid mode" of a directory in an image's filesystem,
// read through a container podman creates but never starts.
func imageDirOwner(t *testing.T, image, dir string) string {
	t.Helper()
	ctr := mustPodman(t, "create", image)
	defer func() { _, _ = podman(t, "rm", "-f", ctr) }()
	root := mustPodman(t, "mount", ctr)
	defer func() { _, _ = podman(t, "umount", ctr) }()
	fi, err := os.Stat(filepath.Join(root, dir))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("%d:%d %o", st.Uid, st.Gid, fi.Mode().Perm())
}

// TestAppVolumeEjected: the ejected Dockerfile of an app with a volume,
// built by BuildKit's Dockerfile frontend, makes the directory as the
// frontend does (owned by the app's user, 0755, under a parent made as
// root) and declares the volume.
func TestAppVolumeEjected(t *testing.T) {
	needTier(t, "go")
	dir := writeApp(t, map[string]string{
		"app.yaml": "# syntax=org/appbuild\nname: counter\nlanguage: go\nbuild: .\nport: 8080\nvolumes: [/data, /srv/state]\n",
		"go.mod":   "module counter\n\ngo 1.26\n",
		"main.go":  counterMain,
	})
	mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--target", "dockerfile", "-o", dir, dir)
	image := loadFileForPodman(t, dir, "Dockerfile")
	for dir, want := range map[string]string{"/data": "65532:65532 755", "/srv/state": "65532:65532 755", "/srv": "0:0 755"} {
		if got := imageDirOwner(t, image, dir); got != want {
			t.Errorf("%s in the ejected image: %s, want %s", dir, got, want)
		}
	}
	if vols := mustPodman(t, "image", "inspect", "--format", "{{json .Config.Volumes}}", image); vols != `{"/data":{},"/srv/state":{}}` {
		t.Errorf("image volumes %s", vols)
	}
	if wd := mustPodman(t, "image", "inspect", "--format", "{{.Config.WorkingDir}} {{.Config.User}}", image); wd != "/app 65532:65532" {
		t.Errorf("workdir and user %s", wd)
	}
}
