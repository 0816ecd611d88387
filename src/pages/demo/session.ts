/**
 * One demo session: tell the server which trace to replay, play the stream with hls.js or
 * shaka-player (with the player's own ABR or an abrkit policy), and record, on the session clock
 * (seconds since the trace started): measured throughput of each video segment, the controller's
 * predictions and decisions, the buffer level, stalls (`waiting` -> `playing`), and a telemetry log.
 */
import Hls from 'hls.js';
import shaka from 'shaka-player';
import { createDqnPolicy } from '../../dqn.js';
import { createTelemetry, type Telemetry } from '../../telemetry.js';
import { createNamedPolicy, type AdapterOptions, type AdapterPolicyName } from '../../adapters/setup.js';
import { createHarmonicMeanEstimator } from '../../estimators/harmonic.js';
import { withPredictionErrors } from '../../estimators/prediction-errors.js';
import { ladderFromBitrates } from '../../core/ladder.js';
import type { ControllerEvent } from '../../core/controller.js';
import type { Trace } from '../../sim/trace.js';
import type { SessionMetrics } from '../../qoe/session-metrics.js';
import { bufferAheadS, startPlayerSession, watchStalls, type SegmentLoad } from '../player-session.js';
import { waitForUpload } from './telemetry-panel.js';
import { describeReason, measureSession, qoeModelFor, type SegmentRecord, type StallRecord, type StreamInfo } from './metrics.js';

export type PlayerName = 'hls' | 'shaka';
/** `default` is the player's own ABR. */
export type PolicyChoice = 'default' | AdapterPolicyName | 'dqn';

export interface SessionSpec {
  readonly player: PlayerName;
  readonly policy: PolicyChoice;
  readonly trace: Trace;
  /** Stop once the playhead passes this (s); the stream's duration plays it to the end. */
  readonly playS: number;
  readonly stream: StreamInfo;
  readonly mediaOrigin: string;
  readonly video: HTMLVideoElement;
  /** Optional collector endpoint for the telemetry upload sink (e.g. `http://127.0.0.1:8787/v1/events`). */
  readonly uploadEndpoint?: string;
  readonly signal: AbortSignal;
  /** Called about four times a second, and once at the end. */
  readonly onUpdate: (state: SessionState) => void;
}

export interface DecisionRecord {
  readonly tS: number;
  readonly segmentIndex: number;
  readonly rungIndex: number;
  readonly bitrateKbps: number;
  readonly bufferS: number;
  /** Predicted throughput and its error band, Mbit/s (`null` before the first sample). */
  readonly predictedMbps: number | null;
  readonly lowMbps: number | null;
  readonly highMbps: number | null;
  readonly reasonKind: string;
  readonly reason: string;
}

export interface SessionState {
  readonly label: string;
  readonly player: PlayerName;
  readonly policy: PolicyChoice;
  readonly traceName: string;
  /** Session time now, s. */
  nowS: number;
  playheadS: number;
  /** Measured throughput of each video segment download: end time, Mbit/s. */
  readonly throughput: { tS: number; mbps: number }[];
  /** Bitrate of each video segment requested: request time, kbps. */
  readonly fetched: { tS: number; kbps: number }[];
  readonly decisions: DecisionRecord[];
  readonly buffer: { tS: number; bufferS: number }[];
  readonly stalls: StallRecord[];
  /** Running QoE_lin (mean per chunk so far). */
  readonly qoe: { tS: number; qoe: number }[];
  readonly segments: Map<number, SegmentRecord>;
  startupS: number | null;
  metrics: SessionMetrics | null;
  /** From the server's request log, once the session is over. */
  network: { bytes: number; wastedBytes: number; abortedRequests: number } | null;
  done: boolean;
  ended: boolean;
  readonly errors: string[];
  readonly notes: string[];
  telemetrySessionId: string;
}

/** What the page exposes as `window.__demo` (read by the e2e test and curious visitors). */
export interface DemoPageState {
  busy: boolean;
  /** Sessions finished since the page loaded. */
  runs: number;
  last: SessionState | null;
  compare: [SessionState, SessionState] | null;
  errors: string[];
}

declare global {
  interface Window {
    __demo?: DemoPageState;
  }
}

const TICK_MS = 250;
/** A session may take this long beyond its content (startup, stalls) before it is cut. */
const SESSION_SLACK_S = 120;
/** Forward buffer for every player and policy: hls.js's default maxBufferLength. */
const DEMO_BUFFER_GOAL_S = 30;

export function policyLabel(policy: PolicyChoice): string {
  return policy === 'default' ? 'player default' : policy;
}

export async function postTrace(trace: Trace): Promise<void> {
  const response = await fetch('/api/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: trace.name, timesS: [...trace.timesS], mbps: [...trace.mbps], ...(trace.rttMs ? { rttMs: trace.rttMs[0] } : {}) }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new Error(`the server refused the trace: ${body.error ?? response.status}`);
  }
}

