# c8y-mqtt: the commands humans and CI use. `make test` is what CI runs (.ci/run).
CARGO ?= cargo

.PHONY: test demo lint fmt-check clippy doc unit

## Everything CI checks: formatting, lints, docs, all tests.
test: fmt-check clippy doc unit

## A device session, printed as the SmartREST traffic it produces (no network, no configuration).
demo:
	$(CARGO) run -q -p c8y-mqtt-examples --example offline_session

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc --workspace --no-deps

unit:
	$(CARGO) test --workspace
