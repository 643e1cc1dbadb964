#!/usr/bin/env bash
# Instructions per message for each SIP parser in benches/sip_parse.rs, counted by callgrind:
# repeatable whatever else the machine is doing (wall-clock numbers on shared 2-core machines
# swing by 2x). Prints one row per message.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
iters=${1:-200}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
cargo bench --bench sip_parse --no-run >/dev/null 2>&1
bin=$(ls -t "${CARGO_TARGET_DIR:-target}"/release/deps/sip_parse-* | grep -v '\.d$' | head -1)
out=$(mktemp -d)
printf '%-18s%14s%14s%8s%16s%16s\n' message tincan_typed rsip_typed ratio tincan_untyped rsip_untyped
for message in invite register ok; do
  row=()
  for parser in tincan_typed rsip_typed tincan_untyped rsip_untyped; do
    SIP_PARSE_MESSAGE=$message SIP_PARSE_ITERS=$iters valgrind --tool=callgrind \
      --callgrind-out-file="$out/$parser" --toggle-collect="sip_parse::$parser" "$bin" >/dev/null 2>&1
    total=$(callgrind_annotate "$out/$parser" 2>/dev/null | awk '/PROGRAM TOTALS/ && !n {gsub(",","",$1); print $1; n=1}')
    row+=($((total / iters)))
  done
  ratio=$(awk -v a="${row[1]}" -v b="${row[0]}" 'BEGIN { printf "%.2f", a / b }')
  printf '%-18s%14s%14s%7sx%16s%16s\n' "$message" "${row[0]}" "${row[1]}" "$ratio" "${row[2]}" "${row[3]}"
done
echo "(instructions per message; ratio = rsip / tincan, typed)"
rm -rf "$out"