function adapterOptions(spec: SessionSpec, onEvent: (event: ControllerEvent) => void, state: SessionState): AdapterOptions {
  // Every policy gets the 5-sample harmonic mean with RobustMPC's error bound (max relative error of
  // the last 5 predictions): only RobustMPC reads the bound, so the others decide exactly as with the
  // plain harmonic mean, and the charts can show every policy's prediction band.
  const estimator = withPredictionErrors(createHarmonicMeanEstimator({ windowSize: 5 }), { windowSize: 5 });
  const policy =
    spec.policy === 'dqn'
      ? createDqnPolicy({ onError: (error) => state.notes.push(`dqn fell back to RobustMPC: ${error.message}`) })
      : createNamedPolicy(spec.policy as AdapterPolicyName).policy;
  return {
    policy,
    estimator,
    onEvent,
    onAbandon: (event) => state.notes.push(`abandoned a ${spec.stream.ladderKbps[event.fromRungIndex] ?? '?'} kbps download for ${spec.stream.ladderKbps[event.toRungIndex] ?? '?'} kbps (buffer ${event.bufferS.toFixed(1)} s)`),
  };
}

/** Plays one session to `playS` (or the end, or an abort) and resolves with its final state. */
export async function runSession(spec: SessionSpec): Promise<SessionState> {
  const { stream, video } = spec;
  const segmentDurationS = stream.segmentDurationS;
  const model = qoeModelFor(stream);
  const ladderKbps = stream.ladderKbps;
  const state: SessionState = {
    label: `${spec.player === 'hls' ? 'hls.js' : 'shaka'} / ${policyLabel(spec.policy)}`,
    player: spec.player,
    policy: spec.policy,
    traceName: spec.trace.name,
    nowS: 0,
    playheadS: 0,
    throughput: [],
    fetched: [],
    decisions: [],
    buffer: [],
    stalls: [],
    qoe: [],
    segments: new Map(),
    startupS: null,
    metrics: null,
    network: null,
    done: false,
    ended: false,
    errors: [],
    notes: [],
    telemetrySessionId: '',
  };

  await postTrace(spec.trace);
  const t0Ms = performance.now();
  const nowS = () => (performance.now() - t0Ms) / 1000;
  const telemetry: Telemetry = createTelemetry({
    clock: { nowMs: () => performance.now() - t0Ms },
    ...(spec.uploadEndpoint ? { upload: { endpoint: spec.uploadEndpoint } } : {}),
    onError: (error) => state.notes.push(`telemetry: ${error instanceof Error ? error.message : String(error)}`),
  });
  state.telemetrySessionId = telemetry.sessionId;
  telemetry.recordSessionStart({
    ladder: ladderFromBitrates(ladderKbps.map((k) => k * 1000), segmentDurationS),
    player: spec.player === 'hls' ? { name: 'hls.js', version: Hls.version } : { name: 'shaka-player', version: shaka.Player.version },
    policy: { name: spec.policy },
    streamingFormat: spec.player === 'hls' ? 'h' : 'd',
    streamType: 'v',
  });

  const onControllerEvent = (event: ControllerEvent) => {
    telemetry.onControllerEvent(event);
    if (event.type !== 'decision') return;
    const { decision, context } = event;
    const last = state.decisions[state.decisions.length - 1];
    // hls.js may ask again for the same fragment (level bounds changed): log a repeat only if it differs.
    if (last && last.segmentIndex === context.segmentIndex && last.rungIndex === decision.rungIndex) return;
    const p = context.prediction;
    state.decisions.push({
      tS: nowS(),
      segmentIndex: context.segmentIndex,
      rungIndex: decision.rungIndex,
      bitrateKbps: context.ladder.renditions[decision.rungIndex]!.bitrateBps / 1000,
      bufferS: context.bufferS,
      predictedMbps: p ? p.throughputBps / 1e6 : null,
      lowMbps: p ? p.throughputBps / (1 + p.errorRatio) / 1e6 : null,
      highMbps: p ? (p.throughputBps * (1 + p.errorRatio)) / 1e6 : null,
      reasonKind: decision.reason.kind,
      reason: describeReason(decision.reason, ladderKbps),
    });
  };

  const onSegment = (info: SegmentLoad) => {
    state.segments.set(info.index, { index: info.index, rungIndex: info.rungIndex, bytes: info.bytes });
    const startS = (info.startMs - t0Ms) / 1000;
    state.fetched.push({ tS: Math.max(0, startS), kbps: ladderKbps[info.rungIndex] ?? 0 });
    if (info.durationMs > 0) state.throughput.push({ tS: startS + info.durationMs / 1000, mbps: (info.bytes * 8) / info.durationMs / 1000 });
    telemetry.recordSegment({
      url: info.url,
      bytes: info.bytes,
      startMs: info.startMs - t0Ms,
      ttfbMs: info.ttfbMs,
      durationMs: info.durationMs,
      objectType: info.objectType,
      rungIndex: info.rungIndex,
      segmentIndex: info.index,
      mediaDurationMs: segmentDurationS * 1000,
    });
  };

  // Stalls and startup, from the <video> element.
  let stallOpen: StallRecord | null = null;
  const stopWatching = watchStalls(video, {
    onStartup: () => {
      state.startupS = nowS();
      // The first frame shown ends startup (schema v2; `abrkit report` counts a session that never
      // reaches it as an exit before start), then playback runs.
      telemetry.recordPlayback({ kind: 'first-frame', positionMs: video.currentTime * 1000, bufferMs: bufferAheadS(video) * 1000 });
      telemetry.recordPlayback({ kind: 'play', positionMs: video.currentTime * 1000 });
    },
    onStallStart: (atS) => {
      stallOpen = { atS, startS: nowS(), endS: null };
      state.stalls.push(stallOpen);
      telemetry.recordPlayback({ kind: 'stall-start', positionMs: video.currentTime * 1000, bufferMs: bufferAheadS(video) * 1000 });
    },
    onStallEnd: () => {
      if (stallOpen) stallOpen.endS = nowS();
      stallOpen = null;
      telemetry.recordPlayback({ kind: 'stall-end', positionMs: video.currentTime * 1000, bufferMs: bufferAheadS(video) * 1000 });
    },
  });
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const onEnded = () => {
    state.ended = true;
    finished();
  };
  const onAbort = () => finished();
  video.addEventListener('ended', onEnded);
  spec.signal.addEventListener('abort', onAbort);

  const sample = () => {
    state.nowS = nowS();
    state.playheadS = video.currentTime;
    state.buffer.push({ tS: state.nowS, bufferS: bufferAheadS(video) });
    state.metrics = measureSession(stream, model, state.segments, state.stalls, state.startupS, state.playheadS, state.nowS);
    if (state.metrics.chunks > 0) state.qoe.push({ tS: state.nowS, qoe: state.metrics.qoe });
    spec.onUpdate(state);
    if (state.playheadS >= spec.playS || state.nowS > spec.playS + SESSION_SLACK_S) finished();
  };
  const ticker = setInterval(sample, TICK_MS);
  const src = `${spec.mediaOrigin}/media/${spec.player === 'hls' ? stream.hls : stream.dash}`;
  let teardown: () => Promise<void> = async () => undefined;
  try {
    const session = await startPlayerSession({
      player: spec.player,
      src,
      video,
      bufferGoalS: DEMO_BUFFER_GOAL_S,
      segmentDurationS,
      abrkit: spec.policy === 'default' ? null : adapterOptions(spec, onControllerEvent, state),
      onSegment,
      onPlayerError: (message, fatal) => {
        if (fatal) {
          state.errors.push(`${spec.player === 'hls' ? 'hls.js' : 'shaka'} fatal error: ${message}`);
          finished();
        } else state.notes.push(`${spec.player === 'hls' ? 'hls.js' : 'shaka'}: ${message}`);
      },
    });
    teardown = () => session.destroy();
    if (spec.signal.aborted) finished();
    await done;
  } catch (error) {
    state.errors.push(`could not start ${spec.player}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearInterval(ticker);
    video.pause();
    sample();
    if (stallOpen) (stallOpen as StallRecord).endS = nowS();
    stopWatching();
    video.removeEventListener('ended', onEnded);
    spec.signal.removeEventListener('abort', onAbort);
    telemetry.recordPlayback({ kind: state.ended ? 'ended' : 'pause', positionMs: video.currentTime * 1000 });
    await teardown().catch((error: unknown) => state.notes.push(`player teardown: ${String(error)}`));
    state.network = await fetch('/api/session/network')
      .then((r) => r.json() as Promise<{ bytes: number; wastedBytes: number; abortedRequests: number }>)
      .catch(() => null);
    state.metrics = measureSession(stream, model, state.segments, state.stalls, state.startupS, state.playheadS, state.nowS);
    if (state.network) state.metrics = { ...state.metrics, bytes: state.network.bytes, wastedBytes: state.network.wastedBytes };
    if (spec.uploadEndpoint) {
      const upload = await waitForUpload(telemetry).catch(() => null);
      if (!upload?.settled) state.notes.push('telemetry upload not finished: the rest stays stored and goes with the next upload');
    }
    await telemetry.close().catch(() => undefined);
    state.done = true;
    spec.onUpdate(state);
  }
  return state;
}
