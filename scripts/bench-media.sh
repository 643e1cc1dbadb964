#!/usr/bin/env bash
# Media benchmarks on 127.0.0.1: mouth-to-ear latency, CPU per call and memory, for Tincan and
# for baresip in the same run. Prints figures; it is not a test (nothing passes or fails).
#
# 1. Latency, at 20 ms and at 10 ms packet time (Opus): a click train (a 10 ms 1 kHz burst
#    every 400 ms) is A's and B's virtual microphone (at LATENCY_RATE, default 48000 Hz, as
#    baresip's); each records what it plays. Each side reads the network at its playout
#    tick, which follows the far end's arrivals so that packets land 1.5-3.5 ms before it
#    (see `ArrivalPhase`); its capture tick, which sends, stays put. Both `tincan serve`
#    processes log when each tick starts ("media clock anchor (microphone|speaker):
#    unix_us=... sample=...", again after a pause, a stall or a move), which maps every
#    sample of A's microphone and of B's recording to wall-clock time. A frame handed to the engine at a tick counts as spoken
#    during the packet time before it (as a sound card's capture buffer would be), a played
#    frame as heard from its tick on. Latency = heard - spoken, per click; median and p95.
#    baresip <-> baresip: baresip records no timestamps, so it is measured through an echo:
#    Tincan calls a baresip whose player feeds its own source (aubridge, same device name);
#    Tincan hears its clicks come back. The round trip minus Tincan's share estimates
#    baresip's one-way latency (its receive and send paths plus the bridge's buffer).
#    Tincan's share is its one-way latency (the first measurement) less what the packets
#    waited there for B's reading tick and in B's jitter buffer, plus what they waited for
#    A's in the echo call (both logged when a call ends: "packets waited N µs on average
#    to be read, then M µs in the jitter buffer"). baresip runs with jitter_buffer_delay 1-10 and audio_buffer 20-160
#    (as in tests/peers/baresip), kinder to it than its defaults.
# 2. CPU per call: A and B in an Opus call (48 kHz RTP clock, both directions, tones both
#    ways) for SECONDS seconds (default 60); the scheduler's CPU time of every thread
#    (/proc/PID/task/*/schedstat) over the call, in % of one core, per process. Tincan runs
#    twice: with 8 kHz virtual devices (Opus then encodes wideband, 16 kHz) and with 48 kHz
#    ones (full band, as with a sound card). Then the same for two baresips (Opus 48 kHz
#    stereo, ausine sources).
# 3. Memory: PSS (/proc/PID/smaps_rollup) of the caller with 1 and with 10 simultaneous calls,
#    Tincan and baresip.
# 4. The sound-card path: a PulseAudio daemon of our own (tests/peers/pulse/null.pa: null
#    sinks, a 1 kHz sine as the microphone), Tincan A on the sound card (cpal through ALSA's
#    pulse plugin, 48 kHz, 10 ms device periods) calling Tincan B on a 48 kHz virtual device;
#    A's CPU with echo cancellation, noise suppression and gain control on, then off. The
#    daemon's own CPU is not counted. Skipped without pulseaudio.
#
# Usage: scripts/bench-media.sh        (SECONDS=10 scripts/bench-media.sh for a shorter run)
#   TINCAN=path   the tincan binary (default: target/release/tincan, built if missing)
#   NO_BARESIP=1  skip baresip;  KEEP=1  keep the work directory (recordings, logs)
#   ONLY=cpu      skip the latency part (1): CPU and memory only
#   ONLY=latency  the latency part (1) only;  LATENCY_RATE=8000  its virtual devices at 8 kHz
# Needs: python3, baresip (baresip-core). Every process is bounded by `timeout` and stopped
# by its PID.
set -euo pipefail
# Read before anything else: bash counts SECONDS up from the value it was given.
call_seconds=$SECONDS
((call_seconds > 0)) || call_seconds=60

root=$(cd "$(dirname "$0")/.." && pwd)
tincan=${TINCAN:-$root/target/release/tincan}
if [[ ! -x $tincan ]]; then
    echo "building $tincan" >&2
    (cd "$root" && CARGO_TARGET_DIR="$root/target" cargo build --release --bin tincan)
