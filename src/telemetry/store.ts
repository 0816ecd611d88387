/**
 * Where events wait until they are exported or uploaded. Rows hold the event's JSON line (so the
 * bytes are known and nothing is cloned twice), and, once an uploader claims them, the key of
 * the batch they travel in. A batch's rows keep that key until a 2xx deletes them, so a batch
 * resent after a reload or a crash has the same `Idempotency-Key` and the collector drops the copy.
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPObjectStore } from 'idb';

export interface StoredRow {
  readonly id?: number;
  readonly sid: string;
  readonly seq: number;
  readonly line: string;
  /** Batch key once claimed for upload; absent while unclaimed (so the row is not in the index). */
  readonly batch?: string;
}

export interface TelemetryDB extends DBSchema {
  events: { key: number; value: StoredRow; indexes: { batch: string } };
}

export interface AppendResult {
  /** Rows written. */
  readonly written: number;
  /** Oldest rows deleted to keep the log within `maxRows`. */
  readonly evicted: number;
  /** Rows refused by storage (quota) even after making room: lost, and counted. */
  readonly droppedOnQuota: number;
}

export interface Batch {
  readonly key: string;
  readonly lines: readonly string[];
  readonly bytes: number;
}

export type StoreStatus =
  | { readonly backend: 'indexeddb' }
  | { readonly backend: 'memory'; readonly reason: 'requested' | 'indexeddb-unavailable' | 'open-failed'; readonly detail?: string };

export interface TelemetryStore {
  readonly status: StoreStatus;
  /**
   * Appends rows in one transaction; `batch` pre-assigns them to a batch (the pagehide beacon).
   * `unloading`: the page is going away, so every request is issued synchronously and the
   * transaction committed at once (a transaction still waiting on script when the page dies is
   * aborted); the ring-buffer trim is left to the next write.
   */
  append(rows: readonly { sid: string; seq: number; line: string }[], batch?: string, unloading?: boolean): Promise<AppendResult>;
  /**
   * The next batch to send: the oldest batch already claimed (resent with its key), else up to
   * `maxEvents` / `maxBytes` of unclaimed rows, oldest first, claimed under `newKey()`.
   */
  claimBatch(maxEvents: number, maxBytes: number, newKey: () => string): Promise<Batch | null>;
  /** Deletes a batch's rows after the collector accepted it. */
  deleteBatch(key: string): Promise<number>;
  /** Marks a batch the collector refused for good, so it is kept (for export) but not resent. */
  quarantineBatch(key: string): Promise<void>;
  lines(): Promise<string[]>;
  count(): Promise<number>;
  close(): void;
}

export interface StoreOptions {
  readonly dbName: string;
  /** Ring-buffer bound: the log never holds more rows than this. */
  readonly maxRows: number;
  /**
   * The IndexedDB factory; default `globalThis.indexedDB`; `null` means "unavailable" (as in some
   * private modes). idb needs the IndexedDB classes as globals: in node tests import `fake-indexeddb/auto`.
   */
  readonly indexedDB?: IDBFactory | null;
}

const QUARANTINE_PREFIX = 'rejected:';
const DB_VERSION = 1;

/** Opens the IndexedDB store, or the in-memory one (with a status that says why) when IndexedDB is unavailable. */
export async function openTelemetryStore(options: StoreOptions): Promise<TelemetryStore> {
  const factory = options.indexedDB === undefined ? (globalThis as { indexedDB?: IDBFactory }).indexedDB : options.indexedDB;
  if (!factory) return createMemoryStore(options.maxRows, { backend: 'memory', reason: 'indexeddb-unavailable' });
  try {
    const db = await openWith(factory, options.dbName);
    return new IdbStore(db, options.maxRows);
  } catch (error) {
    // Firefox private mode and some embedded webviews refuse to open a database at all.
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return createMemoryStore(options.maxRows, { backend: 'memory', reason: 'open-failed', detail });
  }
}

