# c8y-mqtt: the commands humans and CI use. `make test` is what CI runs (.ci/run).
CARGO ?= cargo
SHELL := /bin/bash
TEST_LOG := target/test-output.log
PY_TEST_LOG := target/python-test.log
BENCH_N ?= 50000
BENCH_DOWNLOAD_MIB ?= 256

.PHONY: test deps demo demo-offline demo-check bench lint fmt-check clippy doc unit fuzz \
	bench-deps bench-scale bench-footprint

## Everything CI checks: formatting, lints, docs, all tests.
test: deps fmt-check clippy doc demo-check unit c-check python-test
	@.ci/test-summary $(TEST_LOG) $(PY_TEST_LOG)

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
	@command -v valgrind >/dev/null 2>&1 || { \
		echo "== installing valgrind (C examples, make c-check)"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y valgrind || { $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y valgrind; }; \
	}
	@command -v valgrind >/dev/null 2>&1 || { echo "valgrind is missing and could not be installed" >&2; exit 1; }

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
## when missing; the download benchmark needs curl).
bench: deps bench-deps
	$(CARGO) run --release -q -p c8y-mqtt-examples --example emulator_ingest -- $(BENCH_N)
	$(CARGO) run --release -q -p c8y-mqtt-examples --example download -- $(BENCH_DOWNLOAD_MIB)
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

## Fuzzing (cargo-fuzz, libFuzzer): not part of `test`. Runs every target in core/fuzz and
## emulator/fuzz for FUZZ_SECONDS seconds each; see core/fuzz/README.md. FUZZ_SANITIZER=address needs nightly
## features, which stable rustc grants with RUSTC_BOOTSTRAP=1 (set here only for that case).
FUZZ_SECONDS ?= 60
FUZZ_SANITIZER ?= none
FUZZ_CRATES = core/fuzz emulator/fuzz
# Default: every target `cargo fuzz list` shows (evaluated inside each fuzz crate). A target named
# in FUZZ_TARGETS runs in the crate that has it.
FUZZ_TARGETS ?= $$($(CARGO) fuzz list)
FUZZ_ENV = $(if $(filter none,$(FUZZ_SANITIZER)),,RUSTC_BOOTSTRAP=1)

fuzz:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	@for crate in $(FUZZ_CRATES); do \
		(cd $$crate && for target in $(FUZZ_TARGETS); do \
			$(CARGO) fuzz list | grep -qx "$$target" || continue; \
			echo "== fuzzing $$target ($$crate) for $(FUZZ_SECONDS) s"; \
			mkdir -p corpus/$$target && \
			$(FUZZ_ENV) $(CARGO) fuzz run --sanitizer $(FUZZ_SANITIZER) $$target corpus/$$target seeds -- \
				-dict=fuzz.dict -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
		done) || exit 1; \
	done

## ---- C ABI (ffi/, include/c8y_mqtt.h, examples/c) ----------------------------------------
## `make install PREFIX=...`: libc8ymqtt.a, libc8ymqtt.so (SONAME libc8ymqtt.so.<major>), the
## header and pkg-config's c8ymqtt.pc. FFI_PROFILE=debug installs the debug build instead;
## FFI_LIBSRC=<dir> installs the libraries found there without building.
PREFIX ?= /usr/local
FFI_PROFILE ?= release
FFI_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
FFI_MAJOR := $(firstword $(subst ., ,$(FFI_VERSION)))
FFI_LIBDIR = $(DESTDIR)$(PREFIX)/lib

