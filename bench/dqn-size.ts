/**
 * What `abrkit/dqn` costs an app, measured with a bundler: esbuild bundles a one-line app that
 * uses createDqnPolicy (minified, code splitting on), and we report the gzipped bytes of the
 * entry chunk (loaded with the app) and of the lazily loaded chunks (the weights), against the
 * same app using RobustMPC from the core instead. It also checks that no TensorFlow.js module
 * (a devDependency used only to train, in Node) reaches the app or any browser entry, and fails if one does.
 *
 *   npx tsx bench/dqn-size.ts
 */
import { build, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const src = join(import.meta.dirname, '..', 'src');
const dir = mkdtempSync(join(tmpdir(), 'abrkit-dqn-size-'));

/** Modules of a bundle (bundled or left external) that belong to TensorFlow.js. */
function tfjsModules(metafile: Metafile): string[] {
  const paths = [...Object.keys(metafile.inputs), ...Object.values(metafile.outputs).flatMap((o) => o.imports.map((i) => i.path))];
  return [...new Set(paths.filter((p) => p.includes('@tensorflow')))];
}

const tfjsFound: string[] = [];

async function measure(name: string, code: string): Promise<{ name: string; entry: number; lazy: number; lazyFiles: number }> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, code);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: true,
    write: false,
    outdir: join(dir, `out-${name}`),
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    metafile: true,
  });
  tfjsFound.push(...tfjsModules(result.metafile).map((m) => `${name}: ${m}`));
  let entryBytes = 0;
  let lazy = 0;
  let lazyFiles = 0;
  for (const file of result.outputFiles) {
    const gz = gzipSync(file.contents, { level: 9 }).length;
    if (file.path.endsWith(`${name}.js`)) entryBytes += gz;
    else {
      lazy += gz;
      lazyFiles++;
    }
  }
  return { name, entry: entryBytes, lazy, lazyFiles };
}

const mpc = await measure('mpc', `import { createRobustMpcPolicy } from '${src}/policies/robustmpc.ts';\nconsole.log(createRobustMpcPolicy());\n`);
const dqn = await measure('dqn', `import { createDqnPolicy } from '${src}/dqn.ts';\nconsole.log(createDqnPolicy());\n`);
// Every browser entry, the players left out (peer dependencies), everything else followed.
const browserEntries = ['index', 'hls', 'shaka', 'dqn', 'telemetry'];
const entries = await build({
  entryPoints: browserEntries.map((e) => join(src, `${e}.ts`)),
  bundle: true,
  format: 'esm',
  splitting: true,
  write: false,
  outdir: join(dir, 'out-entries'),
  platform: 'browser',
  target: 'es2022',
  logLevel: 'silent',
  metafile: true,
  external: ['hls.js', 'shaka-player'],
});
tfjsFound.push(...tfjsModules(entries.metafile).map((m) => `entries: ${m}`));
rmSync(dir, { recursive: true, force: true });
console.log('| app | entry chunk, gzip | lazy chunks, gzip |');
console.log('|---|---|---|');
for (const r of [mpc, dqn]) console.log(`| ${r.name === 'mpc' ? 'createRobustMpcPolicy (core)' : 'createDqnPolicy (abrkit/dqn)'} | ${r.entry} B | ${r.lazy} B in ${r.lazyFiles} file(s) |`);
console.log(`\nabrkit/dqn adds ${dqn.entry - mpc.entry} B gzipped up front and ${dqn.lazy} B gzipped on first use (weights).`);
if (tfjsFound.length > 0) {
  console.error(`\nFAIL: TensorFlow.js modules in a browser bundle:\n  ${tfjsFound.slice(0, 20).join('\n  ')}`);
  process.exit(1);
}
console.log(`No TensorFlow.js module in the apps' bundles or in the browser entries (${browserEntries.map((e) => `src/${e}.ts`).join(', ')}).`);