async function openWith(factory: IDBFactory, name: string): Promise<IDBPDatabase<TelemetryDB>> {
  const request = factory.open(name, DB_VERSION);
  request.onupgradeneeded = () => {
    const events = request.result.createObjectStore('events', { keyPath: 'id', autoIncrement: true });
    events.createIndex('batch', 'batch');
  };
  const db = (await wrap(request)) as unknown as IDBPDatabase<TelemetryDB> | undefined;
  if (!db) throw new Error('IndexedDB open returned no database');
  // A newer version opened in another tab: let it upgrade; this tab's writes then fail and are counted.
  db.addEventListener('versionchange', () => db.close());
  return db;
}

export function isQuotaError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'QuotaExceededError' || /quota/i.test(error.message));
}

class IdbStore implements TelemetryStore {
  readonly status: StoreStatus = { backend: 'indexeddb' };
  readonly #db: IDBPDatabase<TelemetryDB>;
  readonly #maxRows: number;

  constructor(db: IDBPDatabase<TelemetryDB>, maxRows: number) {
    this.#db = db;
    this.#maxRows = maxRows;
  }

  async append(rows: readonly { sid: string; seq: number; line: string }[], batch?: string, unloading = false): Promise<AppendResult> {
    if (rows.length === 0) return { written: 0, evicted: 0, droppedOnQuota: 0 };
    try {
      await this.#add(rows, batch);
    } catch (error) {
      // Out of quota: the new rows are dropped and counted. Evicting old rows would not help at
      // once (Chromium frees deleted IndexedDB space only on compaction) and would destroy older
      // undelivered events and the log's own loss records.
      if (!isQuotaError(error)) throw error;
      return { written: 0, evicted: 0, droppedOnQuota: rows.length };
    }
    // The ring-buffer trim runs in its own transaction: if the page dies first, nothing is lost
    // and the next write trims. At unload it is not even started.
    const evicted = unloading ? 0 : await this.#trim();
    return { written: rows.length, evicted, droppedOnQuota: 0 };
  }

  /**
   * Adds rows in one transaction whose every request is issued synchronously and which is
   * committed at once: Chromium aborts a transaction that is still waiting on script when the
   * page goes away, so a write never waits on a callback before it commits.
   */
  async #add(rows: readonly { sid: string; seq: number; line: string }[], batch: string | undefined): Promise<void> {
    // Relaxed durability: the OS may lose the last writes on power loss, never on a tab reload.
    const tx = this.#db.transaction('events', 'readwrite', { durability: 'relaxed' });
    const adds = rows.map((row) => tx.store.add(batch === undefined ? { ...row } : { ...row, batch }));
    tx.commit();
    await Promise.all([...adds, tx.done]);
  }

  /** Count and delete in one transaction, so two tabs trimming at once do not both evict. */
  async #trim(): Promise<number> {
    const tx = this.#db.transaction('events', 'readwrite', { durability: 'relaxed' });
    const done = tx.done;
    done.catch(() => {}); // awaited below
    const over = (await tx.store.count()) - this.#maxRows;
    const deleted = over > 0 ? await deleteOldest(tx.store, over) : 0;
    await done;
    return deleted;
  }

  async claimBatch(maxEvents: number, maxBytes: number, newKey: () => string): Promise<Batch | null> {
    const tx = this.#db.transaction('events', 'readwrite', { durability: 'relaxed' });
    const store = tx.objectStore('events');
    // An already claimed batch goes first, with its key; rows are read in id (insertion) order.
    let claimedKey: string | null = null;
    for (let cursor = await store.index('batch').openCursor(); cursor; cursor = await cursor.continue()) {
      if (!cursor.value.batch!.startsWith(QUARANTINE_PREFIX)) {
        claimedKey = cursor.value.batch!;
        break;
      }
    }
    if (claimedKey !== null) {
      const rows = await store.index('batch').getAll(claimedKey);
      await tx.done;
      rows.sort((a, b) => a.id! - b.id!);
      return toBatch(claimedKey, rows.map((r) => r.line));
    }
    let key: string | null = null;
    const lines: string[] = [];
    let bytes = 0;
    for (let cursor = await store.openCursor(); cursor && lines.length < maxEvents; cursor = await cursor.continue()) {
      const row = cursor.value;
      if (row.batch !== undefined) continue;
      const size = byteLength(row.line) + 1;
      if (lines.length > 0 && bytes + size > maxBytes) break;
      lines.push(row.line);
      bytes += size;
      key ??= newKey();
      await cursor.update({ ...row, batch: key });
    }
    await tx.done;
    return key === null ? null : toBatch(key, lines);
  }

  async deleteBatch(key: string): Promise<number> {
    const tx = this.#db.transaction('events', 'readwrite', { durability: 'relaxed' });
    let deleted = 0;
    for (let cursor = await tx.store.index('batch').openCursor(key); cursor; cursor = await cursor.continue()) {
      await cursor.delete();
      deleted++;
    }
    await tx.done;
    return deleted;
  }

  async quarantineBatch(key: string): Promise<void> {
    const tx = this.#db.transaction('events', 'readwrite');
    for (let cursor = await tx.store.index('batch').openCursor(key); cursor; cursor = await cursor.continue()) {
      await cursor.update({ ...cursor.value, batch: QUARANTINE_PREFIX + key });
    }
    await tx.done;
  }

  async lines(): Promise<string[]> {
    return (await this.#db.getAll('events')).map((r) => r.line);
  }

  count(): Promise<number> {
    return this.#db.count('events');
  }

  close(): void {
    this.#db.close();
  }
}

