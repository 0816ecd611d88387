/**
 * Where the collector stores accepted batches: the NDJSON files (the embedded default) or ClickHouse.
 * A sink stores each batch at most once by its key and resolves only when the batch is stored.
 */
export interface ParsedEvent {
  /** The event as JSON, one line (re-serialised after validation). */
  readonly line: string;
  readonly value: Readonly<Record<string, unknown>>;
}

export interface IncomingBatch {
  /** The Idempotency-Key. */
  readonly key: string;
  readonly events: readonly ParsedEvent[];
  /** Collector wall clock when the batch arrived, epoch ms. */
  readonly receivedMs: number;
}

export type BatchOutcome = 'accepted' | 'duplicate';

export interface EventSink {
  readonly kind: 'ndjson' | 'clickhouse';
  /**
   * Stores a group of batches, in one write where the store allows; resolves with each batch's outcome
   * (a key stored before, or earlier in the same group, is a duplicate) once they are durable. Throws
   * when nothing can be promised: the caller answers 5xx and the client retries under the same key.
   */
  store(batches: readonly IncomingBatch[]): Promise<BatchOutcome[]>;
  close(): Promise<void>;
}
