#!/usr/bin/env bash
# Browser tests with real IndexedDB in Chromium (abrkit/telemetry). Prints PASS/FAIL per case and the
# counts; exits non-zero if any case fails. Needs /usr/bin/chromium (Debian) and the dev dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "test-browser: /usr/bin/chromium not found (apt-get install chromium)" >&2
  exit 1
fi
# A hard bound on the whole suite, so a hung browser cannot stall CI.
exec timeout --kill-after=10 240 npx tsx test/browser/run.ts "$@"
