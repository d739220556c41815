# c8y-mqtt: the commands humans and CI use. `make test` is what CI runs (.ci/run).
CARGO ?= cargo
SHELL := /bin/bash
TEST_LOG := target/test-output.log
BENCH_N ?= 50000

.PHONY: test deps demo demo-offline demo-check bench lint fmt-check clippy doc unit fuzz

## Everything CI checks: formatting, lints, docs, all tests.
test: deps fmt-check clippy doc demo-check unit python-test

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
bench: deps
	$(CARGO) run --release -q -p c8y-mqtt-examples --example client_throughput -- $(BENCH_N)
	$(CARGO) run --release -q -p c8y-mqtt-examples --example emulator_ingest -- $(BENCH_N)

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

## ---- Python package (python/): wheel built by maturin in a virtual environment ----
PY_VENV ?= target/venv
PY_BASE ?= python3
PY = $(PY_VENV)/bin/python

.PHONY: python-venv python-wheel python-test

## The virtual environment with the build and test tools (from PyPI).
python-venv: $(PY_VENV)/.ready
$(PY_VENV)/.ready:
	$(PY_BASE) -m venv $(PY_VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "maturin>=1.9.4,<2" pytest pytest-timeout mypy
	touch $@

## Builds the abi3 wheel (target/wheels) and installs it into the venv: a debug build for the
## tests (reuses cargo's debug artifacts), `PY_RELEASE=1` for an optimized one (benchmarks:
## `make python-wheel PY_RELEASE=1 && target/venv/bin/python examples/python/bench_pub.py PORT N QOS`).
PY_RELEASE ?=
python-wheel: python-venv
	rm -f target/wheels/c8y_mqtt-*.whl
	$(PY_VENV)/bin/maturin build $(if $(PY_RELEASE),--release) -q -m python/Cargo.toml -i $(PY) -o target/wheels
	$(PY) -m pip install -q --force-reinstall --no-deps target/wheels/c8y_mqtt-*.whl

## The pytest suite (against the in-process emulator), then the stub check.
python-test: python-wheel
	cd python && ../$(PY) -m pytest -q
	cd python && ../$(PY) -m mypy.stubtest c8y_mqtt._native --allowlist stubtest-allowlist.txt
