#!/usr/bin/env bash
# Starts the demo page on a fresh clone: installs npm packages if missing, generates the test stream
# if .cache/media is missing (ffmpeg), builds the package (the demo page is built into dist/pages/demo)
# and serves the page, plus the trace-shaping media server, on 127.0.0.1.
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
npm run build --silent
exec node dist/cli.js demo "$@"
