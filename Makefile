# Tincan: `make run` builds and starts the app, `make test` runs the whole suite (also what CI runs).
SHELL := /bin/bash

# rustup installs cargo here; non-login shells (CI) may not have it on PATH.
export PATH := $(HOME)/.cargo/bin:$(PATH)

ARGS ?=
FUZZ_SECONDS ?= 600

.PHONY: run test bench fuzz

run:
	scripts/setup.sh build
	cargo run --release --bin tincan -- $(ARGS)

# Each line is one step; make stops at the first that fails.
test:
	scripts/setup.sh test
	cargo fmt --all -- --check
	scripts/check-sans-io.sh
	cargo clippy --all-targets -- -D warnings
	cargo test --all-targets
	cargo test --doc

bench:
	scripts/setup.sh build
	cargo bench --bench sip_parse

fuzz:
	scripts/setup.sh build
	scripts/fuzz.sh $(FUZZ_SECONDS)
