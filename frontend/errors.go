package frontend

import (
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"

	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/spec"
)

// withSource attaches the spec's source map to an error that holds spec
// mistakes, so docker buildx build prints the offending lines under the
// message, as it does for a Dockerfile. Other errors pass through.
func withSource(err error, sm *llb.SourceMap) error {
	if err == nil || sm == nil {
		return err
	}
	errs := spec.Errors(err)
	if len(errs) == 0 {
		return err
	}
	if len(errdefs.Sources(err)) > 0 {
		return err
	}
	var ranges []*pb.Range
	for _, e := range errs {
		ranges = append(ranges, llbgen.PBRange(e.Range))
	}
	info := &pb.SourceInfo{Data: sm.Data, Filename: sm.Filename, Language: sm.Language}
	if sm.Definition != nil {
		info.Definition = sm.Definition.ToPB()
	}
	return errdefs.WithSource(err, &errdefs.Source{Info: info, Ranges: ranges})
}
