#!/usr/bin/env bash
# All tests, from a fresh clone: installs npm packages (and Chromium/ffmpeg for the browser suites,
# clickhouse-server for the collector/report tests), type-checks, builds, runs the unit/property/
# simulator tests against a real ClickHouse started here (stopped on exit), then the real-browser suites.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm install --no-audit --no-fund

# The unit tests make a short test stream with ffmpeg (test/node/manifest/generated-stream.test.ts).
bash scripts/ensure-system-deps.sh ffmpeg
npx tsc --noEmit -p .
# The pages run in browsers: type-checked without Node's types.
npx tsc --noEmit -p src/pages

# A real ClickHouse on loopback, with its own data folder, for the tests that store in it. A failure
# to start fails the run here (those tests must not be skipped).
clickhouse_dir=$(mktemp -d "${TMPDIR:-/tmp}/abrkit-test-clickhouse.XXXXXX")
trap 'bash scripts/clickhouse.sh stop "$clickhouse_dir"' EXIT
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
ABRKIT_CLICKHOUSE_URL=$(CLICKHOUSE_HTTP_PORT=$(free_port) CLICKHOUSE_TCP_PORT=$(free_port) bash scripts/clickhouse.sh start "$clickhouse_dir")
export ABRKIT_CLICKHOUSE_URL
echo "clickhouse: $ABRKIT_CLICKHOUSE_URL ($clickhouse_dir)"
# Built first: the demo server test serves the built pages from dist/.
npm run build --silent
npx vitest run

suites=()
for suite in scripts/test-e2e.sh scripts/test-browser.sh scripts/test-demo.sh scripts/test-pack.sh; do
  [ -f "$suite" ] && suites+=("$suite")
done
if [ ${#suites[@]} -gt 0 ]; then
  bash scripts/ensure-system-deps.sh
  for suite in "${suites[@]}"; do
    echo "== $suite"
    bash "$suite"
  done
fi
