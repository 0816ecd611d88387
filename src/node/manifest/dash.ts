/**
 * DASH MPDs (ISO/IEC 23009-1) from text: Period / AdaptationSet / Representation with bandwidth,
 * size, codecs and content type, and each Representation's segments from a SegmentTemplate
 * (`$Number$` or `$Time$`, with or without a SegmentTimeline), a SegmentList, or a SegmentBase
 * (whose `indexRange` points at a `sidx` box that the caller reads: see sidx.ts). BaseURLs are
 * resolved level by level; segment information is inherited Period > AdaptationSet > Representation.
 * Several Periods are joined per Representation id. Pure: nothing is fetched here.
 */
import { ParseError } from '../../core/errors.js';
import { mayBeVideo } from './codecs.js';
import type { ByteRange, InitSegment, SegmentRef } from './types.js';
import { childNamed, childrenNamed, parseXml, type XmlElement } from './xml.js';

export interface DashRepresentationEntry {
  readonly id: string;
  readonly contentType: 'video' | 'audio' | 'other';
  readonly bandwidthBps: number;
  readonly width?: number;
  readonly height?: number;
  readonly frameRate?: number;
  readonly codecs?: string;
  readonly mimeType?: string;
  readonly language?: string;
  readonly init?: InitSegment;
  /** Empty when the segments are in a sidx still to be read (`index`). */
  readonly segments: readonly SegmentRef[];
  /** SegmentBase: the `sidx` box's place in the media file; the segments follow it. */
  readonly index?: { readonly url: string; readonly byteRange: ByteRange };
  /** A ContentProtection element applies to it. */
  readonly protected: boolean;
}

export interface DashManifest {
  readonly isLive: boolean;
  readonly durationS?: number;
  readonly representations: readonly DashRepresentationEntry[];
}

/** The root element is `MPD` (checked without a full parse). */
export function looksLikeDash(text: string): boolean {
  return /^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<(\w+:)?MPD[\s>]/.test(text);
}

/** ISO 8601 durations as DASH writes them (`PT1H2M3.5S`, `P1DT2H`); years and months are refused. */
export function parseIsoDurationS(value: string, file: string, line: number): number {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!match || value.trim() === 'P' || value.trim() === 'PT') throw new ParseError('manifest-parse', file, line, `'${value}' is not an ISO 8601 duration like PT4S`);
  const [, d, h, m, s] = match.map((x) => (x === undefined ? 0 : Number(x)));
  return d! * 86400 + h! * 3600 + m! * 60 + s!;
}

export function parseMpd(text: string, manifestUrl: string, file = manifestUrl): DashManifest {
  const mpd = parseXml(text, file);
  if (mpd.name !== 'MPD') throw new ParseError('manifest-parse', file, mpd.line, `the root element is <${mpd.name}>, not <MPD>`);
  const isLive = mpd.attributes.type === 'dynamic';
  const totalS = mpd.attributes.mediaPresentationDuration ? parseIsoDurationS(mpd.attributes.mediaPresentationDuration, file, mpd.line) : undefined;
  const mpdBase = baseUrl(mpd, manifestUrl);
  const periods = childrenNamed(mpd, 'Period');
  if (periods.length === 0) throw new ParseError('manifest-parse', file, mpd.line, 'the MPD has no Period');

  const starts = periods.map((p) => (p.attributes.start ? parseIsoDurationS(p.attributes.start, file, p.line) : null));
  const byId = new Map<string, { entry: DashRepresentationEntry; periods: number }>();
  const order: string[] = [];
  let startS = 0;
  periods.forEach((period, p) => {
    startS = starts[p] ?? startS;
    const nextStart = starts[p + 1];
    const durationS = period.attributes.duration
      ? parseIsoDurationS(period.attributes.duration, file, period.line)
      : nextStart != null
        ? nextStart - startS
        : totalS !== undefined
          ? totalS - startS
          : undefined;
    for (const entry of periodRepresentations(period, baseUrl(period, mpdBase), durationS, file)) {
      const seen = byId.get(entry.id);
      if (!seen) {
        byId.set(entry.id, { entry, periods: 1 });
        order.push(entry.id);
        continue;
      }
      if (seen.entry.index || entry.index) throw new ParseError('manifest-parse', file, period.line, `Representation ${entry.id}: SegmentBase across several Periods is not supported`);
      byId.set(entry.id, { entry: { ...seen.entry, segments: [...seen.entry.segments, ...entry.segments] }, periods: seen.periods + 1 });
    }
    startS += durationS ?? 0;
  });
  const partial = order.filter((id) => byId.get(id)!.periods !== periods.length);
  if (partial.length > 0) throw new ParseError('manifest-parse', file, periods[1]!.line, `Representation ${partial[0]} is not in every Period (abrkit joins Periods by Representation id)`);
  return { isLive, ...(totalS === undefined ? {} : { durationS: totalS }), representations: order.map((id) => byId.get(id)!.entry) };
}

