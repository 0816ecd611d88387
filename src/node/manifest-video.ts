/**
 * A simulator video from a stream's manifest, cached: the first call inspects the manifest (and
 * the playlists, indexes and segment sizes it needs), later calls read the abrkit ladder JSON it
 * left in the cache (by default `<cache>/manifests/<hash of the URL and choices>.json`, see
 * `CACHE_DIR`), so they need no network.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAbrkitLadder, type SimVideo } from '../sim/ladder-parsers.js';
import { inspectStream, type InspectOptions } from './manifest/inspect.js';
import { sourceUrl } from './manifest/loader.js';
import { formatLadderJson, type LadderSource } from './manifest/ladder-json.js';
import { audioFor, codecFamilies, toSimVideo } from './manifest/to-sim-video.js';
import type { CodecFamily } from './manifest/types.js';
import { CACHE_DIR } from './package-root.js';

export interface ManifestVideoOptions {
  /** The ladder JSON to read or write. Default: `CACHE_DIR/manifests/<hash>.json`. */
  readonly cacheFile?: string;
  /** Passed to `toSimVideo`. */
  readonly codec?: CodecFamily;
  readonly audio?: string;
  /** Inspect again even when the cache holds this manifest. */
  readonly refresh?: boolean;
  readonly inspect?: InspectOptions;
  readonly onWarning?: (message: string) => void;
}

export interface ManifestVideo {
  readonly video: SimVideo;
  readonly source: LadderSource;
  readonly cacheFile: string;
  /** True when read from the cache (no request made). */
  readonly fromCache: boolean;
}

/** The default cache file for a manifest and the choices that shape its ladder. */
export function manifestCacheFile(src: string, options: Pick<ManifestVideoOptions, 'codec' | 'audio'> = {}): string {
  const key = JSON.stringify({ manifest: sourceUrl(src), codec: options.codec ?? null, audio: options.audio ?? null });
  return join(CACHE_DIR, 'manifests', `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
}

function cached(file: string, manifest: string, options: ManifestVideoOptions): { video: SimVideo; source: LadderSource } | null {
  if (options.refresh || !existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  let source: LadderSource | undefined;
  try {
    source = (JSON.parse(text) as { source?: LadderSource }).source;
  } catch {
    return null; // not ours, or cut short: inspect again and rewrite it
  }
  if (!source || source.manifest !== manifest) return null;
  if (options.codec !== undefined && source.codec !== options.codec) return null;
  if (options.audio !== undefined && source.audio !== options.audio) return null;
  return { video: parseAbrkitLadder(text, file), source };
}

export async function loadManifestVideo(src: string, options: ManifestVideoOptions = {}): Promise<ManifestVideo> {
  const manifest = sourceUrl(src);
  const cacheFile = options.cacheFile ?? manifestCacheFile(src, options);
  const hit = cached(cacheFile, manifest, options);
  if (hit) return { video: { ...hit.video, name: src }, source: hit.source, cacheFile, fromCache: true };

  const inspected = await inspectStream(src, options.inspect);
  for (const warning of inspected.warnings) options.onWarning?.(warning);
  const video = toSimVideo(inspected, { name: src, ...(options.codec ? { codec: options.codec } : {}), ...(options.audio ? { audio: options.audio } : {}), ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
  const codec = options.codec ?? codecFamilies(inspected)[0]!.family;
  const top = inspected.video.filter((v) => v.codecFamily === codec);
  const audio = audioFor(inspected, top[top.length - 1]!, options.audio);
  const source: LadderSource = { manifest, kind: inspected.kind, codec, audio: audio?.id ?? null, encryption: inspected.encryption?.method ?? null, inspectedAt: new Date().toISOString() };
  mkdirSync(dirname(cacheFile), { recursive: true });
  const partial = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(partial, formatLadderJson(video, source));
  renameSync(partial, cacheFile);
  return { video, source, cacheFile, fromCache: false };
}
