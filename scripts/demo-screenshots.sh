#!/usr/bin/env bash
# Rewrites the README's screenshots, docs/demo-live.png (an hls.js RobustMPC session, taken while it
# plays) and docs/demo-compare.png (RobustMPC vs hls.js's own ABR on the step profile), by running
# the demo e2e test in --docs mode (longer sessions; every check still applies). The PNGs are then
# reduced to a 256-colour palette with ffmpeg to keep the repository small.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-demo.sh --docs
for png in docs/demo-live.png docs/demo-compare.png; do
  ffmpeg -hide_banner -loglevel error -y -i "$png" -vf "split[a][b];[a]palettegen=max_colors=256[p];[b][p]paletteuse=dither=none" "$png.tmp.png"
  mv "$png.tmp.png" "$png"
  echo "demo-screenshots: $png $(stat -c %s "$png") bytes"
done
