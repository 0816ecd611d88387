/**
 * Where abrkit's own files are, from any module of it: the folder of the nearest package.json named
 * `abrkit` above this file. The same answer from the sources (src/node/...) and from the built
 * package (dist/chunks/...), so pages and defaults resolve alike under tsx and from `npm pack`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
