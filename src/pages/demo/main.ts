/**
 * The demo page: controls, live charts, decision log, compare mode and the telemetry panel.
 * Bundled by src/demo/server.ts with esbuild; talks to that server's /api and plays media from the
 * trace-shaping harness server.
 */
import { parseTrace, synthesizeTrace, type Trace } from '../../sim.js';
import { ADAPTER_POLICY_NAMES } from '../../adapters/setup.js';
import { createCompareCharts, createLiveCharts, type ChartSet } from './charts.js';
import { policyLabel, runSession, type DemoPageState, type PlayerName, type PolicyChoice, type SessionState } from './session.js';
import { clearLog, downloadText, readLog, summarizeLog, uploadStored } from './telemetry-panel.js';
import type { StreamInfo } from './metrics.js';

interface DemoConfig {
  readonly mediaOrigin: string;
  readonly stream: StreamInfo;
}

/** Seconds of trace generated beyond the content, for startup and stalls (the server loops it anyway). */
const TRACE_SLACK_S = 120;
const MAX_LOG_ROWS = 400;
const POLICIES: readonly PolicyChoice[] = ['default', ...ADAPTER_POLICY_NAMES, 'dqn'];


const $ = <T extends HTMLElement>(id: string) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`demo page: #${id} missing`);
  return element as T;
};

const ui = {
  form: $<HTMLFormElement>('run-form'),
  player: $<HTMLSelectElement>('player'),
  policy: $<HTMLSelectElement>('policy'),
  policyB: $<HTMLSelectElement>('policy-b'),
  network: $<HTMLSelectElement>('network'),
  traceFile: $<HTMLInputElement>('trace-file'),
  traceInfo: $('trace-info'),
  seed: $<HTMLInputElement>('seed'),
  playS: $<HTMLInputElement>('play-s'),
  run: $<HTMLButtonElement>('run'),
  stop: $<HTMLButtonElement>('stop'),
  compare: $<HTMLButtonElement>('compare'),
  status: $('status'),
  stageLabel: $('stage-label'),
  video: $<HTMLVideoElement>('video'),
  decisions: $<HTMLTableSectionElement>('decision-table').querySelector('tbody')!,
  compareSection: $('compare-section'),
  compareLabel: $('compare-label'),
  compareBody: $<HTMLTableElement>('compare-table').querySelector('tbody')!,
  telRefresh: $<HTMLButtonElement>('tel-refresh'),
  telExport: $<HTMLButtonElement>('tel-export'),
  telClear: $<HTMLButtonElement>('tel-clear'),
  telUpload: $<HTMLButtonElement>('tel-upload'),
  telStatus: $('tel-status'),
  telBody: $<HTMLTableElement>('tel-table').querySelector('tbody')!,
  uploadEndpoint: $<HTMLInputElement>('upload-endpoint'),
  score: {
    qoe: $('score-qoe'),
    bitrate: $('score-bitrate'),
    buffer: $('score-buffer'),
    stalls: $('score-stalls'),
    startup: $('score-startup'),
    switches: $('score-switches'),
  },
};

const demoState: DemoPageState = { busy: false, runs: 0, last: null, compare: null, errors: [] };
window.__demo = demoState;

let config: DemoConfig | null = null;
let uploadedTrace: Trace | null = null;
let current: SessionState | null = null;
let currentTrace: Trace | null = null;
let abort: AbortController | null = null;
let liveCharts: ChartSet | null = null;
let compareCharts: ChartSet | null = null;
let renderedDecisions = 0;

function setStatus(text: string, isError = false): void {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}

function fillPolicySelect(select: HTMLSelectElement, selected: PolicyChoice): void {
  select.replaceChildren(
    ...POLICIES.map((p) => {
      const option = document.createElement('option');
      option.value = p;
      option.textContent = p === 'default' ? "player's default ABR" : p === 'robustmpc' ? 'robustmpc (RobustMPC)' : p === 'dqn' ? 'dqn (learned)' : p;
      option.selected = p === selected;
      return option;
    }),
  );
}

