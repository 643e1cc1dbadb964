#!/usr/bin/env bash
# The window's cost, measured under Xvfb with the tiny-skia renderer (issue 6's benchmark):
# cold start to the window on screen (RUNS times, median and worst), then idle CPU over
# SECONDS and idle memory (PSS) of the running window. Prints figures; never fails on them.
#
#   scripts/bench-ui.sh                     # release build (cargo build --release first)
#   TINCAN=target/debug/tincan SECONDS_IDLE=10 RUNS=3 scripts/bench-ui.sh
#
# "On screen" is when X reports the window mapped and viewable (xdotool --onlyvisible), polled
# every 5 ms: the first frame follows within one frame time. Targets (issue 6): <= 300 ms,
# ~0% idle CPU, <= 40 MB PSS. Needs Xvfb and xdotool (Debian: xvfb xdotool).
# Bounded by `timeout`, processes stopped by PID; HOME and XDG dirs point into a scratch dir.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=${TINCAN:-${CARGO_TARGET_DIR:-$here/target}/release/tincan}
runs=${RUNS:-5}
idle=${SECONDS_IDLE:-60}
if [[ ! -x "$bin" ]]; then
  (cd "$here" && cargo build --release --bin tincan)
fi
for tool in Xvfb xdotool; do
  command -v "$tool" >/dev/null || { echo "bench-ui: $tool is missing" >&2; exit 1; }
done
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tincan-bench-ui.XXXXXX")
xvfb_pid='' app_pid='' tincan_pid='' took_ms=0
cleanup() {
  [[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null || true
  [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# shellcheck source=lib-xvfb.sh
. "$here/scripts/lib-xvfb.sh"
start_xvfb $((idle + runs * 20 + 60)) "$scratch"

port=$((20000 + RANDOM % 20000))
printf '[general]\nlisten = ["udp:127.0.0.1:%s"]\nmdns = false\ndht = false\n' "$port" >"$scratch/config.toml"
isolate_window_env "$scratch"

# Starts the window; sets app_pid (timeout's), tincan_pid and took_ms (until it is on screen).
start_app() {
  local start window=''
  start=$(date +%s%N)
  timeout $((idle + 60)) "$bin" --config "$scratch/config.toml" \
    >"$scratch/app.log" 2>&1 &
  app_pid=$!
  for _ in $(seq 2000); do
    window=$(xdotool search --onlyvisible --name Tincan 2>/dev/null | head -n1 || true)
    [[ -n "$window" ]] && break
    sleep 0.005
  done
  if [[ -z "$window" ]]; then
    echo "bench-ui: no window appeared; the app said:" >&2
    cat "$scratch/app.log" >&2
    exit 1
  fi
  took_ms=$((($(date +%s%N) - start) / 1000000))
  tincan_pid=$(pgrep -P "$app_pid" | head -n1)
}
stop_app() {
  kill "$tincan_pid" "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  # The next start must not find this window.
  for _ in $(seq 200); do
    [[ -z "$(xdotool search --onlyvisible --name Tincan 2>/dev/null)" ]] && break
    sleep 0.01
  done
  app_pid='' tincan_pid=''
}

starts=()
for _ in $(seq "$runs"); do
  start_app
  starts+=("$took_ms")
  stop_app
  sleep 0.3
done
sorted=$(printf '%s\n' "${starts[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
worst=$(echo "$sorted" | tail -n1)

# Idle: the window up, nothing happening, for $idle seconds.
start_app
sleep 3
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$tincan_pid/stat"; }
before=$(cpu)
sleep "$idle"
after=$(cpu)
pss=$(awk '/^Pss:/ {print $2}' "/proc/$tincan_pid/smaps_rollup")
rss=$(awk '/^Rss:/ {print $2}' "/proc/$tincan_pid/smaps_rollup")
stop_app

echo "binary: $bin ($(du -h "$bin" | cut -f1))"
echo "cold start to window on screen: median ${median} ms, worst ${worst} ms over $runs runs (${starts[*]})"
awk -v t="$((after - before))" -v hz="$ticks" -v s="$idle" \
  'BEGIN { printf "idle CPU over %d s: %.2f%% of one core\n", s, 100 * t / hz / s }'
echo "idle memory: PSS $((pss / 1024)) MB (RSS $((rss / 1024)) MB)"
echo "targets: <= 300 ms, ~0% idle CPU, <= 40 MB PSS"
