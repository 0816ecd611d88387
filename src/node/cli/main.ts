#!/usr/bin/env node
/**
 * The `abrkit` command: dispatches to a command module, loaded only when used, and turns typed
 * errors into exit codes.
 */
import { AbrkitError } from '../../core/errors.js';
import { UsageError } from './args.js';

/** Each command lives in its own module, loaded only when used. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<void> }> }> = {
  eval: { summary: 'evaluate policies over traces in the simulator', load: () => import('./commands/eval.js') },
  traces: { summary: 'traces synth: write seeded synthetic traces', load: () => import('./commands/traces.js') },
  'browser-eval': { summary: 'play policies in real Chromium (hls.js or shaka) over shaped traces', load: () => import('./commands/browser-eval.js') },
  collect: { summary: 'reference telemetry collector (POST /v1/events, NDJSON, deduplicated)', load: () => import('./commands/collect.js') },
  report: { summary: 'per-arm QoE of an experiment with bootstrap CIs (NDJSON folder or ClickHouse)', load: () => import('./commands/report.js') },
  telemetry: { summary: 'telemetry to-traces: rebuild network traces from an NDJSON export', load: () => import('./commands/telemetry.js') },
  train: { summary: 'train dqn: train the DQN policy in the simulator', load: () => import('./commands/train.js') },
  media: { summary: 'generate a test stream (ffmpeg): the default one, or uhd (8 rungs to 16 Mbit/s, H.264 + VP9, AES-128)', load: () => import('./commands/media.js') },
  demo: { summary: 'serve the demo page: watch policies play the test stream over a replayed trace', load: () => import('./commands/demo.js') },
};

const USAGE = `usage: abrkit <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`)
  .join('\n')}

Run 'abrkit <command> --help' for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`abrkit: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    await (await command.load()).run(rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`abrkit ${name}: ${error.message}`);
      return 2;
    }
    if (error instanceof AbrkitError) {
      console.error(`abrkit ${name}: [${error.code}] ${error.message}`);
      return 1;
    }
    if (isSystemError(error)) {
      // A missing file, a taken port: the message says it all; a stack trace would only bury it.
      console.error(`abrkit ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function isSystemError(error: unknown): error is Error & { code: string } {
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
