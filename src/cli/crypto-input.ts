// Input helpers shared by the `crypto` commands: reading a password (hidden prompt on a terminal,
// first line of stdin otherwise), drawing a random value from --charset/--characters flags, and Go's
// url.QueryEscape so printed values match Authelia's "(URL Encoded)" lines.
import { CHARSETS, DEFAULT_CHARSET, isCharset, randomCharacters } from '../crypto/random.ts';
import { integerFlag, UsageError } from './command.ts';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACES = new Set(['\u007f', '\b']);
const MAX_RANDOM_LENGTH = 1048576;

export const DEFAULT_RANDOM_LENGTH = 72;
export const CHARSET_NAMES = Object.keys(CHARSETS).join(', ');
/** Charset names for help texts, short enough for one line. */
export const CHARSET_HELP = 'ascii, alphanumeric, alphabetic, numeric, numeric-hex, rfc3986, and -lower/-upper forms';

/** Reads one line from the terminal in raw mode, echoing nothing. Prompts go to stderr. */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setEncoding('utf8');
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === CTRL_D) {
          finish();
          resolve(value);
          return;
        }
        if (ch === CTRL_C) {
          finish();
          reject(new Error('interrupted'));
          return;
        }
        value = BACKSPACES.has(ch) ? [...value].slice(0, -1).join('') : value + ch;
      }
    };
    input.on('data', onData);
  });
}

/** The first line of a piped stdin, without its line ending. */
async function readFirstLine(): Promise<string> {
  process.stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

/**
 * Reads a password: on a terminal "Enter Password: " (and "Confirm Password: " unless `confirm` is
 * false) with hidden input, otherwise the first line of stdin. Throws when it is empty or unconfirmed.
 */
export async function readPassword(confirm: boolean): Promise<string> {
  if (!process.stdin.isTTY) {
    const password = await readFirstLine();
    if (password.length === 0) throw new Error('no password provided on stdin');
    return password;
  }
  const password = await promptHidden('Enter Password: ');
  if (password.length === 0) throw new Error('no password provided');
  if (confirm && (await promptHidden('Confirm Password: ')) !== password) {
    throw new Error('the password did not match the confirmation password');
  }
  return password;
}

/** Draws a random value from the named charset or a custom character list (flag names are for messages). */
export function randomFromFlags(
  flags: { readonly length: string; readonly charset: string; readonly characters: string },
  values: { readonly length?: string | undefined; readonly charset?: string | undefined; readonly characters?: string | undefined },
): string {
  const length = integerFlag(flags.length, values.length, DEFAULT_RANDOM_LENGTH, 1, MAX_RANDOM_LENGTH);
  if (values.charset !== undefined && values.characters !== undefined) {
    throw new UsageError(`--${flags.charset} and --${flags.characters} cannot be used together`);
  }
  if (values.characters !== undefined) {
    if (new Set(values.characters).size < 2) throw new UsageError(`--${flags.characters} must list at least two different characters`);
    return randomCharacters(length, values.characters);
  }
  const charset = values.charset ?? DEFAULT_CHARSET;
  if (!isCharset(charset)) throw new UsageError(`--${flags.charset} must be one of ${CHARSET_NAMES} but is '${charset}'`);
  return randomCharacters(length, CHARSETS[charset]);
}

/** Go's url.QueryEscape: everything but A-Z a-z 0-9 - _ . ~ is %XX-escaped, and space becomes '+'. */
export function queryEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Writes `Label: value` and, when URL encoding changes the value, `Label (URL Encoded): …`. */
export function printWithURLEncoded(label: string, value: string): void {
  process.stdout.write(`${label}: ${value}\n`);
  const encoded = queryEscape(value);
  if (encoded !== value) process.stdout.write(`${label} (URL Encoded): ${encoded}\n`);
}