function baseUrl(element: XmlElement, parent: string): string {
  const base = childNamed(element, 'BaseURL');
  return base ? new URL(base.text.trim(), parent).href : parent;
}

function periodRepresentations(period: XmlElement, periodBase: string, periodDurationS: number | undefined, file: string): DashRepresentationEntry[] {
  const out: DashRepresentationEntry[] = [];
  for (const set of childrenNamed(period, 'AdaptationSet')) {
    const setBase = baseUrl(set, periodBase);
    const setProtected = childrenNamed(set, 'ContentProtection').length > 0;
    for (const rep of childrenNamed(set, 'Representation')) {
      const attr = (name: string) => rep.attributes[name] ?? set.attributes[name];
      const id = rep.attributes.id;
      if (!id) throw new ParseError('manifest-parse', file, rep.line, 'a Representation has no id');
      const bandwidthBps = Number(rep.attributes.bandwidth);
      if (!(bandwidthBps > 0)) throw new ParseError('manifest-parse', file, rep.line, `Representation ${id}: bandwidth must be a positive number`);
      const codecs = attr('codecs');
      const mimeType = attr('mimeType');
      const width = attr('width');
      const height = attr('height');
      const frameRate = attr('frameRate');
      const base = baseUrl(rep, setBase);
      const segmentInfo = segmentsOf([period, set, rep], { base, id, bandwidthBps, periodDurationS, file });
      out.push({
        id,
        contentType: contentTypeOf(set.attributes.contentType, mimeType, codecs),
        bandwidthBps,
        ...(width ? { width: Number(width) } : {}),
        ...(height ? { height: Number(height) } : {}),
        ...(frameRate ? { frameRate: parseFrameRate(frameRate) } : {}),
        ...(codecs ? { codecs } : {}),
        ...(mimeType ? { mimeType } : {}),
        ...(attr('lang') ? { language: attr('lang')! } : {}),
        ...segmentInfo,
        protected: setProtected || childrenNamed(rep, 'ContentProtection').length > 0,
      });
    }
  }
  return out;
}

function contentTypeOf(contentType: string | undefined, mimeType: string | undefined, codecs: string | undefined): DashRepresentationEntry['contentType'] {
  const type = contentType ?? mimeType?.split('/')[0];
  if (type === 'video') return 'video';
  if (type === 'audio') return 'audio';
  if (type !== undefined) return 'other';
  return mayBeVideo(codecs) ? 'video' : 'audio';
}

function parseFrameRate(value: string): number {
  const [num, den] = value.split('/').map(Number);
  return den ? num! / den : num!;
}

interface SegmentContext {
  readonly base: string;
  readonly id: string;
  readonly bandwidthBps: number;
  readonly periodDurationS: number | undefined;
  readonly file: string;
}

type SegmentInfo = Pick<DashRepresentationEntry, 'segments' | 'init' | 'index'>;

/** The innermost level's element of `name`, with attributes inherited from the outer levels. */
function inherited(levels: readonly XmlElement[], name: string): XmlElement | null {
  const found = levels.map((level) => childNamed(level, name)).filter((e): e is XmlElement => e !== undefined);
  if (found.length === 0) return null;
  const inner = found[found.length - 1]!;
  const attributes = Object.assign({}, ...found.map((e) => e.attributes)) as Record<string, string>;
  // Children (SegmentTimeline, Initialization, SegmentURL) come from the innermost level that has them.
  const childNames = new Set(found.flatMap((e) => e.children.map((c) => c.name)));
  const children = [...childNames].flatMap((child) => {
    for (let i = found.length - 1; i >= 0; i--) {
      const own = childrenNamed(found[i]!, child);
      if (own.length > 0) return own;
    }
    return [];
  });
  return { ...inner, attributes, children };
}

