// The shape every CLI command shares, and the one error type that means "you called it wrong".
// A command parses its own flags with `parseFlags`, prints to stdout/stderr and returns an exit code;
// `main` turns a thrown UsageError into one line on stderr and exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  /** Words after `castellan`, e.g. ['crypto', 'rand']. */
  readonly path: readonly string[];
  /** One line for the command list. */
  readonly summary: string;
  /** Full help text printed by `--help`. */
  readonly help: string;
  run(args: string[]): Promise<number>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedFlags<O extends Options> {
  values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? (O[K]['multiple'] extends true ? boolean[] : boolean) : (O[K]['multiple'] extends true ? string[] : string) };
  positionals: string[];
}

/** Parses flags strictly; any unknown flag or missing value becomes a UsageError. */
export function parseFlags<O extends Options>(args: string[], options: O, allowPositionals = false): ParsedFlags<O> {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals, allowNegative: false });
    return parsed as unknown as ParsedFlags<O>;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] ?? String(error) : String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/, ''));
  }
}

/** Parses a flag value that must be a positive integer within bounds. */
export function integerFlag(name: string, value: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number but is '${value}'`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max} but is ${n}`);
  return n;
}
