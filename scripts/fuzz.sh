#!/usr/bin/env bash
# Runs each cargo-fuzz target for SECONDS (default 600) and prints its exec count.
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 enables them on the stable toolchain.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-600}
targets=${FUZZ_TARGETS:-"sip_message sip_uri sdp ua rtp stun"}
command -v cargo-fuzz >/dev/null || { echo "fuzz: cargo install cargo-fuzz first" >&2; exit 1; }
export RUSTC_BOOTSTRAP=1
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  case $t in
    sip_message) cp -n tests/vectors/rfc4475/*.dat benches/data/*.sip "fuzz/corpus/$t/" 2>/dev/null || true ;;
  esac
  log=$(mktemp)
  echo "fuzz: $t for ${seconds}s"
  if ! cargo fuzz run "$t" -- -max_total_time="$seconds" -max_len=4096 >"$log" 2>&1; then
    tail -40 "$log"; echo "fuzz: $t FAILED (crash artifacts in fuzz/artifacts/$t)"; exit 1
  fi
  grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$log" | tail -2
  rm -f "$log"
done