type EventsWriteStore = IDBPObjectStore<TelemetryDB, ['events'], 'events', 'readwrite'>;

async function deleteOldest(store: EventsWriteStore, n: number): Promise<number> {
  let deleted = 0;
  for (let cursor = await store.openCursor(); cursor && deleted < n; cursor = await cursor.continue()) {
    await cursor.delete();
    deleted++;
  }
  return deleted;
}

/** The fallback when IndexedDB is unavailable: same behaviour, but gone when the page goes. */
export function createMemoryStore(maxRows: number, status: StoreStatus = { backend: 'memory', reason: 'requested' }): TelemetryStore {
  let rows: { id: number; sid: string; seq: number; line: string; batch?: string }[] = [];
  let nextId = 1;
  return {
    status,
    async append(added, batch) {
      for (const row of added) rows.push(batch === undefined ? { ...row, id: nextId++ } : { ...row, id: nextId++, batch });
      const evicted = Math.max(0, rows.length - maxRows);
      if (evicted > 0) rows = rows.slice(evicted);
      return { written: added.length, evicted, droppedOnQuota: 0 };
    },
    async claimBatch(maxEvents, maxBytes, newKey) {
      const claimed = rows.find((r) => r.batch !== undefined && !r.batch.startsWith(QUARANTINE_PREFIX));
      if (claimed) return toBatch(claimed.batch!, rows.filter((r) => r.batch === claimed.batch).map((r) => r.line));
      let key: string | null = null;
      const lines: string[] = [];
      let bytes = 0;
      for (const row of rows) {
        if (lines.length >= maxEvents) break;
        if (row.batch !== undefined) continue;
        const size = byteLength(row.line) + 1;
        if (lines.length > 0 && bytes + size > maxBytes) break;
        key ??= newKey();
        row.batch = key;
        lines.push(row.line);
        bytes += size;
      }
      return key === null ? null : toBatch(key, lines);
    },
    async deleteBatch(key) {
      const before = rows.length;
      rows = rows.filter((r) => r.batch !== key);
      return before - rows.length;
    },
    async quarantineBatch(key) {
      for (const row of rows) if (row.batch === key) row.batch = QUARANTINE_PREFIX + key;
    },
    async lines() {
      return rows.map((r) => r.line);
    },
    async count() {
      return rows.length;
    },
    close() {},
  };
}

function toBatch(key: string, lines: readonly string[]): Batch {
  return { key, lines, bytes: lines.reduce((sum, line) => sum + byteLength(line) + 1, 0) };
}

const encoder = new TextEncoder();
export function byteLength(text: string): number {
  // ASCII fast path: JSON of our events is almost always ASCII.
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return encoder.encode(text).length;
  return text.length;
}
