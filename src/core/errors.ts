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
  | 'storage-failed';

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
    code: 'trace-parse' | 'ladder-parse',
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
