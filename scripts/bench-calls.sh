#!/usr/bin/env bash
# INVITE -> 200 OK latency of `tincan serve --auto-answer`, and of baresip in the same run.
#
# SIPp (UAC) places 200 calls at 20 calls/s, then 1000 at 100 calls/s, against each callee on
# 127.0.0.1; every call is INVITE, 200, ACK, BYE, 200. The time of a call is from SIPp sending
# the INVITE to SIPp receiving the 200, from SIPp's own per-message timestamps in microseconds
# (-trace_shortmsg; its response-time trace, -trace_rtt with start_rtd/rtd, counts whole
# milliseconds, too coarse here). The script prints p50, p99, the success rate (SIPp's
# successful calls, -trace_stat, over the calls asked for), and the callee's CPU time (utime +
# stime from /proc/PID/stat, before and after each run) per call. Targets (issue): p50 <= 0.5 ms,
# p99 <= 2 ms, 100% success at 100 calls/s, better than baresip.
#
# Usage: scripts/bench-calls.sh
#   TINCAN=path   the tincan binary (default: target/release/tincan of this checkout, built
#                 with `cargo build --release` if missing)
#   NO_BARESIP=1  skip baresip
#   KEEP=1        keep the work directory (configs, SIPp traces, logs)
# Needs: sipp (sip-tester), baresip (baresip-core), python3. Every process is bounded by
# `timeout` and stopped by its PID when the script ends.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tincan=${TINCAN:-$root/target/release/tincan}
if [[ ! -x $tincan ]]; then
    echo "building $tincan" >&2
    (cd "$root" && CARGO_TARGET_DIR="$root/target" cargo build --release --bin tincan)
