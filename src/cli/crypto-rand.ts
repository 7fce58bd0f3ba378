// `castellan crypto rand`: prints a random value (client IDs, secrets, keys) as `Random Value: …`,
// plus a `Random Value (URL Encoded): …` line when URL encoding would change it, like Authelia.
import { EXIT_OK, parseFlags, type Command } from './command.ts';
import { CHARSET_HELP, DEFAULT_RANDOM_LENGTH, printWithURLEncoded, randomFromFlags } from './crypto-input.ts';

const HELP = `Usage: castellan crypto rand [--length N] [--charset NAME | --characters CHARS]

Prints "Random Value: <value>" drawn uniformly with a cryptographic random source, and
"Random Value (URL Encoded): <value>" when the value has characters that need URL encoding.

Flags:
  -n, --length N           number of characters (default ${DEFAULT_RANDOM_LENGTH})
  -x, --charset NAME       ${CHARSET_HELP}
                           (default alphanumeric; rfc3986 is A-Z a-z 0-9 - . _ ~)
      --characters CHARS   draw from exactly these characters instead of a charset
  -h, --help               show this help`;

const FLAGS = {
  length: { type: 'string', short: 'n' },
  charset: { type: 'string', short: 'x' },
  characters: { type: 'string' },
} as const;

const FLAG_NAMES = { length: 'length', charset: 'charset', characters: 'characters' } as const;

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, FLAGS);
  printWithURLEncoded('Random Value', randomFromFlags(FLAG_NAMES, values));
  return EXIT_OK;
}

export const CRYPTO_RAND: Command = {
  path: ['crypto', 'rand'],
  summary: 'print a random string (client IDs, secrets)',
  help: HELP,
  run,
};
