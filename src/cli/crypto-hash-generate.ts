// `castellan crypto hash generate [argon2|pbkdf2|scrypt|bcrypt|sha2crypt]`: hashes a password (from
// --password, --random, a hidden prompt or stdin) and prints `Digest: <digest>` in Authelia's encoding.
// Every flag is checked before the password is read, so a bad value never costs a prompt.
import { DIGEST_DEFAULTS, generateDigest, validateGenerateOptions, type GenerateAlgorithm, type GenerateOptions } from '../crypto/digest.ts';
import { ARGON2_VARIANTS } from '../crypto/argon2.ts';
import { BCRYPT_VARIANTS } from '../crypto/bcrypt.ts';
import { PBKDF2_DEFAULT_ITERATIONS, PBKDF2_VARIANTS } from '../crypto/pbkdf2.ts';
import { SCRYPT_VARIANTS } from '../crypto/scrypt.ts';
import { SHA2CRYPT_VARIANTS } from '../crypto/sha2crypt.ts';
import { EXIT_OK, integerFlag, parseFlags, UsageError, type Command } from './command.ts';
import { CHARSET_HELP, DEFAULT_RANDOM_LENGTH, printWithURLEncoded, randomFromFlags, readPassword } from './crypto-input.ts';

interface NumericFlag {
  readonly flag: string;
  readonly short: string;
  /** The GenerateOptions key the flag sets. */
  readonly option: string;
  readonly help: string;
  readonly fallback: string;
}

interface AlgorithmFlags {
  readonly variants: readonly string[];
  readonly numeric: readonly NumericFlag[];
}

const D = DIGEST_DEFAULTS;
const SALT = (fallback: number): NumericFlag => ({ flag: 'salt-size', short: 's', option: 'saltLength', help: 'salt length in bytes', fallback: String(fallback) });
const KEY = (fallback: number): NumericFlag => ({ flag: 'key-size', short: 'k', option: 'keyLength', help: 'key length in bytes', fallback: String(fallback) });

const ALGORITHMS: Readonly<Record<GenerateAlgorithm, AlgorithmFlags>> = {
  argon2: {
    variants: ARGON2_VARIANTS,
    numeric: [
      { flag: 'iterations', short: 'i', option: 'iterations', help: 'number of passes', fallback: String(D.argon2.iterations) },
      { flag: 'memory', short: 'm', option: 'memory', help: 'memory in KiB', fallback: String(D.argon2.memory) },
      { flag: 'parallelism', short: 'p', option: 'parallelism', help: 'number of lanes', fallback: String(D.argon2.parallelism) },
      KEY(D.argon2.keyLength),
      SALT(D.argon2.saltLength),
    ],
  },
  pbkdf2: {
    variants: PBKDF2_VARIANTS,
    numeric: [
      {
        flag: 'iterations', short: 'i', option: 'iterations', help: 'number of iterations',
        fallback: `by variant: ${Object.entries(PBKDF2_DEFAULT_ITERATIONS).map(([v, n]) => `${v} ${n}`).join(', ')}`,
      },
      SALT(D.pbkdf2.saltLength),
    ],
  },
  scrypt: {
    variants: SCRYPT_VARIANTS,
    numeric: [
      { flag: 'iterations', short: 'i', option: 'iterations', help: 'log2 of the cost N (ln)', fallback: String(D.scrypt.iterations) },
      { flag: 'block-size', short: 'r', option: 'blockSize', help: 'block size r', fallback: String(D.scrypt.blockSize) },
      { flag: 'parallelism', short: 'p', option: 'parallelism', help: 'parallelism p', fallback: String(D.scrypt.parallelism) },
      KEY(D.scrypt.keyLength),
      SALT(D.scrypt.saltLength),
    ],
  },
  bcrypt: {
    variants: BCRYPT_VARIANTS,
    numeric: [{ flag: 'cost', short: 'i', option: 'cost', help: 'cost (log2 rounds)', fallback: String(D.bcrypt.cost) }],
  },
  sha2crypt: {
    variants: SHA2CRYPT_VARIANTS,
    numeric: [
      { flag: 'iterations', short: 'i', option: 'iterations', help: 'number of rounds', fallback: String(D.sha2crypt.iterations) },
      SALT(D.sha2crypt.saltLength),
    ],
  },
};

// Authelia's `--profile` presets for argon2 (explicit flags still win).
const ARGON2_PROFILES: Readonly<Record<string, { iterations: number; memory: number; parallelism: number }>> = {
  'low-memory': { iterations: 3, memory: 65536, parallelism: 4 },
  recommended: { iterations: 1, memory: 2097152, parallelism: 4 },
};

const COMMON_FLAGS = {
  password: { type: 'string' },
  random: { type: 'boolean' },
  'random.length': { type: 'string' },
  'random.charset': { type: 'string' },
  'random.characters': { type: 'string' },
  'no-confirm': { type: 'boolean' },
  variant: { type: 'string', short: 'v' },
} as const;

const RANDOM_FLAG_NAMES = { length: 'random.length', charset: 'random.charset', characters: 'random.characters' } as const;

type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
type FlagValues = Record<string, string | boolean | undefined>;

