// Command pkgserver makes and serves the rig's local package repositories:
// the machines the tests run on cannot reach PyPI, the crates registry or
// Maven Central, so the examples install from these, through the settings a
// team with a private index or mirror uses. Each repository is a directory
// tree made once from Debian trixie packages (up.sh fetches and unpacks
// them) and served read-only by one small static server.
//
//	pkgserver build-python -out DIR [-epoch N] UNPACKED_DEB_DIR...
//	pkgserver build-cargo  -out DIR [-epoch N] ROOT
//	pkgserver build-maven  -out DIR ROOT
//	pkgserver serve -dir DIR -addr HOST:PORT [-prefix /P/] [-cargo-config]
//	                [-credentials FILE -private-prefix /Q/]
//
// build-python repacks Debian python3-* packages, each unpacked into its own
// directory, as pure-Python wheels with a PEP 503 simple index
// (python.go). build-cargo packs the crate sources Debian's librust-*-dev
// packages install under ROOT/usr/share/cargo/registry/ into .crate archives
// with a sparse registry index (cargo.go). build-maven copies ROOT's
// /usr/share/maven-repo with every link replaced by the file it names
// (maven.go). Every output is reproducible: the same packages give the same
// bytes, so lock files' checksums hold across rebuilds.
//
// serve (serve.go) serves DIR under a URL prefix, refuses anything but GET
// and HEAD, and logs one line per request, "METHOD PATH: STATUS", which the
// tests read to tell what a build fetched or was refused. With -credentials
// the same tree is served again under -private-prefix behind HTTP basic
// authentication, like a private index that needs a token. With
// -cargo-config it answers Cargo's index/config.json itself, naming the
// host the client used, so downloads work on whatever address it reached.
package main
