#!/usr/bin/env bash
# Starts the demo page on a fresh clone: installs npm packages if missing, generates the test stream
# if .cache/media is missing (ffmpeg), then bundles demo/ with esbuild (abrkit, hls.js, shaka-player
# and uPlot from source, so dist/ is not needed) and serves it, plus the trace-shaping media server,
# on 127.0.0.1.
# Prints the URL; Ctrl-C stops it.
#
# usage: scripts/demo.sh [--port P] [--media DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm install --no-audit --no-fund
if [ ! -f .cache/media/stream.json ]; then
  bash scripts/ensure-system-deps.sh ffmpeg
  bash scripts/setup-media.sh
fi
exec npx --no-install tsx src/demo/server.ts "$@"
