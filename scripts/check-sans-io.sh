#!/usr/bin/env bash
# Fail if the pure (sans-IO) protocol modules use async, sockets, the clock, sleeping, threads or an
# unseeded RNG. Time and randomness must come in as arguments (STYLE.md, habit 1).
#
#   scripts/check-sans-io.sh                       # checks this repository
#   SANS_IO_ROOT=/some/tree scripts/check-sans-io.sh
#
# Comment lines (//, //!, ///) and trailing // comments are ignored.
set -euo pipefail

ROOT=${SANS_IO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# Pure paths that must exist (a missing one means this list is out of date).
PURE_PATHS=(
  src/sip.rs
  src/sip
)
# Pure paths checked only when they exist (globs, relative to ROOT).
PURE_PATHS_IF_PRESENT=(
  'src/media.rs'
  'src/media/rtp*'
  'src/media/g711*'
  'src/media/session*'
  'src/media/tone*'
  'src/media/jitter*'
  'src/media/dtmf*'
  'src/media/rtcp*'
  'src/media/opus*'
  'src/media/g722*'
  'src/p2p/record*'
  'src/store/vcard*'
  'src/store/address*'
  'src/audio/resample*'
  'src/audio/processing*'
  'src/audio/drift*'
  'src/p2p/nearby*'
  'src/p2p/stun*'
  'src/p2p/certificate*'
  'src/media/srtp*'
)

# Forbidden uses, one extended regex each.
FORBIDDEN=(
  '\btokio'
  '\.await\b'
  '\basync[[:space:]]+fn\b'
  '\b(UdpSocket|TcpStream|TcpListener)\b'
  '\bInstant::now\b'
  '\bSystemTime::now\b'
  '\bthread::sleep\b'
  '\bthread::spawn\b'
  '\bthread_rng\b'
  '\brand::random\b'
  '\brand::rng\b'
  '\bOsRng\b'
  '\bfrom_entropy\b'
  '\bgetrandom\b'
)

cd "$ROOT"

paths=()
for p in "${PURE_PATHS[@]}"; do
  if [[ ! -e "$p" ]]; then
    echo "sans-io: $p not found under $ROOT (update PURE_PATHS in $0)" >&2
    exit 1
  fi
  paths+=("$p")
done
shopt -s nullglob
for pattern in "${PURE_PATHS_IF_PRESENT[@]}"; do
  # shellcheck disable=SC2206 # the glob expansion is the point
  matches=($pattern)
  paths+=("${matches[@]}")
done
shopt -u nullglob

files=()
while IFS= read -r f; do
  files+=("$f")
done < <(find "${paths[@]}" -type f -name '*.rs' | sort -u)

regex=$(IFS='|'; echo "${FORBIDDEN[*]}")

violations=0
for f in "${files[@]}"; do
  # Blank out comments first (keeping line numbers): whole-line and trailing // comments.
  hits=$(sed -E 's#(^|[[:space:]])//.*$#\1#' "$f" | grep -nE "$regex" || true)
  if [[ -n "$hits" ]]; then
    while IFS= read -r hit; do
      line=${hit%%:*}
      echo "$f:$line: $(sed -n "${line}p" "$f" | sed -E 's/^[[:space:]]+//')"
      violations=$((violations + 1))
    done <<<"$hits"
  fi
done

if [[ $violations -gt 0 ]]; then
  echo "sans-io: $violations line(s) with forbidden uses in pure protocol code (no tokio, sockets, clock, sleep, threads or unseeded RNG)" >&2
  exit 1
fi
echo "sans-io: ok (${#files[@]} files)"