const SEGMENT_KINDS = ['SegmentTemplate', 'SegmentList', 'SegmentBase'] as const;

function segmentsOf(levels: readonly XmlElement[], ctx: SegmentContext): SegmentInfo {
  const rep = levels[levels.length - 1]!;
  // The innermost level that says how it is segmented decides the kind; outer levels of that kind lend attributes.
  const innermost = [...levels].reverse().find((level) => SEGMENT_KINDS.some((kind) => childNamed(level, kind)));
  const kind = innermost ? SEGMENT_KINDS.find((k) => childNamed(innermost, k)) : undefined;
  const template = kind === 'SegmentTemplate' ? inherited(levels, 'SegmentTemplate') : null;
  if (template) return fromTemplate(template, ctx);
  const list = kind === 'SegmentList' ? inherited(levels, 'SegmentList') : null;
  if (list) return fromList(list, ctx);
  const segmentBase = kind === 'SegmentBase' ? inherited(levels, 'SegmentBase') : null;
  if (segmentBase?.attributes.indexRange) {
    const init = childNamed(segmentBase, 'Initialization');
    return {
      segments: [],
      index: { url: ctx.base, byteRange: parseRange(segmentBase.attributes.indexRange, ctx.file, segmentBase.line) },
      ...(init ? { init: initOf(init, ctx) } : {}),
    };
  }
  throw new ParseError(
    'manifest-parse',
    ctx.file,
    segmentBase?.line ?? rep.line,
    segmentBase
      ? `Representation ${ctx.id}: SegmentBase without indexRange (abrkit reads segment sizes from the sidx it points at)`
      : `Representation ${ctx.id} has no SegmentTemplate, SegmentList or SegmentBase`,
  );
}

/** `first-last`, inclusive (DASH `@range`, `@mediaRange`, `@indexRange`). */
function parseRange(value: string, file: string, line: number): ByteRange {
  const match = /^(\d+)-(\d+)$/.exec(value.trim());
  if (!match || Number(match[2]) < Number(match[1])) throw new ParseError('manifest-parse', file, line, `byte range '${value}' is not first-last`);
  return { offset: Number(match[1]), length: Number(match[2]) - Number(match[1]) + 1 };
}

function initOf(element: XmlElement, ctx: SegmentContext): InitSegment {
  const url = element.attributes.sourceURL ? new URL(element.attributes.sourceURL, ctx.base).href : ctx.base;
  return { url, ...(element.attributes.range ? { byteRange: parseRange(element.attributes.range, ctx.file, element.line) } : {}) };
}

/** `$RepresentationID$`, `$Number$`, `$Time$`, `$Bandwidth$` (each with an optional `%0Nd`), and `$$`. */
export function expandTemplate(template: string, values: { id: string; number?: number; time?: number; bandwidthBps: number }): string {
  return template.replace(/\$(RepresentationID|Number|Time|Bandwidth|)(?:%0(\d+)d)?\$/g, (_, name: string, width: string | undefined) => {
    if (name === '') return '$';
    const value = name === 'RepresentationID' ? values.id : name === 'Number' ? values.number : name === 'Time' ? values.time : values.bandwidthBps;
    if (value === undefined) return `$${name}$`;
    const text = String(value);
    return width ? text.padStart(Number(width), '0') : text;
  });
}

interface Timed {
  readonly number: number;
  readonly time: number;
  readonly durationS: number;
}

