#!/usr/bin/env bash
# Runs the real window under Xvfb (tiny-skia renderer) with a throw-away settings file and
# takes screenshots: home, dialpad, accounts, settings.
#
#   scripts/ui-screenshots.sh [OUT_DIR]      # default: target/ui-screenshots
#
# Needs: Xvfb, ImageMagick's `import`, xdotool (Debian: xvfb imagemagick xdotool), and a built
# binary (TINCAN=path, default target/debug/tincan under CARGO_TARGET_DIR or ./target).
# Everything is bounded by `timeout` and stopped by PID; nothing touches the user's own
# settings, keyring or logs (HOME and the XDG directories point into a scratch directory).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/target/ui-screenshots}
bin=${TINCAN:-${CARGO_TARGET_DIR:-$here/target}/debug/tincan}
[[ -x "$bin" ]] || { echo "ui-screenshots: no binary at $bin (cargo build first)" >&2; exit 1; }
for tool in Xvfb import xdotool; do
  command -v "$tool" >/dev/null || { echo "ui-screenshots: $tool is missing" >&2; exit 1; }
done
mkdir -p "$out"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tincan-shots.XXXXXX")
xvfb_pid='' app_pid=''
cleanup() {
  [[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null || true
  [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# A free display number.
display=99
while [[ -e /tmp/.X11-unix/X$display || -e /tmp/.X$display-lock ]]; do display=$((display + 1)); done

# The window listens on a random loopback port. Two accounts nobody answers for: one
# registers over TCP to a closed loopback port (and fails at once), one only calls.
port=$((20000 + RANDOM % 20000))
cat > "$scratch/config.toml" <<EOF
[general]
listen = ["udp:127.0.0.1:$port"]
default_account = "work"

[[accounts]]
name = "work"
aor = "sip:alice@127.0.0.1"
registrar = "sip:127.0.0.1:9"
transport = "tcp"

[[accounts]]
name = "home"
aor = "sip:alice@127.0.0.1"
register = false
EOF

timeout 120 Xvfb ":$display" -screen 0 1024x768x24 -nolisten tcp >"$scratch/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do [[ -e /tmp/.X11-unix/X$display ]] && break; sleep 0.1; done

export DISPLAY=":$display" ICED_BACKEND=tiny-skia LANG=C.UTF-8 LANGUAGE=
export HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data"
export DBUS_SESSION_BUS_ADDRESS="unix:path=$scratch/no-bus"
mkdir -p "$HOME"
start=$(date +%s%N)
timeout 90 "$bin" --config "$scratch/config.toml" >"$scratch/app.log" 2>&1 &
app_pid=$!

# Wait for the window to be mapped.
window=''
for _ in $(seq 100); do
  window=$(xdotool search --onlyvisible --name Tincan 2>/dev/null | head -n1 || true)
  [[ -n "$window" ]] && break
  sleep 0.1
done
if [[ -z "$window" ]]; then
  echo "ui-screenshots: no window appeared; the app said:" >&2
  cat "$scratch/app.log" >&2
  exit 1
fi
echo "ui-screenshots: window mapped after $(( ($(date +%s%N) - start) / 1000000 )) ms"
xdotool windowmove "$window" 0 0 >/dev/null 2>&1 || true
sleep 2 # the engine starts and the registration fails

shot() {
  import -display ":$display" -window root -crop 460x720+0+0 "$out/$1.png"
  echo "ui-screenshots: $out/$1.png"
}
# The navigation bar's buttons, left to right (x positions at 460 px wide).
click() { xdotool mousemove --window "$window" "$1" 24 click 1; sleep 0.7; }

shot home
click 110; shot dialpad
# Opening the dialpad focuses its field; give the window the keyboard (there is no window
# manager) and type.
xdotool windowfocus --sync "$window" type --delay 40 "sip:bob@127.0.0.1"
sleep 0.5; shot dialpad-typed
click 200; shot accounts
click 300; shot settings

# A call from the command line to the window: the incoming view; Enter answers; the caller
# hangs up after 3 s.
timeout 30 "$bin" call "sip:alice@127.0.0.1:$port" --hangup-after 3 --no-log-file \
  >"$scratch/call.log" 2>&1 &
call_pid=$!
sleep 1.5; shot incoming
xdotool windowfocus --sync "$window" key Return
sleep 1.5; shot in-call
call_status=0
wait "$call_pid" || call_status=$?
echo "ui-screenshots: the call from the command line ended with status $call_status" \
  "($(grep -c '"event"' "$scratch/call.log") events)"
sleep 0.5; shot after-call

# SIGTERM closes the window as its close button does: the engine quits (unregistering),
# then the window goes, within a bounded wait.
stop=$(date +%s%N)
kill -TERM "$app_pid"
status=0
wait "$app_pid" || status=$?
app_pid=''
echo "ui-screenshots: closed in $(( ($(date +%s%N) - stop) / 1000000 )) ms, exit status $status"
grep -q "the engine stopped" "$scratch/app.log" \
  || { echo "ui-screenshots: the engine did not stop cleanly" >&2; status=1; }
echo "ui-screenshots: app log (tincan lines):"
grep tincan "$scratch/app.log" | sed 's/^/  /' | tail -n 20
exit "$status"
