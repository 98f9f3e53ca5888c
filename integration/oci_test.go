package integration

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// ociLayout is an unpacked `-o type=oci` export.
type ociLayout struct {
	dir string
	// Index is the top-level index digest, which is the image's digest as a
	// registry would report it.
	Digest    string
	Manifests map[string]ocispecs.Manifest // by "os/arch"
	// ManifestDigest is each platform's image manifest digest.
	ManifestDigest map[string]string
}

// readOCI unpacks an OCI archive and indexes its per-platform manifests.
func readOCI(t *testing.T, archive string) *ociLayout {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(path.Clean("/"+h.Name)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, tr); err != nil {
			t.Fatal(err)
		}
		out.Close()
	}
	l := &ociLayout{dir: dir, Manifests: map[string]ocispecs.Manifest{}, ManifestDigest: map[string]string{}}
	var idx ocispecs.Index
	l.readJSON(t, filepath.Join(dir, "index.json"), &idx)
	if len(idx.Manifests) != 1 {
		t.Fatalf("index.json has %d entries, want 1", len(idx.Manifests))
	}
	l.Digest = idx.Manifests[0].Digest.String()
	l.walk(t, idx.Manifests[0])
	return l
}

func (l *ociLayout) walk(t *testing.T, d ocispecs.Descriptor) {
	switch d.MediaType {
	case ocispecs.MediaTypeImageIndex, "application/vnd.docker.distribution.manifest.list.v2+json":
		var idx ocispecs.Index
		l.readJSON(t, l.blob(d.Digest.String()), &idx)
		for _, m := range idx.Manifests {
			// Attestation manifests are not images.
			if m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
				continue
			}
			l.walk(t, m)
		}
	default:
		var m ocispecs.Manifest
		l.readJSON(t, l.blob(d.Digest.String()), &m)
		var cfg ocispecs.Image
		l.readJSON(t, l.blob(m.Config.Digest.String()), &cfg)
		l.Manifests[cfg.OS+"/"+cfg.Architecture] = m
		l.ManifestDigest[cfg.OS+"/"+cfg.Architecture] = d.Digest.String()
	}
}

func (l *ociLayout) blob(dgst string) string {
	algo, hex, _ := strings.Cut(dgst, ":")
	return filepath.Join(l.dir, "blobs", algo, hex)
}

func (l *ociLayout) readJSON(t *testing.T, p string, v any) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
}

// Config returns a platform's image config.
func (l *ociLayout) Config(t *testing.T, platform string) dockerspec.DockerOCIImage {
	t.Helper()
	m, ok := l.Manifests[platform]
	if !ok {
		t.Fatalf("no %s image in the export (have %v)", platform, keys(l.Manifests))
	}
	var img dockerspec.DockerOCIImage
	l.readJSON(t, l.blob(m.Config.Digest.String()), &img)
	return img
}

// file is one entry of an image's filesystem, as the last layer has it.
type file struct {
	Header *tar.Header
	Data   []byte
}

// Files returns a platform's flattened filesystem (later layers win;
// whiteouts remove), with the content of regular files under 64 MiB.
func (l *ociLayout) Files(t *testing.T, platform string) map[string]file {
	t.Helper()
	files := map[string]file{}
	for _, layer := range l.Manifests[platform].Layers {
		f, err := os.Open(l.blob(layer.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if strings.HasSuffix(layer.MediaType, "gzip") {
			gz, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			r = gz
		}
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			name := path.Clean("/" + h.Name)
			base := path.Base(name)
			if strings.HasPrefix(base, ".wh.") {
				delete(files, path.Join(path.Dir(name), strings.TrimPrefix(base, ".wh.")))
				continue
			}
			var data []byte
			if h.Typeflag == tar.TypeReg && h.Size < 64<<20 {
				data, err = io.ReadAll(tr)
				if err != nil {
					t.Fatal(err)
				}
			}
			files[name] = file{Header: h, Data: data}
		}
		f.Close()
	}
	return files
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