/** Segment numbers, start times (in timescale units) and durations, from a SegmentTimeline or `@duration`. */
function timing(element: XmlElement, ctx: SegmentContext): Timed[] {
  const timescale = Number(element.attributes.timescale ?? 1);
  const startNumber = Number(element.attributes.startNumber ?? 1);
  const offset = Number(element.attributes.presentationTimeOffset ?? 0);
  const timeline = childNamed(element, 'SegmentTimeline');
  const periodEnd = ctx.periodDurationS === undefined ? undefined : offset + ctx.periodDurationS * timescale;
  const out: Timed[] = [];
  if (timeline) {
    const entries = childrenNamed(timeline, 'S');
    // A first S without @t starts at 0; each later one where the previous ended.
    let time = 0;
    entries.forEach((s, i) => {
      if (s.attributes.t !== undefined) time = Number(s.attributes.t);
      const d = Number(s.attributes.d);
      if (!(d > 0)) throw new ParseError('manifest-parse', ctx.file, s.line, 'S@d must be a positive number');
      let repeat = Number(s.attributes.r ?? 0);
      if (repeat < 0) {
        const next = entries[i + 1]?.attributes.t;
        const end = next !== undefined ? Number(next) : periodEnd;
        if (end === undefined) throw new ParseError('manifest-parse', ctx.file, s.line, 'S@r="-1" needs a next S@t or a known Period duration');
        repeat = Math.ceil((end - time) / d - 1e-9) - 1;
      }
      for (let k = 0; k <= repeat; k++) {
        out.push({ number: startNumber + out.length, time, durationS: d / timescale });
        time += d;
      }
    });
    return out;
  }
  const duration = Number(element.attributes.duration);
  if (!(duration > 0)) throw new ParseError('manifest-parse', ctx.file, element.line, `Representation ${ctx.id}: ${element.name} needs a SegmentTimeline or a positive @duration`);
  if (ctx.periodDurationS === undefined) throw new ParseError('manifest-parse', ctx.file, element.line, `Representation ${ctx.id}: the segment count needs a Period duration or mediaPresentationDuration`);
  const count = Math.ceil((ctx.periodDurationS * timescale) / duration - 1e-9);
  for (let k = 0; k < count; k++) {
    const left = ctx.periodDurationS - (k * duration) / timescale;
    out.push({ number: startNumber + k, time: offset + k * duration, durationS: Math.min(duration / timescale, left) });
  }
  return out;
}

function fromTemplate(template: XmlElement, ctx: SegmentContext): SegmentInfo {
  const media = template.attributes.media;
  if (!media) throw new ParseError('manifest-parse', ctx.file, template.line, `Representation ${ctx.id}: SegmentTemplate has no @media`);
  const values = { id: ctx.id, bandwidthBps: ctx.bandwidthBps };
  const initialization = template.attributes.initialization;
  const segments = timing(template, ctx).map((t) => ({
    url: new URL(expandTemplate(media, { ...values, number: t.number, time: t.time }), ctx.base).href,
    durationS: t.durationS,
  }));
  return { segments, ...(initialization ? { init: { url: new URL(expandTemplate(initialization, values), ctx.base).href } } : {}) };
}

function fromList(list: XmlElement, ctx: SegmentContext): SegmentInfo {
  const urls = childrenNamed(list, 'SegmentURL');
  if (urls.length === 0) throw new ParseError('manifest-parse', ctx.file, list.line, `Representation ${ctx.id}: SegmentList has no SegmentURL`);
  const timescale = Number(list.attributes.timescale ?? 1);
  const timeline = childNamed(list, 'SegmentTimeline') ? timing(list, ctx) : null;
  const perSegmentS = Number(list.attributes.duration) / timescale;
  const init = childNamed(list, 'Initialization');
  const segments = urls.map((u, i) => {
    const durationS = timeline
      ? timeline[i]?.durationS
      : perSegmentS > 0
        ? Math.min(perSegmentS, ctx.periodDurationS === undefined ? Infinity : ctx.periodDurationS - i * perSegmentS)
        : undefined;
    if (durationS === undefined || !(durationS > 0)) throw new ParseError('manifest-parse', ctx.file, u.line, `Representation ${ctx.id}: no duration for SegmentURL ${i + 1} (SegmentList needs @duration or a SegmentTimeline)`);
    return {
      url: u.attributes.media ? new URL(u.attributes.media, ctx.base).href : ctx.base,
      durationS,
      ...(u.attributes.mediaRange ? { byteRange: parseRange(u.attributes.mediaRange, ctx.file, u.line) } : {}),
    };
  });
  return { segments, ...(init ? { init: initOf(init, ctx) } : {}) };
}
