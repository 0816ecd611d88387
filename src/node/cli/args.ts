/**
 * Command-line parsing shared by the CLI's commands: typed options, usage errors without stack
 * traces.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad command-line usage: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `parseArgs` with `--help` handled and its errors turned into UsageError. */
export function parseCommandArgs<O extends Options>(args: string[], options: O, help: string) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${help}`);
  }
  if ((parsed.values as Record<string, unknown>).help) {
    console.log(help);
    process.exit(0);
  }
  return parsed as { values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K] extends { multiple: true } ? string[] : string }; positionals: string[] };
}

export function requireOption(value: string | undefined, name: string, help: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required\n\n${help}`);
  return value;
}

/** A whole number option; `fallback` when absent. */
export function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got '${value}'`);
  return n;
}

export function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${value}'`);
  return n;
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(value: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${value}'`);
  return value as T;
}
