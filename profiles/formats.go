package profiles

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strconv"
	"strings"
)

// The configuration files a profile writes from spec values, each through
// the one function below that makes a value literal in its format. The
// values are checked before they get here (spec's validation, or the
// profile with the field's position): these functions make them literal,
// they do not decide what is allowed. formats_test.go reads each back with
// the format's parser.

// iniValue is a value of pip.conf, which pip reads with Python's
// RawConfigParser: no interpolation and no inline comments, so a value is
// the rest of its line with surrounding white space removed. The index URL
// that goes here holds URL characters only (no space, no line break), so it
// is written as it is.
func iniValue(v string) string { return v }

// xmlText is character data of an XML element (Maven's settings.xml):
// &, < and > and the characters XML would normalise are escaped.
func xmlText(v string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(v)) // writes to memory: cannot fail
	return b.String()
}

// tomlQuote is a TOML basic string (Cargo's config.toml). JSON's string
// syntax, less the HTML escaping, is valid TOML: quotes, backslashes and
// control characters are escaped the same way, but for DEL, which JSON
// leaves as it is and TOML refuses.
func tomlQuote(v string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a string always encodes
	q := string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return strings.ReplaceAll(q, "\x7f", `\u007f`)
}

// caddyString is a quoted Caddyfile token. Inside quotes Caddy still
// replaces {placeholders} and reads \" as a quote, so the health path that
// goes here is held to staticHealthRe's alphabet first, which has none of
// them: quoting is then all a token needs.
func caddyString(v string) string { return strconv.Quote(v) }
