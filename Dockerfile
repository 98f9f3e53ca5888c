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

FROM scratch
COPY --from=build /out/frontend /bin/frontend
# The frontend needs no network: it only talks to BuildKit over the gateway.
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/frontend"]