function flagSpec(algorithm: GenerateAlgorithm): FlagSpec {
  const spec: FlagSpec = { ...COMMON_FLAGS };
  for (const f of ALGORITHMS[algorithm].numeric) spec[f.flag] = { type: 'string', short: f.short };
  if (algorithm === 'argon2') spec.profile = { type: 'string' };
  return spec;
}

function defaultVariant(algorithm: GenerateAlgorithm): string {
  return DIGEST_DEFAULTS[algorithm].variant;
}

function helpText(algorithm: GenerateAlgorithm, words: string): string {
  const { variants, numeric } = ALGORITHMS[algorithm];
  const row = (flags: string, text: string): string => `  ${flags.padEnd(28)}${text}`;
  const lines = [
    `Usage: castellan ${words} [flags]`,
    '',
    `Hashes a password with ${algorithm} and prints "Digest: <digest>" in Authelia's encoding. Without`,
    '--password or --random the password is read from a hidden prompt (on a terminal) or from the first',
    'line of stdin.',
    ...(words.endsWith('generate') ? ['', 'Algorithms: argon2 (default), pbkdf2, scrypt, bcrypt, sha2crypt; run', "'castellan crypto hash generate <algorithm> --help' for each one's flags."] : []),
    '',
    'Flags:',
    row('-v, --variant NAME', `${variants.join(', ')} (default ${defaultVariant(algorithm)})`),
    ...numeric.map((f) => row(`-${f.short}, --${f.flag} N`, `${f.help} (default ${f.fallback})`)),
    ...(algorithm === 'argon2' ? [row('    --profile NAME', 'low-memory (t=3 m=65536 p=4) or recommended (t=1 m=2097152 p=4)')] : []),
    row('    --password TEXT', 'the password to hash (default: prompt or stdin)'),
    row('    --random', 'hash a random password and print it as "Random Password: …"'),
    row('    --random.length N', `length of the random password (default ${DEFAULT_RANDOM_LENGTH})`),
    row('    --random.charset NAME', CHARSET_HELP),
    row('', '(default alphanumeric)'),
    row('    --random.characters S', 'draw the random password from these characters instead'),
    row('    --no-confirm', 'do not ask to confirm a prompted password'),
    row('-h, --help', 'show this help'),
  ];
  return lines.join('\n');
}

/** Builds GenerateOptions from flag values; unknown variants and non-numbers are UsageErrors. */
function optionsFromFlags(algorithm: GenerateAlgorithm, values: FlagValues): GenerateOptions {
  const { variants, numeric } = ALGORITHMS[algorithm];
  const variant = values.variant;
  if (typeof variant === 'string' && !variants.includes(variant)) {
    throw new UsageError(`--variant must be one of ${variants.join(', ')} for ${algorithm} but is '${variant}'`);
  }
  const options: Record<string, unknown> = { algorithm, variant };
  if (typeof values.profile === 'string') {
    const profile = ARGON2_PROFILES[values.profile];
    if (!profile) throw new UsageError(`--profile must be one of ${Object.keys(ARGON2_PROFILES).join(', ')} but is '${values.profile}'`);
    Object.assign(options, profile);
  }
  for (const f of numeric) {
    const value = values[f.flag];
    if (typeof value === 'string') options[f.option] = integerFlag(f.flag, value, 0, 0);
  }
  const generate = options as GenerateOptions;
  const problems = validateGenerateOptions(generate);
  if (problems.length > 0) {
    const flagOf = (option: string): string => numeric.find((f) => f.option === option)?.flag ?? option;
    throw new UsageError(problems.map((p) => `--${flagOf(p.option)} ${p.message}`).join('; '));
  }
  return generate;
}

function generateCommand(algorithm: GenerateAlgorithm, path: readonly string[]): Command {
  const spec = flagSpec(algorithm);
  return {
    path,
    summary: path.length === 3 ? 'hash a password (argon2 unless an algorithm is named)' : `hash a password with ${algorithm}`,
    help: helpText(algorithm, path.join(' ')),
    async run(args: string[]): Promise<number> {
      const { values } = parseFlags(args, spec) as { values: FlagValues };
      const options = optionsFromFlags(algorithm, values);
      const password = await passwordFrom(values);
      const digest = await generateDigest(options, password);
      if (values.random) printWithURLEncoded('Random Password', password);
      process.stdout.write(`Digest: ${digest}\n`);
      return EXIT_OK;
    },
  };
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** --random, else --password, else the prompt or stdin. */
async function passwordFrom(values: FlagValues): Promise<string> {
  if (values.random && values.password !== undefined) throw new UsageError('--password and --random cannot be used together');
  if (values.random) {
    return randomFromFlags(RANDOM_FLAG_NAMES, { length: str(values['random.length']), charset: str(values['random.charset']), characters: str(values['random.characters']) });
  }
  const password = str(values.password) ?? (await readPassword(values['no-confirm'] !== true));
  if (password.length === 0) throw new Error('no password provided');
  return password;
}

export const CRYPTO_HASH_GENERATE_COMMANDS: readonly Command[] = [
  generateCommand('argon2', ['crypto', 'hash', 'generate']),
  ...(Object.keys(ALGORITHMS) as GenerateAlgorithm[]).map((a) => generateCommand(a, ['crypto', 'hash', 'generate', a])),
];
