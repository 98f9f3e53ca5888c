// Command frontend is the appbuild BuildKit frontend: the entry point of the
// org/appbuild image that `# syntax=org/appbuild` selects.
package main

import (
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto"

	"github.com/org/appbuild/frontend"
)

func main() {
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "appbuild: %v\n", err)
		os.Exit(1)
	}
}
