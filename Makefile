# c8y-mqtt: the commands humans and CI use. `make test` is what CI runs (.ci/run).
CARGO ?= cargo
SHELL := /bin/bash
TEST_LOG := target/test-output.log
BENCH_N ?= 50000

.PHONY: test deps demo demo-offline demo-check bench lint fmt-check clippy doc unit fuzz \
	bench-deps bench-scale bench-footprint

## Everything CI checks: formatting, lints, docs, all tests.
test: deps fmt-check clippy doc demo-check unit

## System packages the tests need: mosquitto for core/tests/interop_mosquitto.rs (Debian's
## build has WebSocket support). Installed with apt-get when missing (as root, else via sudo);
## the test itself fails with a clear message if it is still not found.
MOSQUITTO_FOUND = command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto
SUDO = $$(test "$$(id -u)" = 0 || echo sudo)
deps:
	@$(MOSQUITTO_FOUND) || { \
		echo "== installing mosquitto (interop tests)"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y mosquitto || { $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y mosquitto; }; \
	}
	@$(MOSQUITTO_FOUND) || { echo "mosquitto is missing and could not be installed" >&2; exit 1; }

## The quick start's demo must keep working: run it against the embedded emulator.
demo-check:
	env -u C8Y_HOST $(CARGO) run -q -p c8y-mqtt-examples --example demo

## A full device session against the embedded emulator (no configuration), or a real tenant
## when C8Y_* variables are set.
demo:
	$(CARGO) run -q -p c8y-mqtt-examples --example demo

## The same session printed as SmartREST traffic only (no network at all).
demo-offline:
	$(CARGO) run -q -p c8y-mqtt-examples --example offline_session

## Benchmarks, side by side with peers in one run, reported as ratios (needs mosquitto: installed
## when missing).
bench: deps bench-deps
	$(CARGO) run --release -q -p c8y-mqtt-examples --example emulator_ingest -- $(BENCH_N)
	$(BENCH_ENV) $(CARGO) run --release -q -p c8y-mqtt-examples --example compare -- $(BENCH_N)

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc --workspace --no-deps

unit: deps
	@mkdir -p target
	set -o pipefail; $(CARGO) test --workspace 2>&1 | tee $(TEST_LOG)
	@.ci/test-summary $(TEST_LOG)

## Fuzzing (cargo-fuzz, libFuzzer): not part of `test`. Runs every target in core/fuzz for
## FUZZ_SECONDS seconds each; see core/fuzz/README.md. FUZZ_SANITIZER=address needs nightly
## features, which stable rustc grants with RUSTC_BOOTSTRAP=1 (set here only for that case).
FUZZ_SECONDS ?= 60
FUZZ_SANITIZER ?= none
# Default: every target `cargo fuzz list` shows (evaluated inside core/fuzz).
FUZZ_TARGETS ?= $$($(CARGO) fuzz list)
FUZZ_ENV = $(if $(filter none,$(FUZZ_SANITIZER)),,RUSTC_BOOTSTRAP=1)

fuzz:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	@cd core/fuzz && for target in $(FUZZ_TARGETS); do \
		echo "== fuzzing $$target for $(FUZZ_SECONDS) s"; \
		mkdir -p corpus/$$target && \
		$(FUZZ_ENV) $(CARGO) fuzz run --sanitizer $(FUZZ_SANITIZER) $$target corpus/$$target seeds -- \
			-dict=fuzz.dict -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
	done

## ---- Issue 7: benchmark peers and faces, scale, footprint (BENCHMARKS.md) ----
## `make bench` compares, in one run against one mosquitto: bare rumqttc, the SDK's Rust, C and
## Python faces, Paho C and paho-mqtt. BENCH_FACES=rust runs without the C and Python faces
## (their rows then say "not run"); a face or peer that is selected but missing fails the run.
BENCH_DIR := target/bench
BENCH_PEERS ?= /work/shared/bench
BENCH_FACES ?= rust,c,python
BENCH_VENV := $(BENCH_DIR)/venv
BENCH_PY := $(BENCH_VENV)/bin/python
FFI_HEADER_DIR ?= ffi/include
FFI_LIB := target/release/libc8ymqtt.a
C_LINK_LIBS := -lpthread -ldl -lm
BENCH_ENV = BENCH_FACES=$(BENCH_FACES) BENCH_PEERS=$(BENCH_PEERS) BENCH_PYTHON=$(BENCH_PY) \
	BENCH_PAHO_C=$(BENCH_DIR)/paho_c_pub BENCH_C_FACE=$(BENCH_DIR)/c8y_bench_pub
APT_INSTALL = $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y
PAHO_C_FOUND = test -f /usr/include/MQTTAsync.h

## The peers (Paho C built from $(BENCH_PEERS), paho-mqtt in a venv) and the SDK faces that
## exist (C: ffi/ + examples/c/bench_pub.c; Python: python/ installed into the venv).
bench-deps:
	@$(PAHO_C_FOUND) || { echo "== installing libpaho-mqtt-dev (Paho C peer)"; \
		$(APT_INSTALL) libpaho-mqtt-dev || { $(SUDO) apt-get update && $(APT_INSTALL) libpaho-mqtt-dev; }; }
	@mkdir -p $(BENCH_DIR)
	cc -O2 $(BENCH_PEERS)/paho_c_pub.c -lpaho-mqtt3a -lpthread -o $(BENCH_DIR)/paho_c_pub
	@test -x $(BENCH_PY) || python3 -m venv $(BENCH_VENV)
	@$(BENCH_PY) -c 'import paho.mqtt' 2>/dev/null || $(BENCH_PY) -m pip install -q paho-mqtt
	@if [ -d ffi ] && [ -f examples/c/bench_pub.c ]; then \
		echo "== building the SDK's C face"; \
		$(CARGO) build --release -q -p c8y-mqtt-ffi && \
		cc -O2 -I$(FFI_HEADER_DIR) examples/c/bench_pub.c $(FFI_LIB) $(C_LINK_LIBS) -o $(BENCH_DIR)/c8y_bench_pub; \
	else echo "== SDK C face not built: ffi/ or examples/c/bench_pub.c missing"; fi
	@if [ -f python/pyproject.toml ]; then \
		echo "== installing the SDK's Python face into $(BENCH_VENV)"; \
		$(BENCH_PY) -m pip install -q ./python; \
	else echo "== SDK Python face not installed: python/pyproject.toml missing"; fi

## 1 000 idle device sessions in one process (SDK) next to 1 000 paho-mqtt clients: memory per
## session and CPU while idle (SCALE_N sessions, SCALE_IDLE seconds idle).
SCALE_N ?= 1000
SCALE_IDLE ?= 5
bench-scale: deps bench-deps
	$(CARGO) build --release -q -p c8y-mqtt-emulator --bin c8y-emulator
	$(CARGO) run --release -q -p c8y-mqtt-examples --example scale -- $(SCALE_N) $(SCALE_IDLE) \
		target/release/c8y-emulator $(BENCH_PY) examples/bench/scale_paho.py

## Sizes: libc8ymqtt.a (release, LTO) and a stripped, statically linked C quick start, next to
## Paho C with OpenSSL. Needs ffi/ (crate c8y-mqtt-ffi) and examples/c/quickstart.c.
bench-footprint:
	@examples/bench/footprint.sh
