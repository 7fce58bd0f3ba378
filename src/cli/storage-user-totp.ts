// `castellan storage user totp generate|delete|export`: TOTP configurations managed by an admin, as
// Authelia's commands of the same names do, against the storage the configuration names. Exit 0 on
// success, 1 when the configuration or the storage refuses (the reason on stderr), 2 for misuse.
import { ConfigError, formatIssue, loadConfig } from '../config/index.ts';
import type { Config } from '../config/types.ts';
import { canonicalTOTPSecret, generateTOTPSecret, otpauthURI, totpAlgorithm, totpParameters } from '../identity/totp.ts';
import { openStorage, type Storage } from '../storage/database.ts';
import { deleteTOTP, listTOTP, saveTOTP, type TOTPAlgorithm, type TOTPConfiguration, type TOTPSecretParameters } from '../storage/totp.ts';
import { EXIT_FAILURE, EXIT_OK, integerFlag, parseFlags, UsageError, type Command, type ParsedFlags } from './command.ts';
import { CONFIG_FLAG, CONFIG_HELP, configFiles } from './config-options.ts';

const GENERATE_HELP = `Usage: castellan storage user totp generate USER [--secret BASE32] [--force] [flags] [--config FILE]...

Creates a TOTP configuration for USER (the username exactly as the authentication backend stores
it) and prints "Secret: <base32>" and "URI: otpauth://…" for an authenticator app or a script. A
user who already has one keeps it unless --force is given. Parameters default to the totp: section.

Flags:
      --secret BASE32     use this secret (at least 16 bytes) instead of a random one
      --force             replace the user's existing TOTP configuration
      --issuer NAME       issuer shown in authenticator apps (default totp.issuer)
      --algorithm NAME    SHA1, SHA256 or SHA512 (default totp.algorithm)
      --digits N          6 or 8 (default totp.digits)
      --period SECONDS    seconds per code (default totp.period)
      --secret-size N     bytes of a random secret, at least 20 (default totp.secret_size)
${CONFIG_HELP}
  -h, --help              show this help`;

const DELETE_HELP = `Usage: castellan storage user totp delete USER [--config FILE]...

Deletes USER's TOTP configuration; the user enrols again at the next second-factor sign-in. Exits
1 when USER has none.

Flags:
${CONFIG_HELP}
  -h, --help          show this help`;

const EXPORT_HELP = `Usage: castellan storage user totp export [--format uri|csv] [--config FILE]...

Prints every TOTP configuration, secrets included, for backup or migration: one otpauth:// URI per
line (uri, the default), or CSV with the header issuer,username,algorithm,digits,period,secret.
Keep the output as safe as the storage encryption key.

Flags:
      --format FORMAT   uri or csv (default uri)
${CONFIG_HELP}
  -h, --help            show this help`;

const GENERATE_FLAGS = {
  ...CONFIG_FLAG,
  secret: { type: 'string' },
  force: { type: 'boolean' },
  issuer: { type: 'string' },
  algorithm: { type: 'string' },
  digits: { type: 'string' },
  period: { type: 'string' },
  'secret-size': { type: 'string' },
} as const;

const EXPORT_FLAGS = { ...CONFIG_FLAG, format: { type: 'string' } } as const;

const EXPORT_FORMATS = ['uri', 'csv'] as const;
const CSV_HEADER = 'issuer,username,algorithm,digits,period,secret';

/** Loads the configuration as serve does; on errors prints them and returns undefined. */
async function loadOrReport(flags: string[] | undefined): Promise<Config | undefined> {
  try {
    return (await loadConfig({ files: configFiles(flags) })).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.errors) process.stderr.write(`error: ${formatIssue(issue)}\n`);
    process.stderr.write(`The configuration has ${error.errors.length} error(s); run 'castellan validate-config' for details.\n`);
    return undefined;
  }
}

/** Runs `work` against the storage the configuration names; exit 1 when the configuration is invalid. */
async function withStorage(flags: string[] | undefined, work: (storage: Storage, config: Config) => number): Promise<number> {
  const config = await loadOrReport(flags);
  if (!config) return EXIT_FAILURE;
  const storage = openStorage({ path: config.storage.local!.path!, encryptionKey: config.storage.encryption_key! });
  try {
    return work(storage, config);
  } finally {
    storage.close();
  }
}

