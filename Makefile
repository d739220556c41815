# c8y-mqtt: the commands humans and CI use. `make test` is what CI runs (.ci/run).
CARGO ?= cargo

.PHONY: test lint fmt-check clippy doc unit fuzz

## Everything CI checks: formatting, lints, docs, all tests.
test: fmt-check clippy doc unit

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc --workspace --no-deps

unit:
	$(CARGO) test --workspace
