#!/usr/bin/env bash
# Renders the app icon (assets/tincan.svg) to the PNG sizes desktops want: 48, 128, 256.
# The PNGs are committed; run this after changing the SVG. Needs rsvg-convert (librsvg2-bin).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
command -v rsvg-convert >/dev/null || { echo "icons: rsvg-convert is missing (librsvg2-bin)" >&2; exit 1; }
for size in 48 128 256; do
  rsvg-convert -w "$size" -h "$size" "$here/assets/tincan.svg" -o "$here/assets/tincan-$size.png"
  echo "icons: assets/tincan-$size.png"
done
