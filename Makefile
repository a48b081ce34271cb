# rolecall build entry points. CI (.ci/run and .github/workflows) calls these
# targets, so a contributor runs exactly what CI runs.

GO          ?= go
PKGS        ?= ./...
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME   ?= 1x
FUZZTIME    ?= 30s
# spec-diff: the old version to compare api/specs with (a git revision, or a
# file with SPEC=api/specs/<file>), an optional new version of SPEC (NEW), and
# the output format (text, json or markdown); JSON_OUT also writes the report
# as JSON to a file.
BASE        ?= HEAD
SPEC        ?=
NEW         ?=
FORMAT      ?= text
JSON_OUT    ?=
SPECDIFF    := tools/specdiff
SPECDIFF_BIN = bin/specdiff

.PHONY: all demo generate check-generate regen-drill test test-short test-tools lint bench soak fuzz spec-diff spec-usage spec-fetch clean

all: check-generate lint test

## demo: print the access report over the embedded recorded fixtures (no credentials, no network).
demo:
	$(GO) run ./cmd/rolecall demo

## generate: regenerate gen/<provider> from api/specs (oapi-codegen, pinned in go.mod).
generate:
	$(GO) generate ./...
	$(GO) mod tidy

## check-generate: regenerate and fail if anything differs from what is committed.
check-generate:
	$(GO) generate ./...
	@git diff --exit-code -- gen api || (echo "generated code is stale: run 'make generate' and commit" >&2; exit 1)
	@test -z "$$(git status --porcelain -- gen)" || (git status --porcelain -- gen >&2; echo "untracked generated files: run 'make generate' and commit" >&2; exit 1)
	$(GO) mod tidy -diff

## regen-drill: in a temporary copy of the module, add a property to each
## listed record schema, regenerate, and check it reaches Assignment.Record
## through every driver; then show what an added enum value and a removed
## mapped field do to the build and the contract tests (cmd/regendrill).
regen-drill:
	$(GO) run ./cmd/regendrill

## test: the whole default suite, with the race detector (the README's test command).
test:
	$(GO) test -race -count=1 $(PKGS)

## test-short: the default suite without the race detector.
test-short:
	$(GO) test -count=1 $(PKGS)

## test-tools: the tests of the modules under tools/ (their own go.mod, so
## "make test" does not run them).
test-tools:
	cd $(SPECDIFF) && $(GO) test -count=1 ./...

## spec-diff: the spec change gate. Compares api/specs with BASE (a revision:
## make spec-diff BASE=origin/main; or a file: SPEC=api/specs/cortex.json
## BASE=old.json, or NEW=new.json to compare the vendored file with a new one)
## and reports what breaks the operations rolecall calls, the facade fields and
## report columns touched, and the Go API change of the regenerated gen/
## packages. Exit 1 when a change breaks an operation rolecall calls.
spec-diff:
	$(GO) build -C $(SPECDIFF) -o $(CURDIR)/$(SPECDIFF_BIN) .
	./$(SPECDIFF_BIN) -base "$(BASE)" -format "$(FORMAT)" $(if $(SPEC),-spec "$(SPEC)") $(if $(NEW),-new "$(NEW)") $(if $(JSON_OUT),-json-out "$(JSON_OUT)")

## spec-usage: what the gate derives from the drivers' code (the operations
## they call, what they read and send, the facade fields and report columns
## each property feeds), as JSON.
spec-usage:
	$(GO) build -C $(SPECDIFF) -o $(CURDIR)/$(SPECDIFF_BIN) .
	./$(SPECDIFF_BIN) usage

## spec-fetch: fetch the upstreams named in api/specs/sources.json, validate
## them and write what changed (the scheduled workflow runs this).
spec-fetch:
	$(GO) build -C $(SPECDIFF) -o $(CURDIR)/$(SPECDIFF_BIN) .
	./$(SPECDIFF_BIN) fetch -write

## lint: gofmt, go vet and staticcheck (generated code is checked by vet only).
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/')); \
	  test -z "$$unformatted" || (echo "gofmt needed: $$unformatted" >&2; exit 1)
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)
	cd $(SPECDIFF) && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...

## bench: the long benchmarks (package bench, and the openai-go peer in the
## bench/peers module) through bench/report, which writes BENCHMARKS.md.
bench:
	$(GO) run ./bench/report -o BENCHMARKS.md

## soak: the full-length fault soak (the default suite runs a short one);
## each provider's SOAK line has the figures RELIABILITY.md reports.
soak:
	ROLECALL_SOAK=full $(GO) test -count=1 -v -run 'TestConformance/Soak' -timeout 60m $(PKGS)

## fuzz: each fuzz target for FUZZTIME.
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for fz in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$fz"; \
	    $(GO) test -run '^$$' -fuzz "^$$fz$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	$(GO) clean -testcache
