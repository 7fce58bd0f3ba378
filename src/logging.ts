// Process-wide logger: pino, JSON or human-readable text per `log.format`, level per `log.level`.
// Secrets never reach it: callers log ids and outcomes, never passwords, tokens or secrets.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { LogConfig } from './config/types.ts';

export type { Logger } from 'pino';

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** One JSON log record → `2026-12-01T21:00:00.000Z INFO  message key=value …`. */
export function formatText(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = new Date(Number(record['time'])).toISOString();
  const level = (LEVEL_NAMES[Number(record['level'])] ?? String(record['level'])).toUpperCase().padEnd(5);
  const fields = Object.entries(record).filter(([k]) => !OMIT.has(k)).map(([k, v]) => `${k}=${formatValue(v)}`);
  return `${time} ${level} ${String(record['msg'] ?? '')}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}`;
}

function textStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done): void {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') out.write(`${formatText(line)}\n`);
      done();
    },
  });
}

export function createLogger(config: Pick<LogConfig, 'level' | 'format'>, out: NodeJS.WritableStream = process.stdout): Logger {
  const options = { level: config.level, base: undefined, redact: { paths: ['password', 'client_secret', '*.password', '*.client_secret', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' } };
  return pino(options, config.format === 'json' ? (out as NodeJS.WritableStream & { write(s: string): boolean }) : textStream(out));
}
