#!/usr/bin/env bash
# Runs the real window under Xvfb (tiny-skia renderer) with a throw-away settings file and
# takes screenshots: home, dialpad, contacts (vCard import, search), accounts, settings, the
# keyboard help, an incoming call from a contact, the call, and the history.
#
#   scripts/ui-screenshots.sh [OUT_DIR]      # default: target/ui-screenshots
#   THEME=dark scripts/ui-screenshots.sh DIR  # the dark theme (default: light)
#
# Needs: Xvfb, ImageMagick's `import`, xdotool (Debian: xvfb imagemagick xdotool), and a built
# binary (TINCAN=path, default target/debug/tincan under CARGO_TARGET_DIR or ./target).
# Everything is bounded by `timeout` and stopped by PID; nothing touches the user's own
# settings, keyring or logs (HOME and the XDG directories point into a scratch directory).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/target/ui-screenshots}
theme=${THEME:-light}
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

# shellcheck source=lib-xvfb.sh
. "$here/scripts/lib-xvfb.sh"

# The window listens on a random loopback port. Two accounts nobody answers for: one
# registers over TCP to a closed loopback port (and fails at once), one only calls.
port=$((20000 + RANDOM % 20000))
cat > "$scratch/config.toml" <<EOF
[general]
listen = ["udp:127.0.0.1:$port"]
mdns = false # nothing leaves 127.0.0.1
dht = false
default_account = "work"

[ui]
theme = "$theme"

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

# Contacts to import on the contacts screen; the command-line caller below is one of them.
cat > "$scratch/contacts.vcf" <<'EOF'
BEGIN:VCARD
VERSION:4.0
FN:Bob Builder
TEL;VALUE=uri:tel:+4930123456
IMPP:sip:bob@127.0.0.1
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Command Line
IMPP:sip:tincan@0.0.0.0
X-TINCAN-FAVOURITE:1
END:VCARD
EOF

start_xvfb 120 "$scratch"
isolate_window_env "$scratch"
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
  import -display ":$display" -window root -crop 620x720+0+0 "$out/$1.png"
  echo "ui-screenshots: $out/$1.png"
}
# The navigation bar's buttons, left to right (x positions at 620 px wide).
click() { xdotool mousemove --window "$window" "$1" 24 click 1; sleep 0.7; }

# Click at x,y inside the window, and type into what has the focus. (The positions below are
# those at 620 px wide with the keyring notice shown: no D-Bus session here.)
click_at() { xdotool mousemove --window "$window" "$1" "$2" click 1; sleep 0.5; }
type_text() { xdotool windowfocus --sync "$window" type --delay 30 "$1"; sleep 0.5; }

shot home
click 115; shot dialpad
# Opening the dialpad focuses its field; give the window the keyboard (there is no window
# manager) and type.
type_text "sip:bob@127.0.0.1"
shot dialpad-typed
click 200; shot contacts-empty
click_at 300 300; type_text "$scratch/contacts.vcf"
click_at 72 343; shot contacts
click_at 300 180; type_text "bo"; shot contacts-search
click 369; shot accounts
click 458; shot settings
xdotool windowfocus --sync "$window" key F1; sleep 0.5; shot help
xdotool windowfocus --sync "$window" key Escape; sleep 0.3

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
sleep 1.5; shot after-call
# If the call is still shown (the caller's BYE did not arrive), Escape hangs up here; then the
# history lists the call with the caller's contact name.
xdotool windowfocus --sync "$window" key Escape; sleep 1
click 284; shot history

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
