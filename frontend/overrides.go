package frontend

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/org/appbuild/spec"
)

// applyOverrides sets the spec fields that documented build-args override
// (buildArgs in outline.go). Each value is checked by the spec parser
// itself, so an override obeys exactly the rules a written field does.
func applyOverrides(s *spec.Spec, args map[string]string) error {
	var errs []string
	for _, a := range buildArgs {
		v, ok := args[a.name]
		if !ok || a.field == "" {
			continue
		}
		if err := checkField(s, a.field, v); err != nil {
			errs = append(errs, fmt.Sprintf("build-arg %s=%q: %v", a.name, v, err))
			continue
		}
		switch a.field {
		case "version":
			s.Version = v
		case "runtime":
			s.Runtime = v
		case "build":
			s.Build = v
		case "image":
			s.Image = v
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// checkField parses a one-field spec holding the value and returns the
// parser's complaint about it, without the position (the value came from
// the command line, not the file).
func checkField(s *spec.Spec, field, value string) error {
	lang := s.Language
	if lang == "" {
		lang = "go"
	}
	doc := fmt.Sprintf("name: x\nlanguage: %s\n%s: %s\n", lang, field, strconv.Quote(value))
	_, err := spec.Parse("build-arg", []byte(doc))
	if err == nil {
		return nil
	}
	var msgs []string
	for _, e := range spec.Errors(err) {
		msgs = append(msgs, e.Msg)
	}
	if len(msgs) == 0 {
		return err
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}
