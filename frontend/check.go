package frontend

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	sublint "github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/pb"

	"github.com/org/appbuild/lint"
	"github.com/org/appbuild/llbgen"
)

// lintConfig merges the spec's `# check=` comment with the
// BUILDKIT_DOCKERFILE_CHECK build-arg (the arg wins, as for a Dockerfile).
func (b *builder) lintConfig() (*linter.Config, error) {
	cfg := &linter.Config{}
	if v, ok := lint.Directive(b.src.Data); ok {
		c, err := linter.ParseLintOptions(v)
		if err != nil {
			return nil, fmt.Errorf("%s: check directive: %w", b.src.Filename, err)
		}
		cfg = c
	}
	if b.bc.LinterConfig != nil {
		cfg = b.bc.LinterConfig
	}
	return cfg, nil
}

func (b *builder) findings(ctx context.Context) ([]lint.Finding, *linter.Config, error) {
	cfg, err := b.lintConfig()
	if err != nil {
		return nil, nil, err
	}
	if err := b.load(ctx, false); err != nil {
		return nil, nil, err
	}
	if cfg.SkipAll {
		return nil, cfg, nil
	}
	return lint.Run(b.spec, *b.files, cfg.SkipRules), cfg, nil
}

// lint answers `docker buildx build --call check`.
func (b *builder) lint(ctx context.Context) (*sublint.LintResults, error) {
	found, _, err := b.findings(ctx)
	if err != nil {
		return nil, err
	}
	res := &sublint.LintResults{}
	src := res.AddSource(b.src.SourceMap)
	for _, f := range found {
		res.Warnings = append(res.Warnings, sublint.Warning{
			RuleName:    f.Rule.Name,
			Description: f.Rule.Description,
			URL:         ruleURL(f.Rule.Name),
			Detail:      f.Detail,
			Location:    &pb.Location{SourceIndex: int32(src), Ranges: b.ranges(f.Path)},
		})
	}
	return res, nil
}

// warnFindings shows lint findings as build warnings, the way the
// Dockerfile frontend shows its checks, and fails the build when the check
// configuration says error=true.
func (b *builder) warnFindings(ctx context.Context) error {
	found, cfg, err := b.findings(ctx)
	if err != nil {
		return err
	}
	for _, f := range found {
		b.warn(ctx, f.Path, f.Rule.Name, f.Detail)
	}
	if cfg.ReturnAsError && len(found) > 0 {
		return b.spec.Errorf(found[0].Path, "%s: %s (and %d more check findings; check=error=true)", found[0].Rule.Name, found[0].Detail, len(found)-1)
	}
	return nil
}

// warn sends a warning the user sees, pointing at a spec field.
func (b *builder) warn(ctx context.Context, path, rule, detail string) {
	b.src.Warn(ctx, rule+": "+detail, gwclient.WarnOpts{
		URL:   ruleURL(rule),
		Range: b.ranges(path),
	})
}

func (b *builder) ranges(path string) []*pb.Range {
	if r, ok := b.spec.Where(path); ok {
		return []*pb.Range{llbgen.PBRange(r)}
	}
	return nil
}

// ruleURL points at the rule's entry in the README's check table.
func ruleURL(rule string) string {
	return "https://github.com/org/appbuild#check-" + rule
}
