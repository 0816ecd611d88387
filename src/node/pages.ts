/**
 * The browser pages built into dist/pages/ (scripts/build-pages.mjs), as the servers hand them out:
 * a page's files, plus the player builds it runs on (the `Hls` and `shaka` globals) under
 * `vendor/`. The players are the app's own: resolved from the current folder's node_modules first
 * (what `npm install hls.js shaka-player` put there), then from abrkit's own dependencies.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { AbrkitError } from '../core/errors.js';
import { PACKAGE_ROOT } from './package-root.js';

export type PageName = 'harness' | 'demo';
export type PlayerPackage = 'hls.js' | 'shaka-player';

/** A player's browser build: the file that defines its global when loaded as a classic script. */
export interface PlayerBuild {
  readonly name: PlayerPackage;
  readonly version: string;
  readonly file: string;
}

/** Each player's UMD build inside its package, and the file name the pages load it by. */
const PLAYER_FILES: Readonly<Record<PlayerPackage, { readonly build: string; readonly served: string }>> = {
  'hls.js': { build: 'dist/hls.min.js', served: 'vendor/hls.js' },
  'shaka-player': { build: 'dist/shaka-player.compiled.js', served: 'vendor/shaka-player.js' },
};

export const PAGES_DIR = join(PACKAGE_ROOT, 'dist', 'pages');

/** The player's build as installed for the app in `fromDir` (else for abrkit), or null if neither has it. */
export function resolvePlayerBuild(name: PlayerPackage, fromDir = process.cwd()): PlayerBuild | null {
  for (const base of [join(fromDir, 'package.json'), join(PACKAGE_ROOT, 'package.json')]) {
    let manifest: string;
    try {
      manifest = createRequire(base).resolve(`${name}/package.json`);
    } catch {
      continue;
    }
    const file = join(dirname(manifest), PLAYER_FILES[name].build);
    if (!existsSync(file)) continue;
    const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    return { name, version, file };
  }
  return null;
}

/** Throws a typed error naming the install command when the player is missing. */
export function requirePlayerBuild(name: PlayerPackage, fromDir = process.cwd()): PlayerBuild {
  const build = resolvePlayerBuild(name, fromDir);
  if (!build) throw new AbrkitError('invalid-options', `${name} is not installed here: run \`npm install ${name}\` (abrkit plays with the app's own player)`);
  return build;
}

function filesUnder(dir: string, into: Map<string, Buffer>, base = dir): Map<string, Buffer> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) filesUnder(path, into, base);
    else into.set(relative(base, path).split('\\').join('/'), readFileSync(path));
  }
  return into;
}

/**
 * A built page's files by path relative to the page (`index.html`, `main.js`, ...), with the
 * players found for the app under `vendor/`. A page without a player still loads; starting that
 * player in it fails with the page's own error, so callers check with `requirePlayerBuild` first.
 */
export function loadPage(name: PageName, fromDir = process.cwd()): Map<string, Buffer> {
  const dir = join(PAGES_DIR, name);
  if (!existsSync(join(dir, 'index.html'))) {
    throw new AbrkitError('invalid-options', `the ${name} page is not built (no ${relative(process.cwd(), dir) || dir}/index.html): run \`npm run build\``);
  }
  const files = filesUnder(dir, new Map());
  for (const player of Object.keys(PLAYER_FILES) as PlayerPackage[]) {
    const build = resolvePlayerBuild(player, fromDir);
    if (build) files.set(PLAYER_FILES[player].served, readFileSync(build.file));
  }
  return files;
}
