/**
 * Every error abrkit raises is an `AbrkitError` with a stable `code`, so callers can branch on
 * the code rather than on message text. Loaders add the file and line that went wrong.
 */
export type AbrkitErrorCode =
  | 'invalid-options'
  | 'invalid-ladder'
  | 'trace-parse'
  | 'ladder-parse'
  | 'policy-failed'
  | 'invalid-decision'
  | 'invalid-sample'
  /** A store (IndexedDB) could not be read or written; the caller carried on without it. */
  | 'storage-failed'
  // Reading a stream's manifest (abrkit/node `inspectStream`, `abrkit eval --manifest`):
  /** The manifest (or a media playlist it names) is not there: HTTP 404/410, or no such file. */
  | 'manifest-not-found'
  /** The file is neither an HLS playlist (`#EXTM3U`) nor a DASH MPD (`<MPD>`). */
  | 'not-a-manifest'
  /** The manifest is HLS or DASH but malformed, or uses a feature abrkit does not read; names file and line. */
  | 'manifest-parse'
  /** The manifest lists no video rendition (audio only, or every variant filtered out). */
  | 'no-video-variants'
  /** The origin could not be reached: connection refused, DNS failure, timeout. */
  | 'unreachable-origin'
  /** The origin answered with an HTTP error other than not-found (403, 500, ...). */
  | 'origin-http-error'
  /** A segment's size could not be learnt: no byte range, no sidx, and HEAD gave no Content-Length. */
  | 'segment-size-unknown';

export class AbrkitError extends Error {
  readonly code: AbrkitErrorCode;

  constructor(code: AbrkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbrkitError';
    this.code = code;
  }
}

/** A file we were asked to load is malformed. `line` is 1-based; absent when the whole file is at fault. */
export class ParseError extends AbrkitError {
  readonly file: string;
  readonly line: number | undefined;

  constructor(
    code: 'trace-parse' | 'ladder-parse' | 'manifest-parse',
    file: string,
    line: number | undefined,
    detail: string,
  ) {
    super(code, `${file}${line === undefined ? '' : `:${line}`}: ${detail}`);
    this.name = 'ParseError';
    this.file = file;
    this.line = line;
  }
}

export function invalidOptions(component: string, detail: string): AbrkitError {
  return new AbrkitError('invalid-options', `${component}: ${detail}`);
}

/** Wraps anything thrown by a policy so the controller can report it with a code. */
export function asAbrkitError(error: unknown, code: AbrkitErrorCode, context: string): AbrkitError {
  if (error instanceof AbrkitError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new AbrkitError(code, `${context}: ${detail}`, { cause: error });
}
