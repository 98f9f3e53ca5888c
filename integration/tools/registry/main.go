// Command registry is the distribution registry (github.com/distribution/distribution/v3,
// the version integration/tools/go.mod pins) with only the storage driver the rig uses,
// the local filesystem. Upstream's cmd/registry also links the Azure, GCS and S3
// drivers and the CloudFront middleware: about 340 more packages to compile on every
// bare machine, for storage the rig never configures. The server is upstream's own
// command (registry.RootCmd), unchanged.
package main

import (
	"os"

	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

func main() {
	if err := registry.RootCmd.Execute(); err != nil {
		os.Exit(1)
	}
}
