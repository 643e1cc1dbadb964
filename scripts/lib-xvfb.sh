# Sourced by the scripts that run the real window headless (ui-screenshots.sh, bench-ui.sh).
#
#   start_xvfb SECONDS SCRATCH  starts Xvfb on a free display for at most SECONDS, logging to
#                               SCRATCH/xvfb.log; sets `display` and `xvfb_pid` (stop it by PID)
#   isolate_window_env SCRATCH  points DISPLAY, HOME, the XDG directories and D-Bus into SCRATCH,
#                               so nothing touches the user's own settings, keyring or logs

start_xvfb() {
  # Xvfb picks a free display itself and writes its number (-displayfd): two scripts started
  # at once cannot take the same one (choosing by lock files raced, and the loser's window
  # then opened on the winner's server, which went away with it).
  local number="$2/xvfb.display"
  : >"$number"
  timeout "$1" Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$number" \
    >"$2/xvfb.log" 2>&1 &
  xvfb_pid=$!
  display=""
  for _ in $(seq 300); do
    display=$(tr -dc '0-9' <"$number")
    [[ -n $display ]] && break
    sleep 0.1
  done
  # Wait until the server answers (on a loaded machine that can take seconds); without it
  # the window cannot open, so say so here rather than leave the app to fail.
  for _ in $(seq 300); do
    [[ -n $display ]] && DISPLAY=":$display" xdotool getdisplaygeometry >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Xvfb did not answer within 30 s (display '${display}'); its log:" >&2
  cat "$2/xvfb.log" >&2
  return 1
}

isolate_window_env() {
  export DISPLAY=":$display" ICED_BACKEND=tiny-skia LANG=C.UTF-8 LANGUAGE=
  export HOME="$1/home" XDG_CONFIG_HOME="$1/config" XDG_DATA_HOME="$1/data"
  export XDG_RUNTIME_DIR="$1/run"
  export DBUS_SESSION_BUS_ADDRESS="unix:path=$1/no-bus"
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
}
