package eject

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// The Dockerfile gets spec values in three shapes, each made by one
// function here, so that no value is ever pasted into the file as text:
//
//   - literal: a word BuildKit's shell lexer expands (ENV, ARG, LABEL,
//     WORKDIR, EXPOSE, USER, COPY's sources and destination);
//   - jsonArray: exec form (RUN, ENTRYPOINT, CMD, HEALTHCHECK), which no
//     lexer reads: JSON can carry any string, line breaks included;
//   - comment: a step's name, on a comment line of its own.
//
// A heredoc (COPY <<"DELIM") carries a file's bytes; heredocDelimiter picks
// a delimiter its content does not hold.

// literal writes v so that BuildKit's lexer (shell.Lex.ProcessWord, which
// the Dockerfile frontend runs on every word above) reads it back as v:
// bare when it holds only characters the lexer leaves alone, else in
// double quotes, inside which the lexer reads only \, " and $, escaped
// here. ok is false for a value with a line break: no Dockerfile line can
// hold one (spec validation refuses them where they would reach here).
func literal(v string) (s string, ok bool) {
	if strings.ContainsAny(v, "\n\r") {
		return "", false
	}
	if bare(v) {
		return v, true
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`).Replace(v) + `"`, true
}

// bare reports whether v can be written without quotes: letters, digits
// and punctuation that no Dockerfile parser or lexer reads, not starting
// with '-' (a word that starts "--" is read as a flag).
func bare(v string) bool {
	if v == "" || v[0] == '-' {
		return false
	}
	for _, r := range v {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_./:@+,=%-", r))) {
			return false
		}
	}
	return true
}

// jsonArray renders exec form: no shell or lexer ever reads it. JSON's
// escaping of <, > and & also keeps "<<" off the line, where the parser
// would look for a heredoc.
func jsonArray(args []string) string {
	if args == nil {
		args = []string{}
	}
	dt, _ := json.Marshal(args) // a []string always marshals
	return string(dt)
}

// comment is a step's name as the text of a comment line: on one line,
// with control characters and Unicode line separators written as escapes,
// and trimmed as the parser trims it. An empty comment line would end the
// comments the parser collects, so an empty name is written "(step)".
func comment(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.WriteRune(r)
		}
	}
	if s := strings.TrimSpace(b.String()); s != "" {
		return s
	}
	return "(step)"
}

// heredocDelimiter is a heredoc delimiter that data does not hold, so no
// line of the content can end the heredoc early.
func heredocDelimiter(data string) string {
	d := "APPBUILD_EOF"
	for i := 1; strings.Contains(data, d); i++ {
		d = fmt.Sprintf("APPBUILD_EOF_%d", i)
	}
	return d
}
