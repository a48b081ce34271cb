# rolecall build entry points. CI (.ci/run and .github/workflows) calls these
# targets, so a contributor runs exactly what CI runs. One exception: a
# workflow that needs the spec gate's exit status (0, 1 breaking, 2 the gate
# failed) runs tools/specdiff/run.sh, which spec-diff, spec-usage and
# spec-fetch call too, because make exits 2 on any failed recipe.

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
# actionlint, pinned in tools/actionlint/go.mod (a tool directive), checks
# every workflow (make actionlint; make test-tools runs it too).
ACTIONLINT  := tools/actionlint
# tools/specdiff/run.sh builds the gate into bin/specdiff and runs it,
# exiting with its status (0, 1 breaking, 2 the gate failed).
SPECDIFF_RUN = GO="$(GO)" $(SPECDIFF)/run.sh

.PHONY: all demo generate check-generate regen-drill test test-short test-tools actionlint test-browser lint bench soak fuzz spec-diff spec-usage spec-fetch clean

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
## "make test" does not run them), and actionlint on the workflows.
test-tools: actionlint
	cd $(SPECDIFF) && $(GO) test -count=1 ./...

## actionlint: check .github/workflows/*.yml (and the local actions they
## use) with actionlint at the version tools/actionlint/go.mod pins.
actionlint:
	$(GO) -C $(ACTIONLINT) tool actionlint $(addprefix $(CURDIR)/,$(wildcard .github/workflows/*.yml))

## test-browser: the HTML report in headless Chromium (browsertest, its own
## module: chromedp). Needs Debian's chromium on PATH (.ci/run installs it);
## without it the tests skip, except with CI=true. Screenshots go to
## browsertest/artifacts (ARTIFACTS=dir elsewhere).
test-browser:
	cd browsertest && $(GO) test -count=1 ./...

## spec-diff: the spec change gate. Compares api/specs with BASE (a revision:
## make spec-diff BASE=origin/main; or a file: SPEC=api/specs/cortex.json
## BASE=old.json, or NEW=new.json to compare the vendored file with a new one)
## and reports what breaks the operations rolecall calls, the facade fields and
## report columns touched, and the Go API change of the regenerated gen/
## packages. It fails when a change breaks an operation rolecall calls (the
## tool's exit 1) or when the gate itself fails (exit 2), and says which; make
## then exits 2 either way ("Error 1" or "Error 2" names the tool's status), so
## a pipeline that needs the status runs tools/specdiff/run.sh instead, as the
## spec-gate workflow does (.github/scripts/spec-gate.sh).
spec-diff:
	@status=0; $(SPECDIFF_RUN) -base "$(BASE)" -format "$(FORMAT)" $(if $(SPEC),-spec "$(SPEC)") $(if $(NEW),-new "$(NEW)") $(if $(JSON_OUT),-json-out "$(JSON_OUT)") || status=$$?; \
	  case $$status in \
	    0) ;; \
	    1) echo "spec-diff: exit 1: a change breaks an operation rolecall calls" >&2 ;; \
	    *) echo "spec-diff: exit $$status: the gate itself failed (see above); the specs were not judged" >&2 ;; \
	  esac; \
	  exit $$status

## spec-usage: what the gate derives from the drivers' code (the operations
## they call, what they read and send, the facade fields and report columns
## each property feeds), as JSON.
spec-usage:
	$(SPECDIFF_RUN) usage

## spec-fetch: fetch the upstreams named in api/specs/sources.json, validate
## them and write what changed (the scheduled workflow runs
## tools/specdiff/run.sh fetch -write itself, for the tool's exit status).
spec-fetch:
	$(SPECDIFF_RUN) fetch -write

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
