#!/usr/bin/env bash
# All tests: type-check, unit and property tests, build, then the real-browser suites when present.
# Installs what it needs itself (npm packages; Chromium and ffmpeg from Debian when a browser suite exists).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund

npx tsc --noEmit -p .
npx vitest run
npm run build --silent

for suite in scripts/test-e2e.sh scripts/test-browser.sh; do
  if [ -f "$suite" ]; then
    echo "== $suite"
    bash "$suite"
  fi
done
