#!/usr/bin/env bash
# All tests, from a fresh clone: installs npm packages (and Chromium/ffmpeg for the browser suites),
# type-checks, builds, runs the unit/property/simulator tests, then the real-browser suites.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm install --no-audit --no-fund

# The unit tests make a short test stream with ffmpeg (test/node/manifest/generated-stream.test.ts).
bash scripts/ensure-system-deps.sh ffmpeg
npx tsc --noEmit -p .
# The pages run in browsers: type-checked without Node's types.
npx tsc --noEmit -p src/pages
# Built first: the demo server test serves the built pages from dist/.
npm run build --silent
npx vitest run

suites=()
for suite in scripts/test-e2e.sh scripts/test-browser.sh scripts/test-demo.sh; do
  [ -f "$suite" ] && suites+=("$suite")
done
if [ ${#suites[@]} -gt 0 ]; then
  bash scripts/ensure-system-deps.sh
  for suite in "${suites[@]}"; do
    echo "== $suite"
    bash "$suite"
  done
fi
