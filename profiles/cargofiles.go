package profiles

import (
	"bufio"
	"bytes"
	"regexp"
	"slices"
	"strings"

	"github.com/org/appbuild/spec"
)

// What the Rust profile reads of Cargo's own files: the toolchain pin, the
// binary's name, and whether the crate graph links C libraries.

// rustPureSys are *-sys crates that link no C library on Linux: bindings of
// other operating systems (Cargo.lock lists every platform's dependencies)
// and pure-Rust ones.
var rustPureSys = []string{
	"core-foundation-sys", "fsevent-sys", "io-kit-sys", "js-sys", "linux-raw-sys", "objc-sys",
	"security-framework-sys", "system-configuration-sys", "web-sys", "windows-sys", "winapi-util",
}

var (
	rustVersionRe = regexp.MustCompile(`^\d+\.\d+(\.\d+)?$`)
	rustBinRe     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)
)

// rustVersion is the rust image's tag: the spec's version, else the
// toolchain file's channel when it is a version, else the default.
func rustVersion(s *spec.Spec, files Files) (version, from string, err error) {
	if s.Version != "" {
		if !rustVersionRe.MatchString(s.Version) {
			return "", "", s.Errorf("version", "%q is not a Rust version: write one like \"1.85\"", s.Version)
		}
		return s.Version, fromSpec, nil
	}
	for _, f := range []string{"rust-toolchain.toml", "rust-toolchain"} {
		data, err := files.ReadFile(f)
		if err != nil {
			continue
		}
		channel := strings.TrimSpace(string(data))
		if strings.Contains(channel, "[toolchain]") || strings.Contains(channel, "channel") {
			channel = tomlString(data, "toolchain", "channel")
		}
		if rustVersionRe.MatchString(channel) {
			return channel, f, nil
		}
		return "", "", s.Errorf("language", "%s names the toolchain %q: appbuild builds on the rust:<version> image; pin a version like 1.85 there or in the spec's version", f, channel)
	}
	return defaultRustVersion, fromDefault, nil
}

// rustBinary is the binary to build: the spec's build, else the manifest's
// one [[bin]], else the package's name (Cargo's default binary).
func rustBinary(s *spec.Spec, manifest []byte) (string, error) {
	bin := s.Build
	if bin == "" {
		bins := tomlStrings(manifest, "[bin]", "name")
		switch {
		case len(bins) > 1:
			return "", s.Errorf("language", "Cargo.toml has several binaries (%s): name the one to build in build", strings.Join(bins, ", "))
		case len(bins) == 1:
			bin = bins[0]
		default:
			bin = tomlString(manifest, "package", "name")
		}
		if bin == "" {
			return "", s.Errorf("language", "Cargo.toml has no [package] name: appbuild builds one package's binary (a workspace needs build: <binary>)")
		}
	}
	if !rustBinRe.MatchString(bin) {
		return "", s.Errorf("build", "%q is not a Cargo binary name", bin)
	}
	return bin, nil
}

// rustNative reports whether the app links C libraries: build packages, or a
// *-sys crate in Cargo.lock that builds on Linux.
func rustNative(s *spec.Spec, lock []byte) bool {
	if s.Packages != nil && len(s.Packages.Build) > 0 {
		return true
	}
	for _, name := range tomlStrings(lock, "[package]", "name") {
		if strings.HasSuffix(name, "-sys") && !slices.Contains(rustPureSys, name) {
			return true
		}
	}
	return false
}

// tomlStrings reads the string values of key in every table named table
// ("package", or "[bin]" for an array of tables) of a Cargo manifest or
// lock file. It reads the simple "key = \"value\"" lines Cargo writes; it
// is no TOML parser, and needs none for these few keys.
func tomlStrings(data []byte, table, key string) []string {
	header := "[" + table + "]"
	var out []string
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			in = line == header
			continue
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != key {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) < 2 || (v[0] != '"' && v[0] != '\'') {
			continue
		}
		if end := strings.IndexByte(v[1:], v[0]); end >= 0 {
			out = append(out, v[1:1+end])
		}
	}
	return out
}

// tomlString is the first of tomlStrings, or "".
func tomlString(data []byte, table, key string) string {
	if v := tomlStrings(data, table, key); len(v) > 0 {
		return v[0]
	}
	return ""
}
