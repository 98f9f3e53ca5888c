# Entry points for developers and CI. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RIG := integration/rig

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
