#!/usr/bin/env bash
# Generates a test stream for the real-browser runs (src/node/media; the same as `abrkit media`):
# by default the first stream (Pensieve's ladder 300-4300 kbit/s, 6 rungs, 4 s segments, H.264, audio
# muxed) in .cache/media; `--stream uhd` the second (8 rungs to 16 Mbit/s, 2 s segments, H.264 + VP9,
# separate audio, AES-128 HLS copy) in .cache/media-uhd. Idempotent. Installs ffmpeg if missing.
#
# usage: scripts/setup-media.sh [--stream default|uhd] [--duration S] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v ffmpeg >/dev/null || bash scripts/ensure-system-deps.sh ffmpeg
[ -d node_modules ] || npm install --no-audit --no-fund
exec npx --no-install tsx src/node/cli/main.ts media "$@"
