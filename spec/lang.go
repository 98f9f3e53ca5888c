package spec

import (
	"slices"
	"strings"
)

// language is what the spec knows of a language: enough to validate
// language, runtime and dependencies.manager and to write the schema. The
// languages themselves are declared by their profiles; languages.go is
// generated from those declarations (see its header), because spec cannot
// import profiles.
type language struct {
	name     string
	managers []string
	// scratch: the app runs on scratch (a static binary).
	scratch bool
}

// languageNames lists the languages, for the enum of language.
func languageNames() []string {
	var out []string
	for _, l := range languages {
		out = append(out, l.name)
	}
	return out
}

// managerNames lists every package manager once, in language order, for
// the enum of dependencies.manager.
func managerNames() []string {
	var out []string
	for _, l := range languages {
		for _, m := range l.managers {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

// languageManagers are the package managers a language's profile knows,
// or nil for an unknown language.
func languageManagers(name string) []string {
	for _, l := range languages {
		if l.name == name {
			return l.managers
		}
	}
	return nil
}

// scratchLanguages are the languages whose apps run on scratch.
func scratchLanguages() []string {
	var out []string
	for _, l := range languages {
		if l.scratch {
			out = append(out, l.name)
		}
	}
	return out
}

// tagEnums are the enums named in jsonschema tags ("enum=$languages")
// whose values come from the languages, not from the tag.
var tagEnums = map[string]func() []string{
	"$languages": languageNames,
	"$managers":  managerNames,
}

// tagEnum is the values of a jsonschema tag's enum option.
func tagEnum(value string) []string {
	if f, ok := tagEnums[value]; ok {
		return f()
	}
	return strings.Split(value, "|")
}
