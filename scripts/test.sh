#!/usr/bin/env bash
# All tests, from a fresh clone: installs npm packages (and Chromium/ffmpeg for the browser suites),
# type-checks, runs the unit/property/simulator tests, builds, then the real-browser suites.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm install --no-audit --no-fund

npx tsc --noEmit -p .
# The pages run in browsers: type-checked without Node's types.
npx tsc --noEmit -p src/pages
npx vitest run
npm run build --silent

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
