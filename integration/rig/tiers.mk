# The rig as a graph of pieces, and the tiers that name what each command needs.
# Run through up.sh (`up.sh TIER...`), never directly: up.sh sets the run's id, the
# timing file and the job count. make runs every piece whose prerequisites are done,
# side by side (downloads, stagings and compiles overlap), and each piece decides by
# itself whether it has work to do (piece.sh records built or reused).
#
# Tiers (README.md, "Tiers"):
#   demo, go   buildkitd, registry, buildx, the golang and distroless static stand-ins,
#              the frontend image: what `make demo` and the Go tests use
#   python node java rust static scan compose
#              one language or target each: the demo tier plus its stand-ins, package
#              server or tool
#   test       every tier the tests use; bench: test plus python:3.13-slim; all: bench
RIG := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
P = @$(RIG)/piece.sh $@

IMAGES := golang distroless-static debian-slim distroless-python3 node distroless-nodejs \
          maven distroless-java redis rust caddy

.PHONY: demo go core python node java rust static scan compose test bench all \
        packages tools buildx registry buildkitd builder daemons frontend \
        pyindex cargoreg mavenrepo trivy-bin trivy-image trivy-db compose-bin python-slim \
        $(IMAGES:%=stage-%) $(IMAGES:%=image-%)

# --- Tiers (the first prerequisites listed start first) -------------------------------
core: daemons builder image-golang image-distroless-static frontend
demo go: core
python: core image-debian-slim image-distroless-python3 pyindex
node: core image-node image-distroless-nodejs
java: core image-maven image-distroless-java mavenrepo
rust: core image-rust cargoreg
static: core image-caddy image-node
scan: core trivy-image trivy-db
compose: core compose-bin image-redis
# Long compiles first, so that they overlap the download-bound stagings.
test: core trivy-bin compose-bin scan compose java node python rust static
bench: test python-slim
all: bench

# --- Host tools and daemons -------------------------------------------------------------
packages: ; $P $(RIG)/install-packages.sh
# buildx compiles after the daemons' tools (sharing their compiled packages), while
# the stand-ins are pushed: only the builder and the tests need it.
tools: ; $P $(RIG)/build-tools.sh daemons
buildx: tools ; $P $(RIG)/build-tools.sh buildx
registry: tools ; $P $(RIG)/start-registry.sh
buildkitd: tools packages ; $P $(RIG)/start-buildkitd.sh
builder: buildkitd buildx ; $P $(RIG)/builder.sh
daemons: registry buildkitd

# --- Stand-in images: staged without daemons, pushed through them ------------------------
# Stagings yield the CPU to the tools' compile, which every tier waits for.
$(IMAGES:%=stage-%): stage-%: ; $P nice -n 10 $(RIG)/images.sh stage $*
$(IMAGES:%=image-%): image-%: stage-% daemons ; $P $(RIG)/images.sh push $*
# Images built FROM another stand-in (or taking its stamp as a build-arg).
image-node: image-debian-slim
image-distroless-nodejs image-distroless-java image-caddy: image-distroless-static
image-rust: image-golang
# node is fetched with the host's npm; distroless-nodejs shares node's npm downloads.
stage-node: packages
stage-distroless-nodejs: stage-node

frontend: image-golang daemons ; $P $(RIG)/frontend.sh

# --- Package servers, scanner, compose, benchmark-only images ------------------------------
pyindex: ; $P $(RIG)/pkgserver/up.sh python
cargoreg: ; $P $(RIG)/pkgserver/up.sh cargo
mavenrepo: ; $P $(RIG)/pkgserver/up.sh maven
trivy-bin: ; $P $(RIG)/trivy/build-trivy.sh
trivy-image: trivy-bin image-distroless-static daemons ; $P $(RIG)/trivy/image.sh
trivy-db: trivy-bin daemons ; $P $(RIG)/trivy/build-db.sh
compose-bin: ; $P $(RIG)/compose/build-compose.sh
python-slim: image-debian-slim daemons ; $P $(RIG)/images/python-slim/build.sh
