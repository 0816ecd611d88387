/**
 * A user's own stream for the harness (`abrkit browser-eval --src <url|dir|file>`): what to serve
 * (a local folder, or the origin through the shaping proxy) and the StreamInfo the runner scores
 * sessions with, learnt from the manifest. Bad input fails here, before a browser starts, with the
 * manifest inspector's typed errors (not found, not HLS or DASH, no video variants, unreachable).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AbrkitError } from '../../core/errors.js';
import { codecFamily } from '../../adapters/codecs.js';
import { inspectStream } from '../manifest/inspect.js';
import type { InspectedStream } from '../manifest/types.js';
import type { StreamInfo } from '../../pages/protocol.js';
import { folderStore, proxiedPath, proxyStore, type MediaStore } from './media-store.js';

export interface PlayableSource {
  readonly store: MediaStore;
  readonly stream: StreamInfo;
  readonly kind: 'hls' | 'dash';
  readonly inspected: InspectedStream;
}

/** Manifest names tried, in order, when `--src` is a folder. */
const MANIFEST_NAMES = ['master.m3u8', 'index.m3u8', 'manifest.mpd', 'stream.mpd'];

export async function openSource(src: string): Promise<PlayableSource> {
  if (/^https?:\/\//i.test(src)) {
    const inspected = await inspectStream(src);
    const url = new URL(inspected.manifestUrl);
    // Served at its full origin path, so relative URIs that climb above its folder resolve too.
    const path = proxiedPath(url).slice('/media/'.length);
    return { store: proxyStore(url), stream: streamInfo(inspected, path), kind: inspected.kind, inspected };
  }
  const manifest = localManifest(src);
  const inspected = await inspectStream(manifest);
  // The folder served is the deepest one holding the manifest and everything it names.
  const root = commonFolder([manifest, ...referencedFiles(inspected)]);
  return { store: folderStore(root), stream: streamInfo(inspected, relative(root, manifest).split(sep).join('/')), kind: inspected.kind, inspected };
}

function referencedFiles(inspected: InspectedStream): string[] {
  const urls = [...inspected.video, ...inspected.audio].flatMap((r) => [...(r.init ? [r.init.url] : []), ...r.segments.map((s) => s.url)]);
  urls.push(...(inspected.encryption?.keyUris ?? []));
  return [...new Set(urls)].filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
}

function commonFolder(files: readonly string[]): string {
  let common = dirname(files[0]!).split(sep);
  for (const file of files.slice(1)) {
    const parts = dirname(file).split(sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(sep) || sep;
}

/** A local manifest file, or the one manifest at the top of a folder. */
function localManifest(src: string): string {
  const path = resolve(src);
  if (!existsSync(path)) throw new AbrkitError('manifest-not-found', `${src}: no such file or folder`);
  if (!statSync(path).isDirectory()) return path;
  for (const name of MANIFEST_NAMES) if (existsSync(join(path, name))) return join(path, name);
  const candidates = readdirSync(path).filter((f) => f.endsWith('.mpd') || (f.endsWith('.m3u8') && readFileSync(join(path, f), 'utf8').includes('#EXT-X-STREAM-INF')));
  if (candidates.length === 1) return join(path, candidates[0]!);
  if (candidates.length === 0) throw new AbrkitError('manifest-not-found', `${src}: no HLS master playlist or DASH MPD at the top of this folder; pass the manifest's path`);
  throw new AbrkitError('invalid-options', `${src}: several manifests here (${candidates.join(', ')}); pass the one to play`);
}

/**
 * What the runner needs: the ladder per codec family (unique bitrates, lowest first, kbit/s, as
 * the page ranks renditions), duration and segment duration from the first variant.
 */
export function streamInfo(inspected: InspectedStream, manifestPath: string): StreamInfo {
  const laddersKbps: Record<string, number[]> = {};
  for (const v of inspected.video) {
    const family = codecFamily(v.codecs);
    laddersKbps[family] = [...new Set([...(laddersKbps[family] ?? []), v.bitrateBps / 1000])].sort((a, b) => a - b);
  }
  const main = Object.entries(laddersKbps).sort((a, b) => b[1].length - a[1].length)[0]![1];
  const segments = inspected.video[0]!.segments;
  const durations = segments.map((s) => s.durationS).sort((a, b) => a - b);
  const segmentDurationS = durations[Math.floor(durations.length / 2)] ?? 0;
  const durationS = segments.reduce((sum, s) => sum + s.durationS, 0);
  if (!(segmentDurationS > 0) || inspected.isLive) {
    throw new AbrkitError('invalid-options', `${inspected.manifestUrl}: ${inspected.isLive ? 'a live stream' : 'no segment durations'}; --src plays video on demand`);
  }
  return {
    durationS: Math.floor(durationS),
    segmentDurationS,
    ladderKbps: main,
    laddersKbps,
    hls: inspected.kind === 'hls' ? manifestPath : '',
    dash: inspected.kind === 'dash' ? manifestPath : '',
  };
}
