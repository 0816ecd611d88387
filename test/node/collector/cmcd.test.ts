import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCmcd } from '@svta/cml-cmcd';
import { startCollector, type Collector } from '../../../src/node/collector/server.js';
import { parseCmcdDictionary } from '../../../src/node/collector/cmcd-route.js';

/** CMCD event mode at the reference collector, with reports encoded by @svta/cml-cmcd (a devDependency). */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function collector(extra: Record<string, unknown> = {}): Promise<{ c: Collector; dir: string; base: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'abrkit-cmcd-'));
  const c = await startCollector({ outDir: dir, port: 0, ...extra });
  cleanups.push(() => c.close(), () => rmSync(dir, { recursive: true, force: true }));
  return { c, dir, base: c.url.replace('/v1/events', '') };
}

const post = (url: string, body: string, contentType = 'application/cmcd') => fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });

describe('collector: CMCD event mode', () => {
  it('stores each report of a post (play state, bitrate change, time interval) as a JSON line, synced before the 204', async () => {
    const { dir, base } = await collector();
    const reports = [
      { e: 'ps', sta: 'p', ts: 1_700_000_000_000, sid: 'abc', v: 2 },
      { e: 'bc', br: [4300], ts: 1_700_000_004_000, sid: 'abc', v: 2 },
      { e: 't', bl: [12300], mtp: [6300], bg: true, ts: 1_700_000_010_000, sid: 'abc', v: 2 },
    ];
    // Event mode, as CmcdReporter encodes an event report.
    const body = reports.map((r) => encodeCmcd(r as never, { reportingMode: 'event' } as never)).join('\n');
    const response = await post(`${base}/v1/cmcd`, body);
    expect(response.status).toBe(204);
    const stored = readFileSync(join(dir, 'cmcd.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(stored.map((s) => s.cmcd)).toEqual(reports);
    expect(stored.every((s) => typeof s.receivedMs === 'number' && s.client === '127.0.0.1')).toBe(true);
  });

  it('refuses what is not a CMCD event report, and applies the ingest token as for telemetry', async () => {
    const { base } = await collector({ tokens: ['secret-token-1'] });
    expect((await post(`${base}/v1/cmcd`, 'e=ps,ts=1')).status).toBe(401);
    const url = `${base}/v1/cmcd?token=secret-token-1`;
    expect((await post(url, 'e=ps,ts=1,sta=p')).status).toBe(204);
    expect((await post(url, 'br=(300),ot=v')).status).toBe(422); // a request-mode dictionary: no event, no timestamp
    expect((await post(url, 'e=ps,ts=1,=oops')).status).toBe(400);
    expect((await post(url, 'e=ps,ts=1', 'application/json')).status).toBe(415);
  });

  it('parses the dictionary subset CMCD uses', () => {
    expect(parseCmcdDictionary('bl=(5000;v 3000;a),br=(4300),cid="a\\"b",e=ps,nor=("s.m4s"),su,nr=?0,pr=1.5,sta=p,ts=17')).toEqual({
      bl: [5000, 3000], br: [4300], cid: 'a"b', e: 'ps', nor: ['s.m4s'], su: true, nr: false, pr: 1.5, sta: 'p', ts: 17,
    });
  });
});
