# mydba tasks. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
BIN       := bin/mydba
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
SANDBOX   := scripts/sandbox.sh
# The demo keeps its own state dir so it never touches the user's profiles.
DEMO_HOME ?= $(CURDIR)/.demo
GOLANGCI_LINT_VERSION := v2.15.0
TEMPL_VERSION := v0.3.1100
GOBIN_DIR := $(CURDIR)/.tools

.PHONY: help
help: ## list tasks
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/mydba
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/mydba

.PHONY: deps
deps: ## install the Debian packages tests and demo need (MariaDB, sysbench)
	$(SANDBOX) deps

.PHONY: sandbox
sandbox: ## start the sandbox primary (13306) and replica (13307) with sample data
	$(SANDBOX) start >/dev/null

.PHONY: sandbox-stop
sandbox-stop: ## stop the sandbox servers and workload (data kept)
	$(SANDBOX) stop

.PHONY: sandbox-destroy
sandbox-destroy: ## stop the sandbox and delete its data
	$(SANDBOX) destroy

.PHONY: demo
demo: build sandbox ## sandbox + sample data + background workload, then the web workbench on it
	$(SANDBOX) workload start
	@mkdir -p $(DEMO_HOME)
	@export MYDBA_HOME=$(DEMO_HOME) MYDBA_KEYRING=off; \
	if ! $(BIN) conn show sandbox >/dev/null 2>&1; then \
		printf '%s\n' mydba-sandbox | $(BIN) conn add sandbox mysql://mydba@127.0.0.1:13306/shop --label "sandbox primary (read-only account)" --password-stdin; \
		printf '%s\n' mydba-sandbox | $(BIN) conn add sandbox-replica mysql://mydba@127.0.0.1:13307/shop --label "sandbox replica" --password-stdin; \
		printf '%s\n' sandbox | $(BIN) conn add sandbox-admin mysql://root@127.0.0.1:13306/shop --label "sandbox primary as root" --env staging --password-stdin; \
	fi; \
	test -f $(DEMO_HOME)/config.toml || printf '%s\n' '# The dashboard has history from the start.' '[monitor]' 'profiles = ["sandbox", "sandbox-replica"]' >$(DEMO_HOME)/config.toml; \
	$(BIN) conn test sandbox; echo; \
	echo "The sandbox runs a background workload. Stop everything with: make sandbox-stop"; \
	echo "Open the URL below in a browser (Ctrl-C stops the workbench):"; \
	exec $(BIN) serve --addr 127.0.0.1:$${MYDBA_DEMO_PORT:-8484}

.PHONY: generate
generate: $(GOBIN_DIR)/templ ## regenerate the web UI's templ components (*_templ.go, committed)
	$(GOBIN_DIR)/templ generate -path internal/web/views

$(GOBIN_DIR)/templ:
	GOBIN=$(GOBIN_DIR) $(GO) install github.com/a-h/templ/cmd/templ@$(TEMPL_VERSION)

.PHONY: check-generated
check-generated: generate ## fail when the committed generated files are stale
	@git diff --exit-code --stat -- 'internal/web/views/*_templ.go' || { echo "run make generate and commit the result"; exit 1; }

.PHONY: vendor-ui
vendor-ui: ## rebuild the vendored front-end libraries (needs npm; output is committed)
	ui/vendor.sh

.PHONY: test
test: deps sandbox check-generated ## install what is missing, start the sandbox, run every check and test against it
	@test -z "$$(gofmt -s -l . 2>/dev/null | grep -v '^\.tools/' || true)" || { echo "gofmt needed on:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(MAKE) --no-print-directory lint
	@eval "$$($(SANDBOX) env)"; export MYDBA_TEST_REQUIRE=1; \
	$(GO) test -race -json -timeout 20m ./... | $(GO) run ./scripts/testreport

.PHONY: test-short
test-short: ## unit tests only (no servers needed; server tests skip)
	$(GO) test ./...

.PHONY: lint
lint: $(GOBIN_DIR)/golangci-lint ## run the configured linters
	$(GOBIN_DIR)/golangci-lint run ./...

$(GOBIN_DIR)/golangci-lint:
	GOBIN=$(GOBIN_DIR) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

.PHONY: fmt
fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

.PHONY: clean
clean: ## remove build output and the demo state
	rm -rf bin $(DEMO_HOME)
