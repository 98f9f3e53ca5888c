# Entry points for developers and CI. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RIG := integration/rig
# Every recipe that talks to the rig sources its environment first.
WITH_RIG := . $(RIG)/env.sh &&
FUZZTIME ?= 30s

##@ The README's two commands

.PHONY: demo
demo: ## Build examples/go-hello through `# syntax=org/appbuild`, run it, print digest, size, user, health (brings up the demo tier only)
	$(RIG)/up.sh demo
	$(WITH_RIG) scripts/demo.sh

.PHONY: test
test: ## Run every test: vet, unit, golden, the examples' own tests, integration (real BuildKit; the rig's test tier), bounded fuzz
	FUZZTIME=$(FUZZTIME) scripts/test.sh

.PHONY: bench
bench: ## Benchmark appbuild against each example's Dockerfile.baseline on a daemon of its own (RUNS=3 for medians and spread)
	$(RIG)/up.sh bench
	$(WITH_RIG) go run ./bench -runs $(RUNS) -out bench -readme README.md
	$(WITH_RIG) go test -count=1 -run '^TestExampleSizeAgainstBaseline$$' ./integration

# One run: 16 to 28 min on 2 cores after `make rig` (README, "Cost"); three give medians and spread.
RUNS ?= 1

.PHONY: unit
unit: ## Unit and golden tests only (no rig needed; integration tests skip)
	APPBUILD_RIG=skip go test ./...

.PHONY: golden
golden: ## Rewrite golden files after a deliberate change (read the diff!)
	APPBUILD_RIG=skip APPBUILD_UPDATE_GOLDEN=1 go test -count=1 ./...

##@ Test rig (local registry + buildkitd + buildx; see integration/rig/README.md)

.PHONY: rig
rig: ## Install, build and start the whole test rig, every tier (idempotent; seconds when up)
	$(RIG)/up.sh all

rig-%: ## Bring up one tier of the rig: rig-demo, rig-go, rig-python, rig-node, rig-java, rig-rust, rig-static, rig-scan, rig-compose, rig-test, rig-bench
	$(RIG)/up.sh $*

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
	  /^[a-zA-Z0-9_%-]+:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
