/**
 * What each browser entry of the built package costs an app: esbuild bundles `import * as m from
 * 'dist/<entry>.js'` (minified, code splitting on, the players left external as the peer
 * dependencies they are) and we print the gzipped bytes loaded up front (the entry and the chunks
 * it imports statically) and those loaded lazily (dynamic imports: the DQN's weights).
 *
 *   npm run build && npx tsx bench/bundle-size.ts [--json out.json]
 */
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { json: { type: 'string' } } });
const dist = join(import.meta.dirname, '..', 'dist');
const ENTRIES = ['index', 'hls', 'shaka', 'dqn', 'telemetry', 'sim'] as const;
if (!existsSync(join(dist, 'index.js'))) {
  console.error('bundle-size: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

interface EntrySize {
  readonly entry: string;
  readonly upFrontGzipBytes: number;
  readonly lazyGzipBytes: number;
}

const dir = mkdtempSync(join(tmpdir(), 'abrkit-bundle-size-'));
const sizes: EntrySize[] = [];
try {
  for (const entry of ENTRIES) {
    const app = join(dir, `${entry}.js`);
    writeFileSync(app, `import * as m from '${join(dist, `${entry}.js`)}';\nglobalThis.keep = m;\n`);
    const result = await build({
      entryPoints: [app],
      bundle: true,
      minify: true,
      format: 'esm',
      splitting: true,
      write: false,
      outdir: join(dir, `out-${entry}`),
      platform: 'browser',
      target: 'es2022',
      external: ['hls.js', 'shaka-player'],
      logLevel: 'silent',
      metafile: true,
    });
    // Up front: the entry chunk and everything it imports statically, transitively.
    const outputs = result.metafile.outputs;
    const entryOut = Object.keys(outputs).find((path) => outputs[path]!.entryPoint !== undefined)!;
    const upFront = new Set<string>();
    const visit = (path: string) => {
      if (upFront.has(path)) return;
      upFront.add(path);
      for (const imported of outputs[path]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    };
    visit(entryOut);
    let upFrontGzipBytes = 0;
    let lazyGzipBytes = 0;
    for (const file of result.outputFiles) {
      const gz = gzipSync(file.contents, { level: 9 }).length;
      const key = Object.keys(outputs).find((path) => resolve(path) === file.path);
      if (key !== undefined && upFront.has(key)) upFrontGzipBytes += gz;
      else lazyGzipBytes += gz;
    }
    sizes.push({ entry, upFrontGzipBytes, lazyGzipBytes });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log('| entry | up front, gzip | lazy, gzip |');
console.log('|---|---|---|');
for (const s of sizes) console.log(`| abrkit${s.entry === 'index' ? '' : `/${s.entry}`} | ${s.upFrontGzipBytes} B | ${s.lazyGzipBytes} B |`);
if (values.json) writeFileSync(values.json, `${JSON.stringify(sizes, null, 2)}\n`);
