package eject

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// hard are words with every character BuildKit's parser or lexer reads.
var hard = []string{
	"", " ", "plain", "$HOME", "${X:?boom}", "${X:-a}", "a$$b", `\`, `a\`, `C:\Windows`, `"`, `'`, "`x`",
	"<<EOF", "a # b", "#x", "*", "a?b", "[ab]", "--help", "-x", "a=b", "a b\tc", "=", ",", "naïve ☃",
	"\u00a0", "\u2028", "\u0085", "\ufeff", `\"$`, `"\$"`, "x\\\n", "\t",
}

// roundTrip writes v into each place literal serves (ENV, LABEL, WORKDIR
// and a COPY source), parses the Dockerfile with BuildKit's parser and
// instruction parser, expands each word with its lexer as the frontend
// does, and returns what each place reads back as.
func roundTrip(t *testing.T, v string) []string {
	t.Helper()
	w, ok := literal(v)
	if !ok {
		return nil
	}
	src, _ := json.Marshal([]string{w, "/dst"})
	df := "FROM scratch\nENV X=" + w + "\nLABEL x=" + w + "\nWORKDIR " + w + "\nCOPY " + string(src) + "\n"
	ast, err := parser.Parse(strings.NewReader(df))
	if err != nil {
		t.Fatalf("%q: %v\n%s", v, err, df)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil || len(stages) != 1 || len(stages[0].Commands) != 4 {
		t.Fatalf("%q: %v\n%s", v, err, df)
	}
	var got []string
	for _, cmd := range stages[0].Commands {
		if err := cmd.(instructions.SupportsSingleWordExpansion).Expand(expand); err != nil {
			t.Fatalf("%q: %v\n%s", v, err, df)
		}
		switch c := cmd.(type) {
		case *instructions.EnvCommand:
			got = append(got, c.Env[0].Value)
		case *instructions.LabelCommand:
			got = append(got, c.Labels[0].Value)
		case *instructions.WorkdirCommand:
			got = append(got, c.Path)
		case *instructions.CopyCommand:
			got = append(got, c.SourcePaths...)
		}
	}
	return got
}

// TestLiteralRoundTrip: what literal writes reads back as the value's own
// bytes in every place it is used, and only line breaks are refused.
func TestLiteralRoundTrip(t *testing.T) {
	for _, v := range hard {
		got := roundTrip(t, v)
		if strings.ContainsAny(v, "\r\n") {
			if got != nil {
				t.Errorf("literal(%q) wrote a line break", v)
			}
			continue
		}
		for i, g := range got {
			if g != v && !(i == 2 && v == "") { // WORKDIR "" is the stage's own
				t.Errorf("literal(%q) = %s reads back as %q in place %d", v, must(literal(v)), g, i)
			}
		}
	}
}

func must(s string, _ bool) string { return s }

// FuzzLiteral: any value literal accepts reads back as itself.
func FuzzLiteral(f *testing.F) {
	for _, v := range hard {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsRune(v, 0) || !utf8.ValidString(v) || v == "" {
			return
		}
		for i, g := range roundTrip(t, v) {
			if g != v {
				t.Fatalf("literal(%q) reads back as %q in place %d", v, g, i)
			}
		}
	})
}

// TestCommentIsOneLine: a step name, whatever it holds, is one comment
// line, which the parser reads back as comment(name).
func TestCommentIsOneLine(t *testing.T) {
	for _, name := range append(hard, "a\nRUN touch /pwned", "x\r\nFROM evil", "  ", "\\", "a\u2029b") {
		df := "FROM scratch\n# " + comment(name) + "\nCOPY [\"a\",\"/b\"]\n"
		ast, err := parser.Parse(strings.NewReader(df))
		if err != nil {
			t.Fatal(err)
		}
		stages, _, err := instructions.Parse(ast.AST, nil)
		if err != nil || len(stages[0].Commands) != 1 {
			t.Fatalf("%q: %v", name, err)
		}
		got := stages[0].Commands[0].(*instructions.CopyCommand).Comments()
		if len(got) != 1 || got[0] != comment(name) {
			t.Errorf("%q: comments %q", name, got)
		}
	}
}

// TestHeredocDelimiter: content that holds the delimiter gets another one.
func TestHeredocDelimiter(t *testing.T) {
	for _, data := range []string{"x\n", "APPBUILD_EOF\n", "APPBUILD_EOF\nAPPBUILD_EOF_1\n", "a\nAPPBUILD_EOF\r\nb\n"} {
		d := heredocDelimiter(data)
		df := "FROM scratch\nCOPY <<\"" + d + "\" /f\n" + data + d + "\n"
		ast, err := parser.Parse(strings.NewReader(df))
		if err != nil {
			t.Fatal(err)
		}
		stages, _, err := instructions.Parse(ast.AST, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := stages[0].Commands[0].(*instructions.CopyCommand)
		if len(c.SourceContents) != 1 || c.SourceContents[0].Data != data || c.SourceContents[0].Expand {
			t.Errorf("%q with delimiter %s reads back as %+v", data, d, c.SourceContents)
		}
	}
}
