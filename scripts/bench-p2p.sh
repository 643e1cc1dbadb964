#!/usr/bin/env bash
# Serverless-calling figures (not a test): on a local Mainline testnet (100 nodes by default),
# publish time, resolve time p50/p95, UDP datagrams per resolve, and call set-up time
# (resolve + INVITE to 200 OK) between two engines; first with no added latency, then with
# 50 ms round-trip time (netem delaying loopback by 25 ms each way; where the kernel has no
# netem, scripts/delay-line.py, a TUN device that hands each packet back 25 ms later). Each run
# gets a network namespace of its own (so the datagram counters see only the benchmark),
# removed at the end.
#
#   scripts/bench-p2p.sh [--debug] [--nodes N] [--keys K] [--calls C]
#
# Network namespaces need root (or CAP_NET_ADMIN), the delay line python3; without
# namespaces the benchmark runs once, in this namespace, and says that the latency figures
# are missing.
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
delay_pid=""
cleanup() {
  if [[ -n "$delay_pid" ]]; then kill "$delay_pid" 2>/dev/null || true; fi
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
    echo
    echo "== 50 ms round-trip time (netem: 25 ms each way on loopback)"
    timeout "$LIMIT" ip netns exec "$ns_rtt" "${run[@]}"
  else
    # No netem in this kernel: route one address of the namespace through a TUN delay line
    # (scripts/delay-line.py) that hands every packet back 25 ms later.
    ip="10.77.0.1"
    ip -n "$ns_rtt" addr add "$ip/32" dev lo
    ip netns exec "$ns_rtt" python3 "$ROOT/scripts/delay-line.py" dl0 25 "$LIMIT" >/dev/null &
    delay_pid=$!
    for _ in $(seq 50); do
      ip -n "$ns_rtt" link show dl0 >/dev/null 2>&1 && break
      sleep 0.1
    done
    ip -n "$ns_rtt" link set dl0 up
    ip netns exec "$ns_rtt" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
      net.ipv4.conf.dl0.rp_filter=0 net.ipv4.conf.all.accept_local=1 \
      net.ipv4.conf.dl0.accept_local=1
    ip -n "$ns_rtt" route add "$ip/32" dev dl0 src "$ip" table 100
    # Locally sent packets to $ip go out through dl0 (before the local table is asked);
    # coming back in from dl0 they are delivered as usual.
    ip -n "$ns_rtt" rule add pref 10 iif lo to "$ip" lookup 100
    ip -n "$ns_rtt" rule del pref 0 lookup local
    ip -n "$ns_rtt" rule add pref 100 lookup local
    echo
    echo "== 50 ms round-trip time (no netem in this kernel: a TUN delay line, 25 ms each way, on $ip)"
    timeout "$LIMIT" ip netns exec "$ns_rtt" "${run[@]}" --ip "$ip"
    kill "$delay_pid" 2>/dev/null || true
    wait "$delay_pid" 2>/dev/null || true
  fi
else
  echo "bench-p2p: cannot make network namespaces (needs root): one run here, no 50 ms RTT figures" >&2
  echo "== no added latency (this network namespace; datagram counts include other traffic)"
  timeout "$LIMIT" "${run[@]}"
fi
