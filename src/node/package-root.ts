/**
 * Where abrkit's own files are, from any module of it: the folder of the nearest package.json named
 * `abrkit` above this file. The same answer from the sources (src/node/...) and from the built
 * package (dist/chunks/...), so pages and defaults resolve alike under tsx and from `npm pack`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
      if (name === 'abrkit') return dir;
    }
    if (dirname(dir) === dir) throw new Error(`abrkit: no package.json named abrkit above ${from}`);
  }
}

/** abrkit's package folder (the repository root in a checkout). */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** abrkit's version, from its package.json. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Where abrkit keeps what it generates or learns between runs (test streams, inspected manifests): `.cache/` in a checkout;
 * for an installed package, `node_modules/.cache/abrkit/` (the usual place for tools' caches, and
 * writable where the package folder itself may not be).
 */
export const CACHE_DIR = cacheDir(PACKAGE_ROOT);

function cacheDir(root: string): string {
  const parts = root.split(sep);
  const modules = parts.lastIndexOf('node_modules');
  if (modules === -1) return join(root, '.cache');
  return join(parts.slice(0, modules + 1).join(sep) || sep, '.cache', 'abrkit');
}
