/** Telemetry export: the stored log as an NDJSON Blob. */
import { openTelemetryStore } from './store.js';
import { NDJSON_CONTENT_TYPE } from './upload.js';
import { TELEMETRY_DEFAULTS } from './recorder.js';

export interface ExportOptions {
  readonly dbName?: string;
  readonly indexedDB?: IDBFactory | null;
}

/**
 * Everything in the page's telemetry log (every session, every tab) as an NDJSON Blob, one event
 * a line, oldest first. Feed it to `abrkit telemetry to-traces`. Events still queued in a live
 * recorder are not included: call its `flush()` first (or use its `exportNdjson()`).
 */
export async function exportTelemetry(options: ExportOptions = {}): Promise<Blob> {
  const store = await openTelemetryStore({
    dbName: options.dbName ?? TELEMETRY_DEFAULTS.dbName,
    maxRows: Number.MAX_SAFE_INTEGER,
    ...(options.indexedDB !== undefined ? { indexedDB: options.indexedDB } : {}),
  });
  try {
    const lines = await store.lines();
    return new Blob(lines.length === 0 ? [] : [lines.join('\n') + '\n'], { type: NDJSON_CONTENT_TYPE });
  } finally {
    store.close();
  }
}
