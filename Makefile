# Bulwark — every target installs the system packages it needs when they are missing.
SWIFT        ?= swift
PYTHON       ?= python3
VENV         := .venv
APT_PACKAGES := libmicrohttpd-dev zlib1g-dev pkg-config prometheus prometheus-alertmanager gzip curl openssl redis-server libhiredis-dev
SUDO         := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
LISTEN       ?= 127.0.0.1:9464

.PHONY: all deps venv build release examples test demo serve simulate bench bench-package bench-deps fuzz soak clean
EXAMPLES     := QuickStart ObservedService

all: build

## deps: install the Debian packages the build and the tests use (only the missing ones).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## venv: the Python packages the end-to-end tests drive (prometheus_client, later the official SDKs).
venv: $(VENV)/.installed
$(VENV)/.installed: requirements-test.txt
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { $(SUDO) apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-test.txt
	@touch $@

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## examples: the packages under Examples/, which depend on this one by path. They share .build with the
## package itself, so only their own code is compiled again.
examples: deps
	@for example in $(EXAMPLES); do $(SWIFT) build --package-path Examples/$$example --scratch-path $(CURDIR)/.build || exit 1; done

## test: every unit and end-to-end test (real processes, real promtool and Prometheus), and the examples.
test: deps venv
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory examples
	BULWARK_BIN=$(CURDIR)/.build/debug/bulwark BULWARK_QUICKSTART_BIN=$(CURDIR)/.build/debug/QuickStart \
	  BULWARK_OBSERVED_SERVICE_BIN=$(CURDIR)/.build/debug/ObservedService \
	  BULWARK_PYTHON=$(CURDIR)/$(VENV)/bin/python3 $(SWIFT) test --skip-build --no-parallel

## demo: the embedded default — simulated providers with incidents, the real exporter on $(LISTEN).
demo: release
	.build/release/bulwark demo --listen $(LISTEN) $(DEMO_ARGS)

## simulate: the fake providers alone, for SDKs and other clients.
simulate: release
	.build/release/bulwark simulate --listen 127.0.0.1:8080

## serve: the exporter alone on $(LISTEN).
serve: release
	.build/release/bulwark serve --listen $(LISTEN)

## bench-deps: Go and Debian's client_golang, for the Go peer of the benchmarks only (built offline).
BENCH_APT_PACKAGES := golang-go golang-github-prometheus-client-golang-dev
bench-deps:
	@missing=""; for p in $(BENCH_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## bench: hot-path benchmarks against their peers (Benchmarks/ is its own package; the Go peer in
## Benchmarks/peers is built by the benchmark itself with GO111MODULE=off GOPATH=/usr/share/gocode).
bench: deps bench-deps venv
	cd Benchmarks && $(SWIFT) build -c release --product BulwarkBenchmarks
	cd Benchmarks && BULWARK_PYTHON=$(CURDIR)/$(VENV)/bin/python3 .build/release/BulwarkBenchmarks
	cd Benchmarks && $(SWIFT) build -c release --product ClientBenchmarks
	cd Benchmarks && .build/release/ClientBenchmarks

## bench-package: the hot paths under ordo-one/package-benchmark (wall clock, CPU, mallocs, throughput, with
## swift-prometheus in the same suite; Benchmarks/Benchmarks/HotPaths). The MallocInterposer trait counts
## mallocs without jemalloc. Extra arguments go through BENCH_ARGS (e.g. `--filter record`).
bench-package: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --target HotPaths --no-progress $(BENCH_ARGS)

## soak: wrk against the release exporter's /metrics and /v1/events while the demo records in-process, then
## the hostile cases (slowloris, unauthenticated bodies, series explosion) with peak RSS and /healthz p99.
soak: release
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	$(PYTHON) Benchmarks/soak/soak.py --bin .build/release/bulwark $(SOAK_ARGS)

## fuzz: every libFuzzer target (Fuzz/README.md) for FUZZ_SECONDS under AddressSanitizer, seeded from
## Fuzz/corpus; inputs it finds go to .build-fuzz/corpus, a crashing input to Fuzz/crashes/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := event-batch json sse rate-limit-headers retry-after configuration
fuzz: deps
	$(SWIFT) build --product BulwarkFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING --scratch-path .build-fuzz
	@mkdir -p Fuzz/crashes; for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t; \
	  BULWARK_FUZZ_TARGET=$$t .build-fuzz/debug/BulwarkFuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=Fuzz/crashes/$$t- \
	    .build-fuzz/corpus/$$t Fuzz/corpus/$$t > .build-fuzz/$$t.log 2>&1 \
	    || { tail -n 60 .build-fuzz/$$t.log; echo "fuzz: $$t FAILED (input in Fuzz/crashes/)"; exit 1; }; \
	  echo "fuzz: $$t: $$(grep -o 'stat::number_of_executed_units: [0-9]*' .build-fuzz/$$t.log | grep -o '[0-9]*$$') runs in $(FUZZ_SECONDS) s, corpus $$(ls .build-fuzz/corpus/$$t | wc -l) inputs, no crash"; \
	done

clean:
	rm -rf .build $(VENV) Benchmarks/.build .build-fuzz