fi
command -v python3 >/dev/null || { echo "missing: python3" >&2; exit 2; }
baresip=$(command -v baresip || true)
if [[ -n ${NO_BARESIP:-} ]]; then baresip=""; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tincan-media-bench.XXXXXX")
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.2
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    if [[ -n ${KEEP:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free UDP port on 127.0.0.1 (with an argument n, the n ports after it are free too).
free_port() {
    python3 - "${1:-0}" <<'EOF'
import socket, sys
extra = int(sys.argv[1])
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    if port % 2 or port + extra > 65000:
        continue
    try:
        held = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(extra)]
        for i, s in enumerate(held):
            s.bind(("127.0.0.1", port + 1 + i))
        print(port)
        break
    except OSError:
        continue
EOF
}

# CPU time (ns) of every thread of a process so far: the scheduler's own count
# (/proc/PID/task/*/schedstat), exact where utime+stime are sampled at the timer tick.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'; }
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }

# The process timeout started as $1 (timeout forks the real one).
child_of() { pgrep -P "$1" | head -n1 || echo "$1"; }

# start_tincan NAME ARGS...: `tincan serve` with a FIFO as stdin (fd named NAME_fd), events
# in $work/NAME.events, log in $work/NAME.stderr; sets NAME_pid.
start_tincan() {
    local name=$1
    shift
    mkfifo "$work/$name.in"
    timeout 900 "$tincan" serve --config "$work/none.toml" --no-log-file --no-dht \
        --log-level info "$@" <"$work/$name.in" >"$work/$name.events" 2>"$work/$name.stderr" &
    pids+=($!)
    local fd
    exec {fd}>"$work/$name.in"
    printf -v "${name}_fd" '%s' "$fd"
    printf -v "${name}_pid" '%s' "$(sleep 0.2; child_of "${pids[-1]}")"
    pids+=("$(eval echo "\$${name}_pid")")
    wait_event "$name" '"event":"started"' 10
}

send() { local fd="${1}_fd"; echo "$2" >&"${!fd}"; }

# wait_event NAME PATTERN SECONDS: until NAME printed an event line matching PATTERN.
wait_event() {
    local i
    for i in $(seq $(($3 * 20))); do
        grep -q -- "$2" "$work/$1.events" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "$1: no $2 within $3 s; events:" >&2
    tail -n 5 "$work/$1.events" >&2
    return 1
}

# stop_tincan NAME: quit, close its stdin, wait for it to exit (its recording is written).
stop_tincan() {
    local fd="${1}_fd" pid="${1}_pid"
    send "$1" '{"cmd":"quit"}'
    eval "exec ${!fd}>&-"
    local i
    for i in $(seq 100); do kill -0 "${!pid}" 2>/dev/null || return 0; sleep 0.1; done
}

# The click train (8 kHz, 2 s, a click every 400 ms from 200 ms on) and a 1 kHz tone.
python3 - "$work" <<'EOF'
import math, struct, sys, wave
def write(path, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
clicks = [0] * 16000
for start in range(1600, 16000, 3200):
    for i in range(80):
        clicks[start + i] = int(20000 * math.sin(2 * math.pi * 1000 * i / 8000))
write(f"{sys.argv[1]}/clicks.wav", clicks)
write(f"{sys.argv[1]}/tone.wav", [int(8000 * math.sin(2 * math.pi * 1000 * i / 8000)) for i in range(8000)])
with wave.open(f"{sys.argv[1]}/tone48.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000)
    tone = [int(8000 * math.sin(2 * math.pi * 1000 * i / 48000)) for i in range(48000)]
    w.writeframes(struct.pack(f"<{len(tone)}h", *tone))
EOF
: >"$work/none.toml"

latency_secs=${LATENCY_SECONDS:-12}
latency_rate=${LATENCY_RATE:-48000}
results="$work/results.txt"
: >"$results"

# analyse LABEL MIC_LOG PLAYER_LOG RECORDING PTIME_MS [SUBTRACT_MEDIAN]
analyse() {
    python3 - "$@" "$work/clicks.wav" >>"$results" <<'EOF'
import re, statistics, sys, wave, struct
label, mic_log, player_log, recording, ptime, subtract, clicks_path = sys.argv[1:8]
ptime = int(ptime) / 1000
def anchors(path, device):
    out = []
    for line in open(path, errors="replace"):
        m = re.search(r"media clock anchor \((\w+)\): unix_us=(\d+) sample=(\d+) rate=(\d+)", line)
        if m and m.group(1) == device:
            out.append((int(m.group(3)), int(m.group(2)) / 1e6, int(m.group(4))))
    return out
def to_time(anchor_list, index):
    base = [a for a in anchor_list if a[0] <= index]
    if not base:
        return None
    sample, t, rate = base[-1]
    return t + (index - sample) / rate
def read(path):
    with wave.open(path) as w:
        data = w.readframes(w.getnframes())
        rate = w.getframerate()
    return struct.unpack(f"<{len(data) // 2}h", data), rate
mic, player = anchors(mic_log, "microphone"), anchors(player_log, "speaker")
clicks, clicks_rate = read(clicks_path)
# The virtual microphone runs at the device's rate: the clicks' positions scale with it.
scale = (mic[0][2] if mic else clicks_rate) / clicks_rate
period = round(len(clicks) * scale)
starts = [round(i * scale) for i in range(1, len(clicks)) if clicks[i] != 0 and clicks[i - 1] == 0 and all(c == 0 for c in clicks[max(0, i - 80):i])]
rec, rec_rate = read(recording)
onsets, quiet = [], 0
for i, s in enumerate(rec):
    if abs(s) > 8000 and quiet >= rec_rate // 20:
        onsets.append(i)
    quiet = 0 if abs(s) > 8000 else quiet + 1
last_mic = round((max(player[-1][0] if player else 0, 0) + len(rec)) * scale * clicks_rate / rec_rate)
spoken = []
for loop in range(0, last_mic // period + 2):
    for c in starts:
        t = to_time(mic, loop * period + c)
        if t is not None:
            spoken.append(t - ptime)
lat = []
for o in onsets:
    heard = to_time(player, o)
    if heard is None:
        continue
    before = [s for s in spoken if s <= heard]
    if before and heard - before[-1] < 0.4:
        lat.append(1000 * (heard - before[-1]))
lat.sort()
if not lat:
    print(f"{label}\tnan\tnan\t0")
    sys.exit()
median = statistics.median(lat)
p95 = lat[max(0, int(round(0.95 * len(lat))) - 1)]
sub = float(subtract) if subtract != "-" else 0.0
print(f"{label}\t{median - sub:.1f}\t{p95 - sub:.1f}\t{len(lat)}")
EOF
}

# mean_wait LOG: the µs a call's packets waited on average for the reading tick and then in
# the jitter buffer, as the engine logs when the call ends (0 when it did not).
mean_wait() {
    grep -o 'packets waited [0-9]* µs on average to be read, then [0-9]* µs' "$1" | tail -n1 |
        grep -o '[0-9]*' | awk '{s += $1} END {print s + 0}'
}

# --- 1. latency ---------------------------------------------------------------------------
ptimes="20 10"
if [[ ${ONLY:-} == cpu ]]; then ptimes=""; fi
for ptime in $ptimes; do
    start_tincan A --listen "udp:127.0.0.1:$(free_port)" --rtp-port "$(free_port 99)" \
        --audio-in "$work/clicks.wav" --audio-out "$work/a-$ptime.wav" --ptime "$ptime" \
        --audio-rate "$latency_rate"
    bport=$(free_port)
    start_tincan B --listen "udp:127.0.0.1:$bport" --rtp-port "$(free_port 99)" --auto-answer \
        --audio-in "$work/clicks.wav" --audio-out "$work/b-$ptime.wav" --ptime "$ptime" \
        --audio-rate "$latency_rate"
    send A "{\"cmd\":\"dial\",\"call\":1,\"target\":\"sip:b@127.0.0.1:$bport\"}"
    wait_event A '"event":"answered"' 10
    sleep "$latency_secs"
    send A '{"cmd":"hangup","call":1}'
    wait_event B '"event":"ended"' 10
    stop_tincan A
    stop_tincan B
    mv "$work/A.stderr" "$work/A-$ptime.stderr"
    mv "$work/B.stderr" "$work/B-$ptime.stderr"
    rm -f "$work"/A.* "$work"/B.*
    analyse "tincan caller->callee one-way, ptime $ptime" "$work/A-$ptime.stderr" \
        "$work/B-$ptime.stderr" "$work/b-$ptime.wav" "$ptime" -
    analyse "tincan callee->caller one-way, ptime $ptime" "$work/B-$ptime.stderr" \
        "$work/A-$ptime.stderr" "$work/a-$ptime.wav" "$ptime" -

    if [[ -n $baresip ]]; then
        conf="$work/baresip-echo-$ptime"
        mkdir -p "$conf"
        bport=$(free_port)
        rtp=$(free_port 20)
        echo "<sip:bob@127.0.0.1:$bport>;regint=0;answermode=auto;audio_codecs=opus/48000/2;ptime=$ptime" >"$conf/accounts"
        cat >"$conf/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$bport
net_interface		127.0.0.1
dns_server		127.0.0.1:53
audio_source		aubridge,echo
audio_player		aubridge,echo
audio_alert		aubridge,alert
ausrc_srate		48000
auplay_srate		48000
ausrc_channels		1
auplay_channels		1
audio_buffer		20-160
rtp_ports		$rtp-$((rtp + 20))
rtcp_mux		no
jitter_buffer_delay	1-10
rtp_timeout		0
module_path		/usr/lib/baresip/modules
module			opus.so
module			aubridge.so
module_tmp		account.so
module_app		menu.so
EOF
        timeout 120 "$baresip" -f "$conf" -t $((latency_secs + 30)) >"$conf/log" 2>&1 &
        pids+=($!)
        sleep 1
        start_tincan A --listen "udp:127.0.0.1:$(free_port)" --rtp-port "$(free_port 99)" \
            --audio-in "$work/clicks.wav" --audio-out "$work/echo-$ptime.wav" --ptime "$ptime" \
            --audio-rate "$latency_rate"
        send A "{\"cmd\":\"dial\",\"call\":1,\"target\":\"sip:bob@127.0.0.1:$bport\"}"
        wait_event A '"event":"answered"' 10
        sleep "$latency_secs"
        send A '{"cmd":"hangup","call":1}'
        wait_event A '"event":"ended"' 10
        stop_tincan A
        mv "$work/A.stderr" "$work/echo-$ptime.stderr"
        rm -f "$work"/A.*
        one_way=$(awk -F'\t' -v p="ptime $ptime" '$1 ~ p {print $2}' "$results" | head -n1)
        # Tincan's share of the round trip: its own one-way latency without the waits (for
        # the reading tick, in the jitter buffer) that B logged, plus those A logged in the
        # echo call.
        tincan_share=$(awk -v l="$one_way" -v b="$(mean_wait "$work/B-$ptime.stderr")" \
            -v e="$(mean_wait "$work/echo-$ptime.stderr")" 'BEGIN {print l - b / 1000 + e / 1000}')
        analyse "tincan->baresip echo->tincan round trip, ptime $ptime" "$work/echo-$ptime.stderr" \
            "$work/echo-$ptime.stderr" "$work/echo-$ptime.wav" "$ptime" -
        analyse "baresip one-way (round trip - tincan's share), ptime $ptime" \
            "$work/echo-$ptime.stderr" "$work/echo-$ptime.stderr" "$work/echo-$ptime.wav" \
            "$ptime" "$tincan_share"
    fi
done

latency_table() {
    echo "Mouth-to-ear latency on 127.0.0.1 (Opus; Tincan's virtual devices at $latency_rate Hz; clicks detected; ms)"
    printf '  %-62s %8s %8s %7s\n' measurement median p95 clicks
    while IFS=$'\t' read -r name med p95 n; do
        printf '  %-62s %8s %8s %7s\n' "$name" "$med" "$p95" "$n"
    done <"$results"
}
if [[ ${ONLY:-} == latency ]]; then
    latency_table
    exit 0
fi

# measure_call A_LABEL B_LABEL: the CPU of A and B through the call for call_seconds, then
# A hangs up.
measure_call() {
    local a0 b0
    a0=$(cpu_ns "$A_pid")
    b0=$(cpu_ns "$B_pid")
    sleep "$call_seconds"
    cpu_line "$1" "$A_pid" "$a0"
    cpu_line "$2" "$B_pid" "$b0"
    send A '{"cmd":"hangup","call":1}'
    wait_event B '"event":"ended"' 10
}

# --- 2. CPU per call ----------------------------------------------------------------------
cpu_line() { # NAME PID NS_BEFORE
    local after
    after=$(cpu_ns "$2")
    awk -v n="$1" -v t=$((after - $3)) -v s="$call_seconds" \
        'BEGIN { printf "%s\t%.2f\n", n, 100 * t / 1e9 / s }' >>"$work/cpu.txt"
}
: >"$work/cpu.txt"
# cpu_call LABEL WAV [ARGS...]: A calls B, both with WAV as microphone and ARGS; the CPU of
# each over the call. The call ends; A and B stay up.
cpu_call() {
    local label=$1 wav=$2
    shift 2
    start_tincan A --listen "udp:127.0.0.1:$(free_port)" --rtp-port "$(free_port 99)" \
        --audio-in "$wav" "$@"
    bport=$(free_port)
    start_tincan B --listen "udp:127.0.0.1:$bport" --rtp-port "$(free_port 99)" --auto-answer \
        --audio-in "$wav" "$@"
    send A "{\"cmd\":\"dial\",\"call\":1,\"target\":\"sip:b@127.0.0.1:$bport\"}"
    wait_event A '"event":"answered".*"codec":"opus"' 10
    measure_call "tincan caller ($label)" "tincan callee ($label)"
}
cpu_call "Opus, 48 kHz device" "$work/tone48.wav" --audio-rate 48000
stop_tincan A
stop_tincan B
rm -f "$work"/A.* "$work"/B.*
# The 8 kHz pair goes on to the memory part.
cpu_call "Opus, 8 kHz device" "$work/tone.wav"
# --- 3. memory (Tincan) -------------------------------------------------------------------
: >"$work/pss.txt"
send A "{\"cmd\":\"dial\",\"call\":2,\"target\":\"sip:b@127.0.0.1:$bport\"}"
wait_event A '"event":"answered","call":2' 10
sleep 3
echo -e "tincan caller, 1 call\t$(pss_kb "$A_pid")" >>"$work/pss.txt"
for c in $(seq 3 11); do
    send A "{\"cmd\":\"dial\",\"call\":$c,\"target\":\"sip:b@127.0.0.1:$bport\"}"
done
wait_event A '"event":"answered","call":11' 10
sleep 3
echo -e "tincan caller, 10 calls\t$(pss_kb "$A_pid")" >>"$work/pss.txt"
echo -e "tincan callee, 10 calls\t$(pss_kb "$B_pid")" >>"$work/pss.txt"
stop_tincan A
stop_tincan B

if [[ -n $baresip ]]; then
    # baresip config: $1 dir, $2 SIP port, $3 account line, $4 source Hz
    baresip_conf() {
        mkdir -p "$1"
        local rtp
        rtp=$(free_port 60)
        echo "$3" >"$1/accounts"
        cat >"$1/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$2
net_interface		127.0.0.1
dns_server		127.0.0.1:53
call_max_calls		16
audio_source		ausine,$4
audio_player		aubridge,sink
audio_alert		aubridge,sink
ausrc_srate		48000
auplay_srate		48000
ausrc_channels		2
auplay_channels		2
audio_buffer		20-160
rtp_ports		$rtp-$((rtp + 60))
jitter_buffer_delay	1-10
rtp_timeout		0
module_path		/usr/lib/baresip/modules
module			opus.so
module			ausine.so
module			aubridge.so
module			cons.so
module_tmp		account.so
module_app		menu.so
cons_listen		127.0.0.1:$5
statmode_default	off
EOF
    }
    bport=$(free_port)
    aport=$(free_port)
    acons=$(free_port)
    baresip_conf "$work/bs-b" "$bport" "<sip:bob@127.0.0.1:$bport>;regint=0;answermode=auto;audio_codecs=opus/48000/2" 440 "$(free_port)"
    baresip_conf "$work/bs-a" "$aport" "<sip:alice@127.0.0.1:$aport>;regint=0;audio_codecs=opus/48000/2" 1000 "$acons"
    life=$((call_seconds + 40))
    timeout $((life + 10)) "$baresip" -f "$work/bs-b" -t "$life" >"$work/bs-b/log" 2>&1 &
    pids+=($!)
    bs_b=$(sleep 0.3; child_of "${pids[-1]}")
    pids+=("$bs_b")
    timeout $((life + 10)) "$baresip" -v -f "$work/bs-a" -t "$life" >"$work/bs-a/log" 2>&1 &
    pids+=($!)
    bs_a=$(sleep 0.3; child_of "${pids[-1]}")
    pids+=("$bs_a")
    sleep 1
    cons() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto((sys.argv[2] + "\n").encode(),("127.0.0.1",int(sys.argv[1])))' "$acons" "$1"; }
    cons "/dial sip:bob@127.0.0.1:$bport"
    for _ in $(seq 50); do grep -q "Call established" "$work/bs-a/log" && break; sleep 0.1; done
    grep -q "Call established" "$work/bs-a/log" || echo "baresip: the call did not start" >&2
    sleep 1
    a0=$(cpu_ns "$bs_a")
    b0=$(cpu_ns "$bs_b")
    sleep "$call_seconds"
    cpu_line "baresip caller (Opus, 48 kHz stereo)" "$bs_a" "$a0"
    cpu_line "baresip callee (Opus, 48 kHz stereo)" "$bs_b" "$b0"
    echo -e "baresip caller, 1 call\t$(pss_kb "$bs_a")" >>"$work/pss.txt"
    for _ in $(seq 9); do cons "/dial sip:bob@127.0.0.1:$bport"; sleep 0.3; done
    sleep 3
    calls=$(grep -c "Call established" "$work/bs-a/log" || true)
    echo -e "baresip caller, $calls calls\t$(pss_kb "$bs_a")" >>"$work/pss.txt"
    echo -e "baresip callee, $calls calls\t$(pss_kb "$bs_b")" >>"$work/pss.txt"
    kill -TERM "$bs_a" "$bs_b" 2>/dev/null || true
fi

# --- 4. the sound-card path ----------------------------------------------------------------
if command -v pulseaudio >/dev/null && command -v pactl >/dev/null; then
    run="$work/pulse"
    mkdir -p "$run"
    sed "s|@RUNDIR@|$run|g" "$root/tests/peers/pulse/null.pa" >"$run/null.pa"
    XDG_RUNTIME_DIR=$run HOME=$run timeout $((4 * call_seconds + 120)) pulseaudio -n \
        -F "$run/null.pa" --daemonize=no --exit-idle-time=-1 --use-pid-file=no \
        --disable-shm=yes --log-target=file:"$run/log" &
    pids+=($!)
    export PULSE_SERVER="unix:$run/native"
    for _ in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
    for processing in on off; do
        rm -f "$work"/A.* "$work"/B.*
        card_opts=()
        if [[ $processing == off ]]; then card_opts=(--no-aec --no-ns --no-agc); fi
        start_tincan A --listen "udp:127.0.0.1:$(free_port)" --rtp-port "$(free_port 99)" \
            "${card_opts[@]}"
        bport=$(free_port)
        start_tincan B --listen "udp:127.0.0.1:$bport" --rtp-port "$(free_port 99)" \
            --auto-answer --audio-in "$work/tone48.wav" --audio-rate 48000
        send A "{\"cmd\":\"dial\",\"call\":1,\"target\":\"sip:b@127.0.0.1:$bport\"}"
        wait_event A '"event":"answered".*"codec":"opus"' 10
        # Only a call that really has the sound card counts.
        if ! wait_event A '"event":"audio_device","state":"opened","direction":"input"' 10 ||
            ! wait_event A '"event":"audio_device","state":"opened","direction":"output"' 10; then
            echo "the sound card did not open: not measured" >&2
            stop_tincan A
            stop_tincan B
            continue
        fi
        sleep 2
        measure_call "tincan on the sound card, AEC/NS/AGC $processing" \
            "  its peer (48 kHz virtual device)"
        stop_tincan A
        stop_tincan B
    done
    unset PULSE_SERVER
else
    echo "no pulseaudio: the sound-card path is not measured" >&2
fi

# --- tables -------------------------------------------------------------------------------
latency_table
echo "CPU per call, Opus both ways, ${call_seconds} s (% of one core)"
while IFS=$'\t' read -r name pct; do printf '  %-48s %6s%%\n' "$name" "$pct"; done <"$work/cpu.txt"
echo "Memory (PSS)"
while IFS=$'\t' read -r name kb; do printf '  %-40s %8s kB\n' "$name" "$kb"; done <"$work/pss.txt"
