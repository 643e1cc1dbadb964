#!/usr/bin/env bash
# Serverless-calling figures (not a test): on a local Mainline testnet (100 nodes by default),
# publish time, resolve time p50/p95, UDP datagrams per resolve, and call set-up time
# (resolve + INVITE to 200 OK) between two engines; first with no added latency, then with
# 50 ms round-trip time (netem delaying loopback by 25 ms each way). Each run gets a network
# namespace of its own (so the datagram counters see only the benchmark), removed at the end.
#
#   scripts/bench-p2p.sh [--debug] [--nodes N] [--keys K] [--calls C]
#
# Network namespaces and netem need root (or CAP_NET_ADMIN); without them the benchmark runs
# once, in this namespace, and says that the latency figures are missing.
# --debug uses the test profile (quicker to build, slower crypto) instead of the bench one.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

profile=bench
args=()
for a in "$@"; do
  case "$a" in
    --debug) profile=debug ;;
    *) args+=("$a") ;;
  esac
done

if [[ $profile == bench ]]; then
  build=(cargo bench --bench p2p --no-run)
else
  build=(cargo test --bench p2p --no-run)
fi
bin=$("${build[@]}" 2>&1 | tee /dev/stderr | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -n 1)
if [[ -z "$bin" || ! -x "$bin" ]]; then
  echo "bench-p2p: could not find the benchmark binary" >&2
  exit 1
fi
run=("$bin" --bench "${args[@]}")

# One run may take a while on a busy machine; never forever.
LIMIT=${BENCH_LIMIT:-1200}

ns_plain="tincan-bench-$$-plain"
ns_rtt="tincan-bench-$$-rtt"
cleanup() {
  ip netns del "$ns_plain" 2>/dev/null || true
  ip netns del "$ns_rtt" 2>/dev/null || true
}
trap cleanup EXIT

if ip netns add "$ns_plain" 2>/dev/null; then
  ip -n "$ns_plain" link set lo up
  echo "== no added latency (network namespace $ns_plain)"
  timeout "$LIMIT" ip netns exec "$ns_plain" "${run[@]}"
  ip netns del "$ns_plain"

  ip netns add "$ns_rtt"
  ip -n "$ns_rtt" link set lo up
  if ip netns exec "$ns_rtt" tc qdisc add dev lo root netem delay 25ms 2>/dev/null; then
    ping_ms=$(ip netns exec "$ns_rtt" ping -c 3 -i 0.2 -q 127.0.0.1 2>/dev/null |
      sed -n 's#.*= [0-9.]*/\([0-9.]*\)/.*#\1#p' || true)
    echo
    echo "== 50 ms round-trip time (netem: 25 ms each way on loopback; ping says ${ping_ms:-?} ms)"
    timeout "$LIMIT" ip netns exec "$ns_rtt" "${run[@]}"
  else
    echo "bench-p2p: netem is not available here (tc qdisc ... netem failed): no 50 ms RTT figures" >&2
  fi
else
  echo "bench-p2p: cannot make network namespaces (needs root): one run here, no 50 ms RTT figures" >&2
  echo "== no added latency (this network namespace; datagram counts include other traffic)"
  timeout "$LIMIT" "${run[@]}"
fi
