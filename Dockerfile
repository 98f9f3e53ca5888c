# The appbuild frontend image: one static binary on scratch, the shape
# BuildKit's own Dockerfile frontend image has.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
ENV GOFLAGS=-buildvcs=false CGO_ENABLED=0
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go mod download
COPY . .
ARG TARGETOS TARGETARCH
# Cross-compiled on the build platform: no emulation for the arm64 image.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -tags "netgo osusergo" -o /out/frontend ./cmd/frontend

# appbuild-probe, prebuilt for the platforms most images are built for, so
# that an image's healthcheck costs no golang image pull and no compile.
# The command, flags, environment, directory (no go.mod above it, no
# GOFLAGS) and golang image are those of the probe stage appbuild plans
# (profiles.probeStage, goTargetEnv), so the bytes are the same as that
# stage builds; other platforms, and ejected Dockerfiles, still build it
# there. Both platforms whatever the frontend's own: an amd64 frontend
# builds arm64 images too.
FROM --platform=$BUILDPLATFORM golang:1.26 AS probe
WORKDIR /src/probe
COPY healthprobe/src/main.go ./
RUN --mount=type=cache,target=/root/.cache/go-build \
    set -e; for arch in amd64 arm64; do \
      CGO_ENABLED=0 GOOS=linux GOARCH=$arch \
      go build -trimpath -ldflags="-s -w" -o /out/appbuild-probe main.go; \
      mkdir -p /probes/linux/$arch; \
      mv /out/appbuild-probe /probes/linux/$arch/appbuild-probe; \
    done

FROM scratch
COPY --from=build /out/frontend /bin/frontend
COPY --from=probe /probes /probes
# The source revision the image was built from (integration/rig/revision.sh in the
# rig; a release passes its commit). The tests check it is their own tree's.
ARG APPBUILD_REVISION=unknown
LABEL org.opencontainers.image.revision="${APPBUILD_REVISION}"
# The frontend needs no network: it only talks to BuildKit over the gateway.
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/frontend"]
