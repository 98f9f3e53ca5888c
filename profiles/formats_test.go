package profiles

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// urlValues are index URLs as spec validation lets them through: every
// character a URL may hold unencoded, in the places they are most likely
// to mean something to a configuration format.
var urlValues = []string{
	"https://pypi.example/simple/",
	"http://127.0.0.1:3141/simple/",
	"https://u@h.example/p;x=1#frag",
	"https://h.example/a%20b/%0A/%22",
	"https://h.example/?a=1&b='2'&c=(3)*+,!$",
	"https://h.example/[x]/~y/@z/:w",
	"https://h.example/#;#;",
	"https://h.example/%(interp)s/${x}/$HOME",
	"https://h.example/]]></url><url>evil</url>",
}

// hardStrings have characters every format gives a meaning to.
var hardStrings = append([]string{
	`"`, `'`, `\`, `\\"`, "\t", "\n", "\r\n", "\x01", "\x7f", "\u0085", "\u2028", "\ufeff",
	"naïve ☃", "a=b", "[x]", "#c", "; c", "${x}", "%(x)s", "<>&", "]]>", "\"\"\"", "'''",
}, urlValues...)

// TestXMLText: a value written by xmlText into settings.xml reads back, with
// encoding/xml, as the same bytes.
func TestXMLText(t *testing.T) {
	for _, v := range hardStrings {
		if strings.ContainsAny(v, "\x01\x7f\u0085\ufeff") {
			continue // XML 1.0 cannot hold these at all; spec refuses them
		}
		var got struct {
			URL string `xml:"url"`
		}
		if err := xml.Unmarshal([]byte("<m><url>"+xmlText(v)+"</url></m>"), &got); err != nil || got.URL != v {
			t.Errorf("xmlText(%q) reads back as %q, %v", v, got.URL, err)
		}
	}
	// And through the profile: the mirror settings hold the index.
	for _, v := range urlValues {
		var settings struct {
			URL string `xml:"mirrors>mirror>url"`
		}
		if err := xml.Unmarshal(mavenMirrorSettings(v), &settings); err != nil || settings.URL != v {
			t.Errorf("settings.xml for %q reads back as %q, %v", v, settings.URL, err)
		}
	}
}

// TestTOMLQuote: a value written by tomlQuote reads back, with a TOML
// parser, as the same bytes; so does the index in Cargo's config.toml.
func TestTOMLQuote(t *testing.T) {
	for _, v := range hardStrings {
		var got struct{ K string }
		if err := toml.Unmarshal([]byte("K = "+tomlQuote(v)+"\n"), &got); err != nil || got.K != v {
			t.Errorf("tomlQuote(%q) = %s reads back as %q, %v", v, tomlQuote(v), got.K, err)
		}
	}
	for _, v := range urlValues {
		var cfg struct {
			Source map[string]struct {
				Registry    string `toml:"registry"`
				ReplaceWith string `toml:"replace-with"`
			} `toml:"source"`
		}
		if err := toml.Unmarshal(cargoMirrorConfig(v), &cfg); err != nil || cfg.Source["appbuild-mirror"].Registry != "sparse+"+v {
			t.Errorf("config.toml for %q reads back as %+v, %v", v, cfg, err)
		}
	}
}

// TestINIValue: pip.conf is read by pip with Python's RawConfigParser; the
// index URL written by iniValue reads back as the same bytes. It needs
// python3, and skips without it.
func TestINIValue(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to read pip.conf with configparser")
	}
	// One pip.conf a value, as sections of one file: one python3 run.
	const read = `import configparser, json, sys
c = configparser.RawConfigParser()
c.read_string(sys.stdin.read())
json.dump([c.get(s, "index-url") for s in c.sections()], sys.stdout)`
	var conf strings.Builder
	for i, v := range urlValues {
		fmt.Fprintf(&conf, "[s%d]\nindex-url = %s\n", i, iniValue(v))
	}
	cmd := exec.Command(python, "-c", read)
	cmd.Stdin = strings.NewReader(conf.String())
	out, err := cmd.Output()
	var got []string
	if err == nil {
		err = json.Unmarshal(out, &got)
	}
	if err != nil || !slices.Equal(got, urlValues) {
		t.Errorf("pip.conf values read back as %q, %v; want %q", got, err, urlValues)
	}
}

// TestCaddyString: Caddy's parser is not a dependency here, so this is the
// strict check: every health path staticHealthRe lets through quotes to a
// token with nothing Caddy reads inside quotes (no placeholder brace, no
// escape), which unquotes to the path; and the alphabet refuses each of
// those characters.
func TestCaddyString(t *testing.T) {
	for _, v := range []string{"/healthz", "/a/b.c_d~e-f", "/", "/x//y/..", "/0123456789/ABCxyz"} {
		if !staticHealthRe.MatchString(v) {
			t.Fatalf("%q should be a valid health path", v)
		}
		q := caddyString(v)
		inner := q[1 : len(q)-1]
		if back, err := strconv.Unquote(q); err != nil || back != v || strings.ContainsAny(inner, "{}\\\"` \t\n#") {
			t.Errorf("caddyString(%q) = %s", v, q)
		}
	}
	for _, c := range strings.Split("{ } \\ \" ` ' # * ? [ ] $ % ; space \t \n", " ") {
		if c == "space" {
			c = " "
		}
		if staticHealthRe.MatchString("/a" + c) {
			t.Errorf("the health path alphabet lets %q through", c)
		}
	}
}
