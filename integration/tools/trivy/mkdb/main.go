// Command mkdb builds a small but real Trivy vulnerability DB for the test rig and
// pushes it to a registry the way upstream publishes trivy-db: an OCI artifact whose
// one layer (application/vnd.aquasec.trivy.db.layer.v1.tar+gzip, titled db.tar.gz)
// holds trivy.db and metadata.json.
//
// The DB is written by trivy-db's own builder (vulndb.Build with the GitHub Security
// Advisory source), from advisory records laid out as trivy-db reads them
// (DIR/ghsa/advisories/github-reviewed/YYYY/MM/GHSA-.../GHSA-....json). It exists
// because the test machines cannot download Trivy's DB.
//
//	mkdb -advisories DIR -out DIR [-push REF]
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/aquasecurity/trivy-db/pkg/db"
	trivytypes "github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy-db/pkg/vulndb"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/ghsa"
)

const (
	// What Trivy expects of a DB artifact (trivy pkg/db: dbMediaType).
	layerMediaType  = "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"
	configMediaType = "application/vnd.aquasec.trivy.config.v1+json"
	titleAnnotation = "org.opencontainers.image.title"
)

func main() {
	advisories := flag.String("advisories", "", "directory of advisory records (trivy-db's vuln-list layout)")
	out := flag.String("out", "", "directory to write trivy.db and metadata.json to (emptied first)")
	push := flag.String("push", "", "registry reference to push the DB artifact to (optional)")
	flag.Parse()
	if *advisories == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := build(*advisories, *out); err != nil {
		log.Fatalf("mkdb: build: %v", err)
	}
	if *push != "" {
		dgst, err := pushDB(*out, *push)
		if err != nil {
			log.Fatalf("mkdb: push: %v", err)
		}
		fmt.Println(dgst)
	}
}

// build writes the DB with trivy-db's builder: the advisories, their vulnerability
// details, the data sources, then the optimisation and clean-up passes upstream runs.
func build(advisories, out string) error {
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := db.Init(out); err != nil {
		return err
	}
	defer db.Close()
	// The GHSA source also maps Swift advisories to CocoaPods names and wants that
	// tree to exist: stage the records with an empty one.
	root, err := os.MkdirTemp("", "mkdb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	if err := os.CopyFS(root, os.DirFS(advisories)); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(root, "cocoapods-specs", "Specs"), 0o755); err != nil {
		return err
	}
	src := ghsa.NewVulnSrc()
	// The schema Trivy checks (metadata Version) is trivy-db's db.SchemaVersion, the
	// same module version Trivy itself is built with (integration/tools/trivy/go.mod).
	// UpdatedAt/NextUpdate follow upstream's daily cadence.
	tdb := vulndb.New(root, out, 24*time.Hour,
		vulndb.WithVulnSrcs(map[trivytypes.SourceID]vulnsrc.VulnSrc{src.Name(): src}))
	return tdb.Build([]string{string(src.Name())})
}

// pushDB packs trivy.db and metadata.json as db.tar.gz and pushes the artifact.
func pushDB(dir, ref string) (string, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []string{"trivy.db", "metadata.json"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return "", err
		}
		if err := tw.WriteHeader(&tar.Header{Name: f, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return "", err
		}
		if _, err := tw.Write(data); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	if err := gz.Close(); err != nil {
		return "", err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:       static.NewLayer(buf.Bytes(), layerMediaType),
		Annotations: map[string]string{titleAnnotation: "db.tar.gz"},
	})
	if err != nil {
		return "", err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, configMediaType)
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", err
	}
	if err := remote.Write(r, img); err != nil {
		return "", err
	}
	var d v1.Hash
	if d, err = img.Digest(); err != nil {
		return "", err
	}
	return d.String(), nil
}
