# Entry points for developers and CI. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RIG := integration/rig
# Every recipe that talks to the rig sources its environment first.
WITH_RIG := . $(RIG)/env.sh &&
FUZZTIME ?= 30s

##@ The README's two commands

.PHONY: demo
demo: rig ## Build examples/go-hello through `# syntax=org/appbuild`, run it, print digest, size, user, health
	$(WITH_RIG) scripts/demo.sh

.PHONY: test
test: rig ## Run every test: vet, unit, golden, the examples' own tests, integration (real BuildKit), bounded fuzz
	go vet ./...
	$(WITH_RIG) APPBUILD_REQUIRE_RIG=1 go test -count=1 -timeout 80m ./...
	cd examples/go-hello && go test -count=1 ./...
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./spec
	go test -run '^$$' -fuzz '^FuzzPythonUVLock$$' -fuzztime $(FUZZTIME) ./profiles

.PHONY: bench
bench: rig ## Benchmark appbuild against each example's Dockerfile.baseline on a daemon of its own (RUNS=3 for medians and spread)
	$(WITH_RIG) go run ./cmd/bench -runs $(RUNS) -out bench -readme README.md

# One run: 16 to 28 min on 2 cores after `make rig` (README, "Cost"); three give medians and spread.
RUNS ?= 1

.PHONY: unit
unit: ## Unit and golden tests only (no rig needed; integration tests skip)
	go test ./...

.PHONY: golden
golden: ## Rewrite golden files after a deliberate change (read the diff!)
	go test ./... -update

##@ Test rig (local registry + buildkitd + buildx; see integration/rig/README.md)

.PHONY: rig
rig: ## Install, build and start the test rig (idempotent; seconds when up)
	$(RIG)/up.sh

.PHONY: rig-down
rig-down: ## Stop buildkitd and the registry (caches are kept)
	$(RIG)/down.sh

.PHONY: frontend
frontend: ## Build the frontend image and push it to the rig's registry
	$(RIG)/frontend.sh

##@ Help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } \
	  /^##@/ { printf "\n%s\n", substr($$0, 5) } \
	  /^[a-zA-Z0-9_-]+:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
