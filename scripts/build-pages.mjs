// Builds the browser pages into dist/pages/ (run by `npm run build`, after rollup): the harness's
// test page (src/pages/harness) and the demo page (src/pages/demo), each a folder with its
// index.html, stylesheets and one bundled main.js. abrkit and uPlot are bundled in; hls.js and
// shaka-player are not: the page uses the `Hls` and `shaka` globals of the player builds that the
// serving code (src/node/pages.ts) resolves from the app's own node_modules and serves beside it,
// so a page plays with the player versions the user has installed.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'pages');
const PAGES = ['harness', 'demo'];
/** The players, as the globals their UMD builds define. */
const PLAYER_GLOBALS = { 'hls.js': 'Hls', 'shaka-player': 'shaka' };

const playersAsGlobals = {
  name: 'players-as-globals',
  setup(b) {
    b.onResolve({ filter: /^(hls\.js|shaka-player)$/ }, (args) => ({ path: args.path, namespace: 'player-global' }));
    b.onLoad({ filter: /.*/, namespace: 'player-global' }, (args) => ({
      contents: `const player = globalThis.${PLAYER_GLOBALS[args.path]};\nif (!player) throw new Error('${args.path} is not loaded on this page');\nexport default player;\n`,
      loader: 'js',
    }));
  },
};

rmSync(out, { recursive: true, force: true });
for (const page of PAGES) {
  const from = join(root, 'src', 'pages', page);
  const to = join(out, page);
  mkdirSync(to, { recursive: true });
  await build({
    entryPoints: [join(from, 'main.ts')],
    outfile: join(to, 'main.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: page === 'demo',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [playersAsGlobals],
  });
  for (const file of readdirSync(from)) if (/\.(html|css)$/.test(file)) copyFileSync(join(from, file), join(to, file));
}
// uPlot's stylesheet, beside the demo's own.
const require = createRequire(import.meta.url);
copyFileSync(require.resolve('uplot/dist/uPlot.min.css'), join(out, 'demo', 'uPlot.min.css'));
