// `castellan crypto pair {rsa,ecdsa,ed25519} generate`: makes a key pair for the OIDC issuer JWKS.
// Without --directory both PEMs go to stdout; with it, private.pem (mode 0600) and public.pem are
// written there and their paths printed.
import { mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ECDSA_CURVES, generateKeyPairPEM, RSA_BITS, type ECDSACurve, type KeyPairSpec, type RSABits } from '../crypto/keypair.ts';
import { EXIT_OK, parseFlags, UsageError, type Command } from './command.ts';

type PairType = KeyPairSpec['type'];

const DEFAULT_BITS: RSABits = 2048;
const DEFAULT_CURVE: ECDSACurve = 'P256';
const PRIVATE_MODE = 0o600;
const PUBLIC_MODE = 0o644;

const FILE_FLAGS = {
  directory: { type: 'string', short: 'd' },
  'file.private-key': { type: 'string' },
  'file.public-key': { type: 'string' },
} as const;

const TYPE_FLAGS = {
  rsa: { bits: { type: 'string', short: 'b' } },
  ecdsa: { curve: { type: 'string', short: 'b' } },
  ed25519: {},
} as const;

const TYPE_HELP: Readonly<Record<PairType, { title: string; lines: readonly string[] }>> = {
  rsa: { title: 'an RSA', lines: [`  -b, --bits N                 key size: ${RSA_BITS.join(', ')} (default ${DEFAULT_BITS})`] },
  ecdsa: { title: 'an ECDSA', lines: [`  -b, --curve NAME             ${Object.keys(ECDSA_CURVES).join(', ')} (default ${DEFAULT_CURVE})`] },
  ed25519: { title: 'an Ed25519', lines: [] },
};

function help(type: PairType): string {
  return [
    `Usage: castellan crypto pair ${type} generate [flags]`,
    '',
    `Generates ${TYPE_HELP[type].title} key pair (PKCS#8 private key, SPKI public key, PEM). Without`,
    '--directory or --file.* flags both PEMs are printed to stdout.',
    '',
    'Flags:',
    ...TYPE_HELP[type].lines,
    '  -d, --directory DIR          write the files into DIR (created if missing; default: print)',
    '      --file.private-key NAME  private key file name (default private.pem, mode 0600)',
    '      --file.public-key NAME   public key file name (default public.pem)',
    '  -h, --help                   show this help',
  ].join('\n');
}

function specFrom(type: PairType, values: { bits?: string | undefined; curve?: string | undefined }): KeyPairSpec {
  if (type === 'rsa') {
    const bits = Number(values.bits ?? DEFAULT_BITS);
    if (!(RSA_BITS as readonly number[]).includes(bits)) throw new UsageError(`--bits must be one of ${RSA_BITS.join(', ')} but is '${values.bits}'`);
    return { type, bits: bits as RSABits };
  }
  if (type === 'ecdsa') {
    const curve = values.curve ?? DEFAULT_CURVE;
    if (!Object.hasOwn(ECDSA_CURVES, curve)) throw new UsageError(`--curve must be one of ${Object.keys(ECDSA_CURVES).join(', ')} but is '${curve}'`);
    return { type, curve: curve as ECDSACurve };
  }
  return { type };
}

/** Sets the mode before writing, so an existing file with looser permissions never holds the key. */
async function writeWithMode(path: string, contents: string, mode: number): Promise<void> {
  const file = await open(path, 'w', mode);
  try {
    await file.chmod(mode);
    await file.writeFile(contents);
  } finally {
    await file.close();
  }
}

function pairCommand(type: PairType): Command {
  const flags = { ...FILE_FLAGS, ...TYPE_FLAGS[type] };
  return {
    path: ['crypto', 'pair', type, 'generate'],
    summary: `generate ${TYPE_HELP[type].title} key pair (JWKS signing key)`,
    help: help(type),
    async run(args: string[]): Promise<number> {
      const { values } = parseFlags(args, flags) as { values: Record<string, string | undefined> };
      const spec = specFrom(type, values);
      const privateName = values['file.private-key'];
      const publicName = values['file.public-key'];
      const pair = await generateKeyPairPEM(spec);
      if (values.directory === undefined && privateName === undefined && publicName === undefined) {
        process.stdout.write(pair.privateKeyPEM + pair.publicKeyPEM);
        return EXIT_OK;
      }
      const directory = resolve(values.directory ?? '.');
      const privatePath = join(directory, privateName ?? 'private.pem');
      const publicPath = join(directory, publicName ?? 'public.pem');
      if (privatePath === publicPath) throw new UsageError('--file.private-key and --file.public-key must differ');
      await mkdir(directory, { recursive: true, mode: 0o700 });
      await writeWithMode(privatePath, pair.privateKeyPEM, PRIVATE_MODE);
      await writeWithMode(publicPath, pair.publicKeyPEM, PUBLIC_MODE);
      process.stdout.write(`Output Paths:\n\tPrivate Key: ${privatePath}\n\tPublic Key: ${publicPath}\n`);
      return EXIT_OK;
    },
  };
}

export const CRYPTO_PAIR_COMMANDS: readonly Command[] = (['rsa', 'ecdsa', 'ed25519'] as const).map(pairCommand);
