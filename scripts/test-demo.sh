#!/usr/bin/env bash
# Real-Chromium e2e test of the demo page (test/demo/demo-e2e.ts): runs a session with each player,
# compare mode, the telemetry export, and checks for console errors. Prints pass/fail counts and
# exits non-zero on any failure. Screenshots and the exported NDJSON go to test-results/demo/.
# Generates the test stream first if it is missing. Pass --docs to also rewrite docs/demo-*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
if [ ! -f .cache/media/stream.json ]; then
  bash scripts/ensure-system-deps.sh
  bash scripts/setup-media.sh
fi
[ -x /usr/bin/chromium ] || bash scripts/ensure-system-deps.sh
exec timeout 600 npx --no-install tsx test/demo/demo-e2e.ts "$@"
