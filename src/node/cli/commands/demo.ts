/** `abrkit demo`: serve the demo page. */
import { resolve } from 'node:path';
import { intOption, parseCommandArgs } from '../args.js';
import { startDemoServer } from '../../demo/server.js';
import { ensureTestStream } from '../../harness/stream.js';

const HELP = `usage: abrkit demo [--port P] [--media DIR]

Serves the demo page (real hls.js or shaka-player playback of the generated test stream over a
local link that replays a network trace) on 127.0.0.1 and prints its URL; Ctrl-C stops it.

  --port <P>     port for the page (default 8377, or any free one if taken)
  --media <dir>  a generated stream's folder (default: the default test stream, made with ffmpeg
                 on first use, as 'abrkit media' does)`;

export async function run(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, { port: { type: 'string' }, media: { type: 'string' } }, HELP);
  const demo = await startDemoServer({
    ...(values.port === undefined ? {} : { port: intOption(values.port, 'port', 0) }),
    mediaDir: values.media === undefined ? ensureTestStream('default', (line) => console.error(`demo: ${line}`)).dir : resolve(values.media),
  });
  console.log(`abrkit demo: ${demo.url}  (media ${demo.mediaOrigin}; Ctrl-C to stop)`);
  await new Promise<void>((done) => {
    const stop = () => void demo.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