function oneUser(positionals: string[]): string {
  if (positionals.length !== 1 || positionals[0] === '') throw new UsageError(`expected exactly one USER argument but got ${positionals.length}`);
  return positionals[0]!;
}

function digitsFlag(value: string): 6 | 8 {
  if (value !== '6' && value !== '8') throw new UsageError(`--digits must be 6 or 8 but is '${value}'`);
  return Number(value) as 6 | 8;
}

function algorithmFlag(value: string): TOTPAlgorithm {
  try {
    return totpAlgorithm(value);
  } catch (error) {
    throw new UsageError(`--algorithm: ${(error as Error).message}`);
  }
}

function secretFlag(value: string): string {
  const secret = canonicalTOTPSecret(value);
  if (secret === undefined) throw new UsageError('--secret must be base32 (A-Z, 2-7) of at least 16 bytes');
  return secret;
}

/** Only the parameters given as flags, checked before anything is loaded. */
function parameterFlags(values: ParsedFlags<typeof GENERATE_FLAGS>['values']): Partial<TOTPSecretParameters> & { secretSize?: number } {
  const given: Partial<TOTPSecretParameters> & { secretSize?: number } = {};
  if (values.issuer !== undefined) given.issuer = values.issuer;
  if (values.algorithm !== undefined) given.algorithm = algorithmFlag(values.algorithm);
  if (values.digits !== undefined) given.digits = digitsFlag(values.digits);
  if (values.period !== undefined) given.period = integerFlag('period', values.period, 0, 1, 86_400);
  if (values.secret !== undefined) given.secret = secretFlag(values.secret);
  if (values['secret-size'] !== undefined) given.secretSize = integerFlag('secret-size', values['secret-size'], 0, 20, 1024);
  return given;
}

async function generate(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, GENERATE_FLAGS, true);
  const username = oneUser(positionals);
  const { secretSize, ...given } = parameterFlags(values);
  return withStorage(values.config, (storage, config) => {
    const parameters: TOTPSecretParameters = {
      ...totpParameters(config.totp),
      ...given,
      secret: given.secret ?? generateTOTPSecret({ secret_size: secretSize ?? config.totp.secret_size }),
    };
    if (!saveTOTP(storage, username, parameters, { replace: values.force === true })) {
      throw new Error(`user '${username}' already has a TOTP configuration; use --force to replace it`);
    }
    process.stdout.write(`Saved the TOTP configuration of user '${username}'.\nSecret: ${parameters.secret}\nURI: ${otpauthURI({ username, ...parameters })}\n`);
    return EXIT_OK;
  });
}

async function remove(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, CONFIG_FLAG, true);
  const username = oneUser(positionals);
  return withStorage(values.config, (storage) => {
    if (!deleteTOTP(storage, username)) throw new Error(`user '${username}' has no TOTP configuration`);
    process.stdout.write(`Deleted the TOTP configuration of user '${username}'.\n`);
    return EXIT_OK;
  });
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(c: TOTPConfiguration): string {
  return [c.issuer, c.username, c.algorithm, c.digits, c.period, c.secret].map(csvField).join(',');
}

async function exportAll(args: string[]): Promise<number> {
  const { values } = parseFlags(args, EXPORT_FLAGS);
  const format = values.format ?? 'uri';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')} but is '${format}'`);
  return withStorage(values.config, (storage) => {
    const configurations = listTOTP(storage);
    const lines = format === 'csv' ? [CSV_HEADER, ...configurations.map(csvLine)] : configurations.map((c) => otpauthURI(c));
    process.stdout.write(lines.map((line) => `${line}\n`).join(''));
    return EXIT_OK;
  });
}

export const STORAGE_USER_TOTP_COMMANDS: readonly Command[] = [
  { path: ['storage', 'user', 'totp', 'generate'], summary: "create a user's TOTP secret and print it with its otpauth:// URI", help: GENERATE_HELP, run: generate },
  { path: ['storage', 'user', 'totp', 'delete'], summary: "delete a user's TOTP configuration", help: DELETE_HELP, run: remove },
  { path: ['storage', 'user', 'totp', 'export'], summary: 'print every TOTP configuration (uri or csv) for backup', help: EXPORT_HELP, run: exportAll },
];
