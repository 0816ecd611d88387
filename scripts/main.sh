#!/usr/bin/env bash
# The main job on a fresh machine: install, build, and evaluate every policy (and the offline
# optimum) on the embedded default: a synthetic video on Pensieve's ladder and 16 synthetic traces.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
npm run build --silent
node dist/cli.js eval "$@"
