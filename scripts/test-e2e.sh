#!/usr/bin/env bash
# Real-browser playback tests: hls.js and shaka-player with abrkit's adapters in headless Chromium,
# over the shaped loopback server. Makes the test streams first if they are missing (ffmpeg): the
# first stream, and a 12 s clip of the second (two codecs, AES-128 copy).
# Assumes /usr/bin/chromium and ffmpeg are installed (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromium ] || { echo "test-e2e: /usr/bin/chromium not found" >&2; exit 1; }
bash scripts/setup-media.sh
bash scripts/setup-media.sh --stream uhd --duration 12
exec npx vitest run --config test/e2e/vitest.config.ts "$@"