.PHONY: install c-check c-install-check
FFI_LIBSRC ?=
FFI_LIBS = $(or $(FFI_LIBSRC),target/$(FFI_PROFILE))
install:
	$(if $(FFI_LIBSRC),,$(CARGO) build -q $(if $(filter release,$(FFI_PROFILE)),--release) -p c8y-mqtt-ffi)
	install -d $(FFI_LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 644 $(FFI_LIBS)/libc8ymqtt.a $(FFI_LIBDIR)/libc8ymqtt.a
	install -m 755 $(FFI_LIBS)/libc8ymqtt.so $(FFI_LIBDIR)/libc8ymqtt.so.$(FFI_VERSION)
	ln -sf libc8ymqtt.so.$(FFI_VERSION) $(FFI_LIBDIR)/libc8ymqtt.so.$(FFI_MAJOR)
	ln -sf libc8ymqtt.so.$(FFI_MAJOR) $(FFI_LIBDIR)/libc8ymqtt.so
	install -m 644 include/c8y_mqtt.h $(DESTDIR)$(PREFIX)/include/c8y_mqtt.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(FFI_VERSION)|' ffi/c8ymqtt.pc.in > $(FFI_LIBDIR)/pkgconfig/c8ymqtt.pc

## The C examples again under valgrind and with ASan + UBSan (`make test` already ran them
## plain), then an install into a temporary prefix that an example must build from with
## `pkg-config --cflags --libs c8ymqtt` alone.
c-check: deps
	VALGRIND=valgrind $(CARGO) test -q --workspace --test c_examples
	C8Y_ASAN=1 $(CARGO) test -q --workspace --test c_examples
	$(MAKE) --no-print-directory c-install-check

C_CHECK_PREFIX = target/c-install-check
c-install-check:
	rm -rf $(C_CHECK_PREFIX)
	@# the libraries `cargo test` just built (no separate build)
	$(MAKE) --no-print-directory install FFI_LIBSRC=target/debug/deps PREFIX=$(CURDIR)/$(C_CHECK_PREFIX)
	readelf -d $(C_CHECK_PREFIX)/lib/libc8ymqtt.so | grep -q 'SONAME.*libc8ymqtt\.so\.$(FFI_MAJOR)\]'
	export PKG_CONFIG_PATH=$(CURDIR)/$(C_CHECK_PREFIX)/lib/pkgconfig; \
		$(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror examples/c/quickstart.c \
			$$(pkg-config --cflags --libs c8ymqtt) -o $(C_CHECK_PREFIX)/quickstart-shared && \
		$(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror examples/c/quickstart.c \
			$$(pkg-config --cflags c8ymqtt) $(C_CHECK_PREFIX)/lib/libc8ymqtt.a $$(pkg-config --static --libs-only-l c8ymqtt | sed 's/-lc8ymqtt//') \
			-o $(C_CHECK_PREFIX)/quickstart-static
	LD_LIBRARY_PATH=$(C_CHECK_PREFIX)/lib $(C_CHECK_PREFIX)/quickstart-shared 2>&1 | grep -q usage
	$(C_CHECK_PREFIX)/quickstart-static 2>&1 | grep -q usage
	@echo "c-install-check: shared and static builds via pkg-config OK"

## ---- Python package (python/): wheel built by maturin in a virtual environment ----
PY_VENV ?= target/venv
PY_BASE ?= python3
PY = $(PY_VENV)/bin/python

.PHONY: python-venv python-wheel python-test

## The virtual environment with the build and test tools (from PyPI); c8y-api is Cumulocity's
## Python REST client, the platform user of python/tests/test_files.py.
python-venv: $(PY_VENV)/.ready-2
$(PY_VENV)/.ready-2:
	$(PY_BASE) -m venv $(PY_VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "maturin>=1.9.4,<2" pytest pytest-timeout mypy "c8y-api>=3,<4"
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
	set -o pipefail; cd python && ../$(PY) -m pytest -q 2>&1 | tee ../$(PY_TEST_LOG)
	cd python && ../$(PY) -m mypy.stubtest c8y_mqtt._native --allowlist stubtest-allowlist.txt

## ---- Issue 7: benchmark peers and faces, scale, footprint (BENCHMARKS.md) ----
## `make bench` compares, in one run against one mosquitto: bare rumqttc, the SDK's Rust, C and
## Python faces, Paho C and paho-mqtt. BENCH_FACES=rust runs without the C and Python faces
## (their rows then say "not run"); a face or peer that is selected but missing fails the run.
BENCH_DIR := target/bench
BENCH_PEERS ?= /work/shared/bench
BENCH_FACES ?= rust,c,python
BENCH_VENV := $(BENCH_DIR)/venv
BENCH_PY := $(BENCH_VENV)/bin/python
FFI_HEADER_DIR ?= include
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