function playSeconds(): number {
  const stream = config!.stream;
  const value = Number(ui.playS.value);
  return Number.isFinite(value) && value >= stream.segmentDurationS ? Math.min(value, stream.durationS) : stream.durationS;
}

/** The trace chosen in the controls: a seeded synthetic profile or the uploaded file. */
function chosenTrace(): Trace {
  const stream = config!.stream;
  const network = ui.network.value;
  if (network === 'upload') {
    if (!uploadedTrace) throw new Error('choose a trace file first');
    return uploadedTrace;
  }
  const seed = Math.max(1, Math.floor(Number(ui.seed.value) || 1));
  const profile = network as '3g' | 'lte-drive' | 'congested-wifi' | 'step';
  return synthesizeTrace({ profile, seed, durationS: stream.durationS + TRACE_SLACK_S, name: profile === 'step' ? 'step' : `${profile}-${seed}` });
}

function fmt(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function renderScore(state: SessionState): void {
  const m = state.metrics;
  const lastFetched = state.fetched[state.fetched.length - 1];
  const lastBuffer = state.buffer[state.buffer.length - 1];
  ui.score.qoe.textContent = m && m.chunks > 0 ? fmt(m.qoe, 3) : '–';
  ui.score.bitrate.textContent = lastFetched ? `${lastFetched.kbps} kbps` : '–';
  ui.score.buffer.textContent = lastBuffer ? `${fmt(lastBuffer.bufferS, 1)} s` : '–';
  const stallS = state.stalls.reduce((sum, s) => sum + ((s.endS ?? state.nowS) - s.startS), 0);
  ui.score.stalls.textContent = `${state.stalls.length} (${fmt(stallS, 1)} s)`;
  ui.score.startup.textContent = state.startupS === null ? '–' : `${fmt(state.startupS, 2)} s`;
  ui.score.switches.textContent = m ? String(m.switches) : '–';
}

function renderDecisions(state: SessionState): void {
  const rows: HTMLTableRowElement[] = [];
  for (; renderedDecisions < state.decisions.length; renderedDecisions++) {
    const d = state.decisions[renderedDecisions]!;
    const row = document.createElement('tr');
    const band = d.predictedMbps === null ? '–' : `${fmt(d.predictedMbps, 2)} (${fmt(d.lowMbps, 2)}–${fmt(d.highMbps, 2)})`;
    for (const [text, cls] of [[fmt(d.tS, 1)], [String(d.segmentIndex)], [String(d.bitrateKbps)], [fmt(d.bufferS, 1)], [band], [d.reason, 'reason']] as [string, string?][]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      if (cls) cell.className = cls;
      row.append(cell);
    }
    rows.push(row);
  }
  if (rows.length === 0) return;
  ui.decisions.prepend(...rows.reverse());
  while (ui.decisions.rows.length > MAX_LOG_ROWS) ui.decisions.deleteRow(-1);
}

function resetLiveView(label: string): void {
  ui.decisions.replaceChildren();
  renderedDecisions = 0;
  ui.stageLabel.textContent = label;
  for (const el of Object.values(ui.score)) el.textContent = '–';
}

function setBusy(busy: boolean): void {
  demoState.busy = busy;
  ui.run.disabled = busy;
  ui.compare.disabled = busy;
  ui.stop.disabled = !busy;
  ui.telClear.disabled = busy;
  ui.telUpload.disabled = busy;
  for (const el of [ui.player, ui.policy, ui.policyB, ui.network, ui.traceFile, ui.seed, ui.playS, ui.uploadEndpoint]) el.disabled = busy;
}

function uploadEndpoint(): string | undefined {
  const value = ui.uploadEndpoint.value.trim();
  return value === '' ? undefined : value;
}

async function playOne(player: PlayerName, policy: PolicyChoice, trace: Trace, signal: AbortSignal, prefix: string): Promise<SessionState> {
  const cfg = config!;
  const label = `${prefix}${player === 'hls' ? 'hls.js' : 'shaka-player'} · ${policyLabel(policy)} · ${trace.name}`;
  resetLiveView(label);
  currentTrace = trace;
  current = null;
  liveCharts?.update();
  setStatus(`Playing: ${label}`);
  const endpoint = uploadEndpoint();
  const state = await runSession({
    player,
    policy,
    trace,
    playS: playSeconds(),
    stream: cfg.stream,
    mediaOrigin: cfg.mediaOrigin,
    video: ui.video,
    ...(endpoint ? { uploadEndpoint: endpoint } : {}),
    signal,
    onUpdate: (s) => {
      current = s;
      renderScore(s);
      renderDecisions(s);
      liveCharts?.update();
    },
  });
  demoState.runs++;
  demoState.last = state;
  if (state.errors.length > 0) demoState.errors.push(...state.errors);
  return state;
}

/** The selected network as a trace, or `null` after showing why it cannot be had (a bad upload). */
function chosenTraceOrReport(): Trace | null {
  try {
    return chosenTrace();
  } catch (error) {
    setStatus(error instanceof Error ? error.message : String(error), true);
    return null;
  }
}

async function onRun(event: Event): Promise<void> {
  event.preventDefault();
  if (demoState.busy || !config) return;
  const trace = chosenTraceOrReport();
  if (trace === null) return;
  abort = new AbortController();
  setBusy(true);
  try {
    const state = await playOne(ui.player.value as PlayerName, ui.policy.value as PolicyChoice, trace, abort.signal, '');
    const m = state.metrics;
    setStatus(
      state.errors.length > 0
        ? `Session failed: ${state.errors.join('; ')}`
        : `Done: QoE_lin ${fmt(m?.qoe, 3)}, ${m?.stalls ?? 0} stalls, ${fmt(m?.bitrateKbps, 0)} kbps mean${abort.signal.aborted ? ' (stopped)' : ''}.`,
      state.errors.length > 0,
    );
  } catch (error) {
    setStatus(`Session failed: ${error instanceof Error ? error.message : String(error)}`, true);
    demoState.errors.push(String(error));
  } finally {
    setBusy(false);
    void refreshTelemetry();
  }
}

function compareRow(tag: string, s: SessionState, best: boolean): HTMLTableRowElement {
  const m = s.metrics;
  const row = document.createElement('tr');
  if (best) row.className = 'best';
  const cells = [
    `${tag}: ${s.label}`,
    fmt(m?.qoe, 3),
    // Stall events as the <video> element reported them (waiting -> playing), and their total time.
    String(s.stalls.length),
    fmt(s.stalls.reduce((sum, x) => sum + ((x.endS ?? s.nowS) - x.startS), 0), 2),
    fmt(m?.bitrateKbps, 0),
    String(m?.switches ?? 0),
    fmt(m?.startupS, 2),
    fmt((m?.bytes ?? 0) / 1e6, 2),
    fmt((m?.wastedBytes ?? 0) / 1e6, 2),
  ];
  cells.forEach((text, i) => {
    const cell = document.createElement(i === 0 ? 'th' : 'td');
    if (i === 0) cell.setAttribute('scope', 'row');
    cell.textContent = text;
    row.append(cell);
  });
  return row;
}

async function onCompare(): Promise<void> {
  if (demoState.busy || !config) return;
  const trace = chosenTraceOrReport();
  if (trace === null) return;
  const player = ui.player.value as PlayerName;
  const policyA = ui.policy.value as PolicyChoice;
  const policyB = ui.policyB.value as PolicyChoice;
  abort = new AbortController();
  setBusy(true);
  try {
    const a = await playOne(player, policyA, trace, abort.signal, 'A: ');
    if (abort.signal.aborted) throw new Error('stopped');
    const b = await playOne(player, policyB, trace, abort.signal, 'B: ');
    if (abort.signal.aborted) throw new Error('stopped');
    demoState.compare = [a, b];
    compareCharts?.destroy();
    ui.compareSection.hidden = false;
    ui.compareLabel.textContent = `${player === 'hls' ? 'hls.js' : 'shaka-player'} on trace ${trace.name}, ${fmt(playSeconds(), 0)} s of content. QoE_lin is the mean per segment (bitrate in Mbit/s − 4.3 × stall s − |bitrate change|), measured from the video element; bytes from the server's log.`;
    const qa = a.metrics?.qoe ?? -Infinity;
    const qb = b.metrics?.qoe ?? -Infinity;
    ui.compareBody.replaceChildren(compareRow('A', a, qa > qb), compareRow('B', b, qb > qa));
    compareCharts = createCompareCharts(
      { bitrate: $('compare-bitrate'), buffer: $('compare-buffer'), qoe: $('compare-qoe') },
      a,
      b,
      trace,
    );
    const failed = [...a.errors, ...b.errors];
    setStatus(failed.length > 0 ? `Compare finished with errors: ${failed.join('; ')}` : `Compare done: A ${fmt(qa, 3)} vs B ${fmt(qb, 3)} QoE_lin.`, failed.length > 0);
    ui.compareSection.focus();
  } catch (error) {
    setStatus(`Compare ${error instanceof Error && error.message === 'stopped' ? 'stopped' : `failed: ${String(error)}`}`, !(error instanceof Error && error.message === 'stopped'));
  } finally {
    setBusy(false);
    void refreshTelemetry();
  }
}

async function onTraceFile(): Promise<void> {
  const file = ui.traceFile.files?.[0];
  uploadedTrace = null;
  if (!file) {
    ui.traceInfo.textContent = '';
    return;
  }
  try {
    const trace = parseTrace(await file.text(), { name: file.name.replace(/\.[^.]+$/, '') });
    const durationS = trace.timesS[trace.timesS.length - 1]! - trace.timesS[0]!;
    let sum = 0;
    for (let k = 1; k < trace.mbps.length; k++) sum += trace.mbps[k]! * (trace.timesS[k]! - trace.timesS[k - 1]!);
    uploadedTrace = trace;
    ui.network.value = 'upload';
    ui.traceInfo.textContent = `${trace.name}: ${trace.timesS.length} samples, ${durationS.toFixed(0)} s, mean ${(durationS > 0 ? sum / durationS : 0).toFixed(2)} Mbit/s${trace.shiftedByS ? ` (shifted by ${trace.shiftedByS} s to start at 0)` : ''}.`;
    ui.traceInfo.classList.remove('error');
  } catch (error) {
    ui.traceInfo.textContent = `Cannot read this trace: ${error instanceof Error ? error.message : String(error)}`;
    ui.traceInfo.classList.add('error');
  }
}

async function refreshTelemetry(): Promise<void> {
  try {
    const { sessions, invalidLines } = summarizeLog(await readLog());
    ui.telBody.replaceChildren(
      ...sessions.map((s) => {
        const row = document.createElement('tr');
        for (const text of [new Date(s.startedEpochMs).toLocaleTimeString(), s.player, s.policy, String(s.events), String(s.segments), String(s.decisions), String(s.stalls)]) {
          const cell = document.createElement('td');
          cell.textContent = text;
          row.append(cell);
        }
        return row;
      }),
    );
    const upload = uploadEndpoint() ? ` New sessions upload to ${uploadEndpoint()}.` : '';
    ui.telStatus.textContent = `${sessions.length} session(s) stored${invalidLines > 0 ? `, ${invalidLines} unreadable line(s)` : ''}.${upload}`;
  } catch (error) {
    ui.telStatus.textContent = `Telemetry unavailable: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function onExport(): Promise<void> {
  const text = await readLog();
  downloadText(text, `abrkit-telemetry-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`, 'application/x-ndjson');
  ui.telStatus.textContent = `Exported ${text === '' ? 0 : text.trimEnd().split('\n').length} events.`;
}

async function onClear(): Promise<void> {
  if (demoState.busy) return;
  try {
    await clearLog();
    await refreshTelemetry();
    ui.telStatus.textContent = `Cleared. ${ui.telStatus.textContent ?? ''}`;
  } catch (error) {
    ui.telStatus.textContent = `Could not clear: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function onUpload(): Promise<void> {
  if (demoState.busy) return;
  const endpoint = uploadEndpoint();
  if (!endpoint || !ui.uploadEndpoint.checkValidity()) {
    ui.telStatus.textContent = 'Enter a collector endpoint first (https, or http on localhost).';
    ui.uploadEndpoint.focus();
    return;
  }
  ui.telUpload.disabled = true;
  ui.telStatus.textContent = `Uploading to ${endpoint}…`;
  try {
    const result = await uploadStored(endpoint);
    await refreshTelemetry();
    ui.telStatus.textContent = result.settled
      ? `Uploaded ${result.eventsAccepted} events to ${endpoint}.`
      : `Upload incomplete after ${result.eventsAccepted} events${result.lastError ? ` (${result.lastError})` : ''}; the rest stays stored and will be retried.`;
  } catch (error) {
    ui.telStatus.textContent = `Upload failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    ui.telUpload.disabled = demoState.busy;
  }
}

function checkEndpointInput(): void {
  const value = ui.uploadEndpoint.value.trim();
  if (value === '') return ui.uploadEndpoint.setCustomValidity('');
  try {
    const url = new URL(value);
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    ui.uploadEndpoint.setCustomValidity(url.protocol === 'https:' || (url.protocol === 'http:' && local) ? '' : 'https only, except localhost');
  } catch {
    ui.uploadEndpoint.setCustomValidity('not a URL');
  }
  ui.uploadEndpoint.reportValidity();
}

async function start(): Promise<void> {
  fillPolicySelect(ui.policy, 'robustmpc');
  fillPolicySelect(ui.policyB, 'default');
  ui.form.addEventListener('submit', (event) => void onRun(event));
  ui.compare.addEventListener('click', () => void onCompare());
  ui.stop.addEventListener('click', () => abort?.abort());
  ui.traceFile.addEventListener('change', () => void onTraceFile());
  ui.telRefresh.addEventListener('click', () => void refreshTelemetry());
  ui.telExport.addEventListener('click', () => void onExport());
  ui.telClear.addEventListener('click', () => void onClear());
  ui.telUpload.addEventListener('click', () => void onUpload());
  ui.uploadEndpoint.addEventListener('change', checkEndpointInput);
  window.addEventListener('unhandledrejection', (event) => demoState.errors.push(`unhandled rejection: ${String(event.reason)}`));
  window.addEventListener('error', (event) => demoState.errors.push(String(event.message)));

  const response = await fetch('/api/config');
  if (!response.ok) throw new Error(`GET /api/config: ${response.status}`);
  config = (await response.json()) as DemoConfig;
  ui.playS.max = String(config.stream.durationS);
  ui.playS.value = String(config.stream.durationS);
  liveCharts = createLiveCharts(
    { throughput: $('chart-throughput'), buffer: $('chart-buffer'), qoe: $('chart-qoe') },
    () => current,
    () => currentTrace ?? (ui.network.value === 'upload' ? uploadedTrace : safeTrace()),
    () => Math.min(config!.stream.durationS, playSeconds()) + 4,
  );
  liveCharts.update();
  ui.network.addEventListener('change', () => {
    if (!demoState.busy) {
      currentTrace = null;
      current = null;
      liveCharts?.update();
    }
  });
  ui.seed.addEventListener('change', () => {
    if (!demoState.busy) {
      currentTrace = null;
      liveCharts?.update();
    }
  });
  let resizeFrame = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => {
      liveCharts?.resize();
      compareCharts?.resize();
    });
  }).observe(document.body);
  setStatus(`Ready: ${config.stream.durationS} s stream, ladder ${config.stream.ladderKbps.join('/')} kbps, ${config.stream.segmentDurationS} s segments.`);
  await refreshTelemetry();
}

function safeTrace(): Trace | null {
  try {
    return chosenTrace();
  } catch {
    return null;
  }
}

start().catch((error: unknown) => {
  setStatus(`The demo could not start: ${error instanceof Error ? error.message : String(error)}`, true);
});
