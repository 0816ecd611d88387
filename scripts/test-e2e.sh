#!/usr/bin/env bash
# Real-browser playback tests: hls.js and shaka-player with abrkit's adapters in headless Chromium,
# over the shaped loopback server. Makes the test stream first if it is missing (ffmpeg).
# Assumes /usr/bin/chromium and ffmpeg are installed (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromium ] || { echo "test-e2e: /usr/bin/chromium not found" >&2; exit 1; }
bash scripts/setup-media.sh
exec npx vitest run --config test/e2e/vitest.config.ts "$@"
