import { existsSync } from 'node:fs';
import esbuild from 'rollup-plugin-esbuild';
import { dts } from 'rollup-plugin-dts';

/** Public entry points, one per package.json `exports` subpath (built when its source exists). */
const entries = Object.fromEntries(
  Object.entries({
    index: 'src/index.ts',
    sim: 'src/sim.ts',
    hls: 'src/hls.ts',
    shaka: 'src/shaka.ts',
    dqn: 'src/dqn.ts',
    telemetry: 'src/telemetry.ts',
    node: 'src/node.ts',
  }).filter(([, file]) => existsSync(file)),
);

const external = [/^node:/, /^hls\.js/, /^shaka-player/, /^playwright-core/, /^idb/, /^@tensorflow\//];

export default [
  {
    input: { ...entries, cli: 'src/node/cli/main.ts' },
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
    external,
    plugins: [esbuild({ target: 'es2022' })],
  },
  {
    input: entries,
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
    external,
    plugins: [dts()],
  },
];
