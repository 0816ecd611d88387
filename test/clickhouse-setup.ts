/**
 * Vitest global setup: a real ClickHouse for the tests that need one. `scripts/test.sh` starts one and
 * passes ABRKIT_CLICKHOUSE_URL; a bare `npx vitest run` starts its own here (scripts/clickhouse.sh,
 * which installs Debian's clickhouse-server when missing) on free ports, and stops it afterwards. If it
 * cannot start, the reason goes to ABRKIT_CLICKHOUSE_ERROR and those tests fail with it (never skip).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export default async function setup(): Promise<() => void> {
  if (process.env.ABRKIT_CLICKHOUSE_URL) return () => {};
  const dir = mkdtempSync(join(tmpdir(), 'abrkit-clickhouse-'));
  const env = { ...process.env, CLICKHOUSE_HTTP_PORT: String(await freePort()), CLICKHOUSE_TCP_PORT: String(await freePort()) };
  const started = spawnSync('bash', [join(ROOT, 'scripts/clickhouse.sh'), 'start', dir], { env, encoding: 'utf8' });
  if (started.status === 0) process.env.ABRKIT_CLICKHOUSE_URL = started.stdout.trim().split('\n').at(-1)!;
  else process.env.ABRKIT_CLICKHOUSE_ERROR = `scripts/clickhouse.sh start failed (exit ${started.status}): ${started.stderr.trim().slice(-800)}`;
  return () => {
    spawnSync('bash', [join(ROOT, 'scripts/clickhouse.sh'), 'stop', dir], { env, encoding: 'utf8' });
  };
}
