#!/usr/bin/env bash
# Install the system packages Tincan needs, only when some are missing.
#
#   scripts/setup.sh build   # to build and run the app
#   scripts/setup.sh test    # to build it and run the whole test suite
#
# On Debian/Ubuntu it installs with apt-get (through sudo when not root). Elsewhere it prints the
# package names for dnf, pacman and zypper, and fails only if pkg-config cannot find ALSA and Opus.
set -euo pipefail

# Debian/Ubuntu package names.
BUILD_PKGS=(pkg-config libasound2-dev libopus-dev)

# What the test suite needs on top of the build. Extend this list (Debian names) when a test
# starts using a new tool, e.g. sip-tester baresip-core kamailio sox pulseaudio xvfb gnome-keyring.
TEST_PKGS=(
  "${BUILD_PKGS[@]}"
  sip-tester # SIPp, a third-party SIP peer for the interop tests
  kamailio kamailio-tls-modules # registrar and proxy with digest auth, over UDP, TCP and TLS
  baresip-core # a third-party softphone for the interop tests
  openssl # the TLS test makes its own CA
  coturn # a real STUN server (turnserver --stun-only) for the STUN client test
  tshark # the P2P test checks what goes over the wire (no SIP, no audio in clear)
  gnome-keyring dbus # a real Secret Service in a private D-Bus session for the keyring test
  xvfb xdotool # the real window, headless, driven by keys (single instance, end-to-end call)
  imagemagick # screenshots of every screen (ui-screenshots.sh), checked by the test run
  desktop-file-utils appstream # validators for the packaging files
  pulseaudio pulseaudio-utils libasound2-plugins # a paced sound server (null sinks) for the sound-card tests
)

# The same build dependencies on other distributions (printed, not installed).
FEDORA_PKGS="alsa-lib-devel opus-devel pkgconf"
ARCH_PKGS="alsa-lib opus pkgconf"
OPENSUSE_PKGS="alsa-devel libopus-devel pkg-config"

say() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

usage() { echo "usage: $0 build|test" >&2; exit 2; }

[[ $# -eq 1 ]] || usage
case "$1" in
  build) PKGS=("${BUILD_PKGS[@]}") ;;
  test) PKGS=("${TEST_PKGS[@]}") ;;
  *) usage ;;
esac

if ! command -v cargo >/dev/null 2>&1; then
  if [[ -x "${HOME:-/nonexistent}/.cargo/bin/cargo" ]]; then
    die "cargo is installed in ~/.cargo/bin but not on PATH: run 'source ~/.cargo/env' first"
  fi
  die "cargo not found: install Rust with rustup (https://rustup.rs), then run this again"
fi

# Build dependencies must be visible to pkg-config (the audio crates link against them).
check_pkg_config() {
  if ! command -v pkg-config >/dev/null 2>&1; then
    say "pkg-config is not installed"
    return 1
  fi
  if ! pkg-config --exists alsa opus; then
    say "pkg-config cannot find alsa and opus development files"
    return 1
  fi
}

if ! command -v apt-get >/dev/null 2>&1; then
  say "apt-get not found: install these packages with your package manager"
  say "  Fedora:   sudo dnf install $FEDORA_PKGS"
  say "  Arch:     sudo pacman -S --needed $ARCH_PKGS"
  say "  openSUSE: sudo zypper install $OPENSUSE_PKGS"
  if [[ "$1" == test ]]; then
    say "  the test suite also uses (Debian names): ${TEST_PKGS[*]}"
  fi
  check_pkg_config || exit 1
  say "alsa and opus found by pkg-config; ok"
  exit 0
fi

missing=()
for pkg in "${PKGS[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != *" ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  say "${#PKGS[@]} $1 packages already installed"
else
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    die "missing ${missing[*]}; run as root or install sudo"
  fi
  apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
  say "installing ${missing[*]}"
  log=$(mktemp "${TMPDIR:-/tmp}/tincan-setup.XXXXXX")
  if ! { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "apt-get failed (full log: $log)"
  fi
  rm -f "$log"
  say "installed ${#missing[@]} package(s)"
fi

check_pkg_config || die "packages are installed but pkg-config still cannot find alsa and opus"
