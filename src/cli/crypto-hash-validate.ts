// `castellan crypto hash validate [--password P] [--] DIGEST`: checks a password against a digest.
// Exit 0 when it matches, 1 when it does not or the digest is malformed (stderr says why).
import { DigestError, parseDigest, verifyDigest } from '../crypto/digest.ts';
import { EXIT_FAILURE, EXIT_OK, parseFlags, UsageError, type Command } from './command.ts';
import { readPassword } from './crypto-input.ts';

const HELP = `Usage: castellan crypto hash validate [--password TEXT] [--] DIGEST

Checks a password against a digest in any format Castellan reads (argon2, pbkdf2, scrypt, bcrypt,
bcrypt-sha256, sha2crypt, $plaintext$; {CRYPT}-style prefixes are accepted). Quote the digest, and
put it after '--' so a leading '$' or '-' is not taken for anything else. Prints "The password
matches the digest." and exits 0, or "The password does not match the digest." and exits 1.

Flags:
      --password TEXT   the password to check (default: hidden prompt on a terminal, else the
                        first line of stdin)
  -h, --help            show this help`;

const FLAGS = { password: { type: 'string' } } as const;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, FLAGS, true);
  if (positionals.length !== 1) throw new UsageError(`expected exactly one DIGEST argument but got ${positionals.length}`);
  let digest;
  try {
    digest = parseDigest(positionals[0] ?? '');
  } catch (error) {
    if (error instanceof DigestError) throw new Error(`the digest is not valid: ${error.message}`);
    throw error;
  }
  const password = values.password ?? (await readPassword(false));
  if (password.length === 0) throw new Error('no password provided');
  if (await verifyDigest(digest, password)) {
    process.stdout.write('The password matches the digest.\n');
    return EXIT_OK;
  }
  process.stdout.write('The password does not match the digest.\n');
  return EXIT_FAILURE;
}

export const CRYPTO_HASH_VALIDATE: Command = {
  path: ['crypto', 'hash', 'validate'],
  summary: 'check a password against a digest',
  help: HELP,
  run,
};