fi
for tool in sipp python3 timeout; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
baresip=$(command -v baresip || true)
if [[ -n ${NO_BARESIP:-} ]]; then baresip=""; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tincan-bench.XXXXXX")
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    sleep 0.2
    for pid in "${pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    exec 3>&- || true
    if [[ -n ${KEEP:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port free on 127.0.0.1 for UDP and TCP (and, with an argument n, the n ports after it too).
free_port() {
    python3 - "${1:-0}" <<'EOF'
import socket, sys
extra = int(sys.argv[1])
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    try:
        held = []
        for p in range(port, port + extra + 1):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                if p == port and kind == socket.SOCK_DGRAM:
                    continue
                s = socket.socket(socket.AF_INET, kind)
                s.bind(("127.0.0.1", p))
                held.append(s)
        print(port)
        break
    except OSError:
        continue
EOF
}

# CPU time of a process so far, in clock ticks (utime + stime, fields 14 and 15).
cpu_ticks() {
    sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
hz=$(getconf CLK_TCK)

# The call: INVITE, 100/180/183 optional, 200, ACK, BYE, 200.
cat >"$work/bench.xml" <<'EOF'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="bench">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200"/>
  <send>
    <![CDATA[

      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[

      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
EOF

# Waits (at most 10 s) until something listens on UDP 127.0.0.1:$1.
wait_udp() {
    local i
    for i in $(seq 100); do
        if ! python3 -c "import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(('127.0.0.1', int(sys.argv[1])))" "$1" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1" >&2
    return 1
}

results="$work/results.txt"
: >"$results"

# run_sipp NAME CALLEE_PID PORT CALLS RATE: one SIPp run, one line of results.
run_sipp() {
    local name=$1 pid=$2 port=$3 calls=$4 rate=$5
    local dir="$work/sipp-$name-$rate"
    mkdir -p "$dir"
    local before after status=0
    before=$(cpu_ticks "$pid")
    (cd "$dir" && timeout 120 sipp -sf "$work/bench.xml" "127.0.0.1:$port" -s bench \
        -nostdin -m "$calls" -r "$rate" -l 1000 -timeout 90s -timeout_error \
        -i 127.0.0.1 -p "$(free_port)" -mp "$(free_port 2)" -ci 127.0.0.1 -cp "$(free_port)" \
        -trace_shortmsg -shortmessage_file short.tsv -trace_stat -stf stat.csv \
        -trace_err -error_file errors.log \
        >screen.log 2>&1) || status=$?
    after=$(cpu_ticks "$pid")
    python3 - "$dir" "$name" "$calls" "$rate" "$status" "$((after - before))" "$hz" >>"$results" <<'EOF'
import csv, glob, math, sys
d, name, calls, rate, status, ticks, hz = sys.argv[1:]
calls, ticks, hz = int(calls), int(ticks), int(hz)
# short.tsv: date, time, epoch seconds (us), S(ent)/R(eceived), Call-ID, CSeq, first line.
sent, answered = {}, {}
with open(f"{d}/short.tsv") as f:
    for line in f:
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 7 or cols[5] != "CSeq:1 INVITE":
            continue
        at, way, call, first = float(cols[2]), cols[3], cols[4], cols[6]
        if way == "S" and first.startswith("INVITE "):
            sent.setdefault(call, at)
        elif way == "R" and first.startswith("SIP/2.0 200"):
            answered.setdefault(call, at)
times = sorted(1000 * (answered[c] - sent[c]) for c in answered if c in sent)
ok = 0
for path in glob.glob(f"{d}/stat.csv"):
    with open(path) as f:
        rows = list(csv.reader(f, delimiter=";"))
    if len(rows) >= 2:
        ok = int(rows[-1][rows[0].index("SuccessfulCall(C)")])
def pct(p):
    if not times:
        return float("nan")
    # nearest rank
    return times[max(0, math.ceil(p / 100 * len(times)) - 1)]
cpu_ms = ticks * 1000 / hz
print(f"{name}\t{rate}\t{calls}\t{pct(50):.3f}\t{pct(99):.3f}\t{100 * ok / calls:.1f}\t"
      f"{cpu_ms / calls:.3f}\t{status}")
EOF
    if [[ $status != 0 ]]; then
        echo "SIPp against $name at $rate calls/s exited with $status:" >&2
        tail -n 20 "$dir/errors.log" >&2 2>/dev/null || true
    fi
}

bench_both_rates() {
    run_sipp "$1" "$2" "$3" 200 20
    run_sipp "$1" "$2" "$3" 1000 100
}

# --- Tincan -------------------------------------------------------------------------------
tport=$(free_port)
mkfifo "$work/tincan.in"
timeout 600 "$tincan" serve --config "$work/no-config.toml" --no-log-file \
    --listen "udp:127.0.0.1:$tport" --auto-answer --no-dht \
    <"$work/tincan.in" >"$work/tincan.events" 2>"$work/tincan.stderr" &
pids+=($!)
exec 3>"$work/tincan.in"
wait_udp "$tport"
tincan_pid=$(pgrep -P "${pids[-1]}" -x tincan || echo "${pids[-1]}")
pids+=("$tincan_pid")
bench_both_rates tincan "$tincan_pid" "$tport"
echo '{"cmd":"quit"}' >&3
exec 3>&-
for _ in $(seq 50); do kill -0 "$tincan_pid" 2>/dev/null || break; sleep 0.1; done

# --- baresip ------------------------------------------------------------------------------
if [[ -n $baresip ]]; then
    bport=$(free_port)
    rtp=$(free_port 200)
    conf="$work/baresip"
    mkdir -p "$conf"
    echo "<sip:bench@127.0.0.1:$bport>;regint=0;answermode=auto;audio_codecs=pcmu" >"$conf/accounts"
    cat >"$conf/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$bport
net_interface		127.0.0.1
dns_server		127.0.0.1:53
call_max_calls		1000
audio_source		ausine,440	# no sound card: a sine (48 kHz stereo only)
audio_player		aubridge,sink	# and a silent sink
audio_alert		aubridge,sink
ausrc_srate		48000
auplay_srate		48000
ausrc_channels		2
auplay_channels		2
rtp_ports		$rtp-$((rtp + 200))
rtp_timeout		0
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module			aubridge.so
module_tmp		account.so
module_app		menu.so
EOF
    timeout 600 "$baresip" -f "$conf" >"$work/baresip.log" 2>&1 &
    pids+=($!)
    wait_udp "$bport"
    baresip_pid=$(pgrep -P "${pids[-1]}" -x baresip || echo "${pids[-1]}")
    pids+=("$baresip_pid")
    bench_both_rates baresip "$baresip_pid" "$bport"
fi

# --- table --------------------------------------------------------------------------------
printf '%-8s %8s %6s %9s %9s %9s %14s %5s\n' callee "calls/s" calls "p50 ms" "p99 ms" "success" "CPU ms/call" sipp
while IFS=$'\t' read -r name rate calls p50 p99 ok cpu status; do
    printf '%-8s %8s %6s %9s %9s %8s%% %14s %5s\n' "$name" "$rate" "$calls" "$p50" "$p99" "$ok" "$cpu" "$status"
done <"$results"
