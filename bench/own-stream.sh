#!/usr/bin/env bash
# browser-eval --src on the second generated stream (8 rungs to 16 Mbit/s, H.264 + VP9), both
# players, the first N Puffer validation traces (../shared), served as a folder and as a URL
# through the shaping proxy (a plain loopback origin stands in for a CDN). Prints the tables and
# writes JSON to .cache/bench/own-stream-*.json. Long: about 30 minutes with the defaults.
#
# usage: bench/own-stream.sh [--traces N] [--repeat R] [--url-repeat R] [--policies LIST]
set -euo pipefail
cd "$(dirname "$0")/.."
TRACES=5 REPEAT=2 URL_REPEAT=1 POLICIES=default,robustmpc+learned
while [ $# -gt 0 ]; do
  case "$1" in
    --traces) TRACES=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --url-repeat) URL_REPEAT=$2; shift 2 ;;
    --policies) POLICIES=$2; shift 2 ;;
    *) echo "own-stream: unknown option $1" >&2; exit 2 ;;
  esac
done
VALIDATION=../shared/traces/validation/puffer-2021
[ -d "$VALIDATION" ] || { echo "own-stream: needs $VALIDATION" >&2; exit 1; }
[ -f dist/cli.js ] || npm run build --silent
MEDIA=.cache/media-uhd-bench
node dist/cli.js media --stream uhd --duration 24 --out "$MEDIA"
traces=$(mktemp -d)
trap 'rm -rf "$traces"; [ -n "${origin:-}" ] && kill "$origin" 2>/dev/null || true' EXIT
for f in $(ls "$VALIDATION" | head -n "$TRACES"); do ln -s "$(cd "$VALIDATION" && pwd)/$f" "$traces/$f"; done
mkdir -p .cache/bench
manifest_for() { [ "$1" = shaka ] && echo dash/manifest.mpd || echo hls/master.m3u8; }
run() { # player where src repeat
  node dist/cli.js browser-eval --player "$1" --policies "$POLICIES" --traces "$traces" --repeat "$4" --src "$3" --json ".cache/bench/own-stream-$2-$1.json"
}
for player in hls shaka; do
  echo "== $player, folder ($MEDIA/$(manifest_for $player))"
  run "$player" folder "$MEDIA/$(manifest_for $player)" "$REPEAT"
done
port=$((20000 + RANDOM % 20000))
(cd "$MEDIA" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
origin=$!
sleep 1
for player in hls shaka; do
  echo "== $player, URL through the proxy (http://127.0.0.1:$port/$(manifest_for $player)?token=...)"
  run "$player" url "http://127.0.0.1:$port/$(manifest_for $player)?token=bench" "$URL_REPEAT"
done
