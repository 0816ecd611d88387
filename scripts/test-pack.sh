#!/usr/bin/env bash
# What a user runs, from what a user installs: packs abrkit (after `npm run build`), installs the
# tarball into an empty project beside the players and playwright-core, and runs the documented
# commands from there: `abrkit --help`, `abrkit eval` (the embedded default), `abrkit media` (a
# 20 s default stream), `abrkit demo` (serves its page) and a 20 s `abrkit browser-eval` (one
# trace, both players). Fails on any error or on output that is not what the command promises.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
[ -f dist/cli.js ] || npm run build --silent
work=$(mktemp -d /tmp/abrkit-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT

version() { node -p "require('./node_modules/$1/package.json').version"; }
npm pack --silent --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/abrkit-*.tgz)
echo "test-pack: $(basename "$tarball") ($(du -k "$tarball" | cut -f1) kB)"

mkdir "$work/app"
cd "$work/app"
echo '{ "name": "app", "version": "1.0.0", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund --loglevel=error "$tarball" \
  "hls.js@$(cd "$repo" && version hls.js)" "shaka-player@$(cd "$repo" && version shaka-player)" \
  "playwright-core@$(cd "$repo" && version playwright-core)" >/dev/null

fail() { echo "test-pack: FAIL: $*" >&2; exit 1; }

npx --no-install abrkit --help > help.txt
grep -q 'browser-eval' help.txt || fail 'abrkit --help does not list browser-eval'
grep -q '^  media' help.txt || fail 'abrkit --help does not list media'

npx --no-install abrkit eval --json eval.json > eval.txt
node -e "
const r = JSON.parse(require('fs').readFileSync('eval.json', 'utf8'));
const names = r.summary.map((s) => s.policy);
for (const p of ['rate', 'bba', 'bola', 'robustmpc', 'optimal']) if (!names.includes(p)) throw new Error('abrkit eval: no ' + p + ' in ' + names);
if (!r.perTrace.every((t) => Number.isFinite(t.qoe))) throw new Error('abrkit eval: a non-finite QoE');
" || fail 'abrkit eval output'

# An import from the installed package, as an app's code would.
node -e "
import('abrkit').then(async (m) => {
  const sim = await import('abrkit/sim');
  if (typeof m.ladderFromBitrates !== 'function') throw new Error('abrkit: no ladderFromBitrates export');
  if (Object.keys(sim).length === 0) throw new Error('abrkit/sim exports nothing');
  await import('abrkit/node');
});
" || fail 'importing abrkit, abrkit/sim, abrkit/node'

npx --no-install abrkit media --duration 20 > media.txt
[ -f node_modules/.cache/abrkit/media/stream.json ] || fail 'abrkit media wrote no node_modules/.cache/abrkit/media/stream.json'

# The demo server: starts, prints its URL, serves the page and the stream's manifest.
npx --no-install abrkit demo --port 0 > demo.txt 2>&1 &
demo=$!
for _ in $(seq 1 60); do grep -q 'abrkit demo: http' demo.txt && break; sleep 0.5; done
url=$(grep -o 'abrkit demo: http[^ ]*' demo.txt | cut -d' ' -f3)
[ -n "$url" ] || { kill "$demo"; cat demo.txt >&2; fail 'abrkit demo printed no URL'; }
node -e "fetch('$url').then((r) => { if (!r.ok) throw new Error('status ' + r.status); return r.text(); }).then((t) => { if (!t.includes('<html')) throw new Error('not a page'); })" || { kill "$demo"; fail "abrkit demo: $url"; }
kill "$demo"; wait "$demo" 2>/dev/null || true

printf '0\t3\n10\t1\n20\t3\n60\t3\n' > trace.txt
for player in hls shaka; do
  npx --no-install abrkit browser-eval --player "$player" --policies default,robustmpc --traces trace.txt --duration 20 --json "be-$player.json" > "be-$player.txt"
  node -e "
const r = JSON.parse(require('fs').readFileSync('be-$player.json', 'utf8'));
if (r.perTrace.length !== 2) throw new Error('expected 2 sessions, got ' + r.perTrace.length);
for (const t of r.perTrace) if (!(t.chunks >= 4) || !(t.bitrateKbps > 0)) throw new Error('a session played nothing: ' + JSON.stringify(t));
" || fail "abrkit browser-eval --player $player"
done
echo "test-pack: passed (help, eval, media, browser-eval hls + shaka from the installed tarball)"
