#!/usr/bin/env bash
# Instructions per message for each SIP parser in benches/sip_parse.rs, counted by callgrind:
# repeatable whatever else the machine is doing (wall-clock numbers on shared 2-core machines
# swing by 2x). Prints one line per (message, parser).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
iters=${1:-200}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
cargo bench --bench sip_parse --no-run >/dev/null 2>&1
bin=$(ls -t target/release/deps/sip_parse-* | grep -v '\.d$' | head -1)
out=$(mktemp -d)
for parser in tincan_typed rsip_typed tincan_untyped rsip_untyped; do
  SIP_PARSE_ITERS=$iters valgrind --tool=callgrind --callgrind-out-file="$out/$parser" \
    --toggle-collect="sip_parse::$parser" "$bin" >/dev/null 2>&1
  total=$(callgrind_annotate "$out/$parser" 2>/dev/null | awk '/PROGRAM TOTALS/ && !n {gsub(",","",$1); print $1; n=1}')
  # 3 messages per iteration
  echo "$parser: $((total / iters / 3)) instructions per message (mean of invite, register, 200 OK)"
done
rm -rf "$out"
