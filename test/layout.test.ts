import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { builtinModules } from 'node:module';
import { build } from 'esbuild';

/**
 * The layout's promises, checked on the sources: the folders say where code runs (README, "How the
 * code is laid out"). The browser runtime never imports Node built-ins, the simulator, the Node
 * tooling or the pages; nothing imports in a circle; and each browser entry's bundle holds no
 * `node:` module, no Node tooling and no TensorFlow.js.
 */
const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

/** Rooms of the browser runtime: what an app bundles. */
const RUNTIME = ['core', 'estimators', 'qoe', 'policies', 'learned', 'adapters', 'telemetry'];
/** Which rooms each room may import (its own always). `entry` is a public entry file in src/. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  estimators: ['core'],
  qoe: ['core'],
  policies: ['core', 'estimators', 'qoe'],
  learned: ['core', 'estimators', 'qoe', 'policies'],
  adapters: ['core', 'estimators', 'qoe', 'policies', 'learned'],
  telemetry: ['core'],
  sim: [...RUNTIME],
  pages: [...RUNTIME, 'sim', 'entry'],
  /** Reading HLS/DASH manifests: a library room of its own, on the core's types and errors and the sim's ladder type. */
  'node/manifest': ['core', 'sim'],
  node: [...RUNTIME, 'sim', 'entry', 'node', 'node/manifest'],
  entry: [...RUNTIME, 'sim', 'node', 'node/manifest'],
};
/** Folders under `src/node` that are rooms of their own, with their own rules above. */
const NODE_ROOMS = ['manifest'];
const BROWSER_ENTRIES = ['index', 'hls', 'shaka', 'dqn', 'telemetry', 'sim'];
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function roomOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  if (parts.length === 1) return 'entry';
  if (parts[0] === 'node' && parts.length > 2 && NODE_ROOMS.includes(parts[1]!)) return `node/${parts[1]}`;
  return parts[0]!;
}

interface Import {
  readonly specifier: string;
  /** Resolved source file for a relative import, else null. */
  readonly file: string | null;
  /** `import type` / `export type`: erased at build time. */
  readonly typeOnly: boolean;
}

const IMPORT_RE = /(?:^|[\n;])\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT_RE)) {
    const specifier = match[3] ?? match[4]!;
    const file2 = specifier.startsWith('.') ? resolve(dirname(file), specifier.replace(/\.js$/, '.ts')) : null;
    found.push({ specifier, file: file2, typeOnly: match[2] !== undefined });
  }
  return found;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe('layout', () => {
  it('reads the import graph (a check that finds nothing to read would pass vacuously)', () => {
    expect(files.length).toBeGreaterThan(100);
    const edges = [...graph.values()].reduce((sum, imports) => sum + imports.length, 0);
    expect(edges).toBeGreaterThan(300);
    // Each room of its own under src/node holds files, so its rule is checked on something.
    for (const room of NODE_ROOMS) expect(files.filter((f) => roomOf(f) === `node/${room}`).length).toBeGreaterThan(3);
  });

  it('every relative import resolves to a source file', () => {
    const missing = [...graph].flatMap(([file, imports]) => imports.filter((i) => i.file !== null && !graph.has(i.file)).map((i) => `${relative(SRC, file)} -> ${i.specifier}`));
    expect(missing).toEqual([]);
  });

  it('each room imports only the rooms below it', () => {
    const violations: string[] = [];
    for (const [file, imports] of graph) {
      const room = roomOf(file);
      const allowed = MAY_IMPORT[room];
      if (!allowed) {
        violations.push(`${relative(SRC, file)}: room '${room}' is not in the layout`);
        continue;
      }
      for (const i of imports) {
        if (i.file === null) continue;
        const target = roomOf(i.file);
        // The Node tooling reads the pages' protocol types (what a page reports), never page code.
        if (room === 'node' && target === 'pages' && i.typeOnly) continue;
        if (target !== room && !allowed.includes(target)) violations.push(`${relative(SRC, file)} (${room}) -> ${relative(SRC, i.file)} (${target})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the browser runtime and the simulator import no Node built-in', () => {
    const violations = [...graph].flatMap(([file, imports]) => {
      const room = roomOf(file);
      if (room !== 'sim' && !RUNTIME.includes(room)) return [];
      return imports.filter((i) => NODE_BUILTINS.has(i.specifier)).map((i) => `${relative(SRC, file)} -> ${i.specifier}`);
    });
    expect(violations).toEqual([]);
  });

  it('no import circles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const i of graph.get(file) ?? []) {
        if (i.file === null || i.typeOnly || !graph.has(i.file)) continue;
        if (state.get(i.file) === 'open') cycles.push([...stack.slice(stack.indexOf(i.file)), i.file].map((f) => relative(SRC, f)).join(' -> '));
        else if (!state.has(i.file)) visit(i.file);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it("each browser entry's bundle has no node: module, no Node tooling, no page code and no TensorFlow.js", async () => {
    const result = await build({
      entryPoints: BROWSER_ENTRIES.map((name) => join(SRC, `${name}.ts`)),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      outdir: '/tmp/abrkit-layout-check',
      metafile: true,
      logLevel: 'silent',
      external: ['hls.js', 'shaka-player'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('src/core/'))).toBe(true);
    const externals = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
    const bad = [
      ...inputs.filter((path) => path.includes('src/node/') || path.includes('src/pages/') || path.endsWith('src/node.ts') || path.includes('@tensorflow') || path.includes('playwright')),
      ...externals.filter((path) => NODE_BUILTINS.has(path) || path.includes('@tensorflow') || path.includes('playwright')),
    ];
    expect(bad).toEqual([]);
  });
});
