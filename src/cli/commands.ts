// The list of every `castellan` command; one module per command, loaded only when it runs, so a
// quick command does not pay for loading the server (oidc-provider, Koa, SQLite).
import type { Command } from './command.ts';

export interface CommandEntry {
  /** Words after `castellan`, e.g. ['crypto', 'rand']. */
  readonly path: readonly string[];
  load(): Promise<Command>;
}

type Loader = () => Promise<Command | readonly Command[]>;

function entries(paths: readonly string[], loader: Loader): CommandEntry[] {
  return paths.map((words) => {
    const path = words.split(' ');
    return {
      path,
      async load(): Promise<Command> {
        const loaded = await loader();
        const found = (Array.isArray(loaded) ? loaded : [loaded]).find((c: Command) => c.path.join(' ') === words);
        if (!found) throw new Error(`command '${words}' is not exported by its module`);
        return found;
      },
    };
  });
}

const HASH_ALGORITHMS = ['argon2', 'pbkdf2', 'scrypt', 'bcrypt', 'sha2crypt'];

export const COMMANDS: readonly CommandEntry[] = [
  ...entries(['serve'], async () => (await import('./serve.ts')).SERVE),
  ...entries(['validate-config'], async () => (await import('./validate-config.ts')).VALIDATE_CONFIG),
  ...entries(['config validate'], async () => (await import('./validate-config.ts')).CONFIG_VALIDATE),
  ...entries(['crypto hash generate', ...HASH_ALGORITHMS.map((a) => `crypto hash generate ${a}`)], async () => (await import('./crypto-hash-generate.ts')).CRYPTO_HASH_GENERATE_COMMANDS),
  ...entries(['crypto hash validate'], async () => (await import('./crypto-hash-validate.ts')).CRYPTO_HASH_VALIDATE),
  ...entries(['crypto rand'], async () => (await import('./crypto-rand.ts')).CRYPTO_RAND),
  ...entries(['rsa', 'ecdsa', 'ed25519'].map((k) => `crypto pair ${k} generate`), async () => (await import('./crypto-pair.ts')).CRYPTO_PAIR_COMMANDS),
  ...entries(['generate', 'delete', 'export'].map((v) => `storage user totp ${v}`), async () => (await import('./storage-user-totp.ts')).STORAGE_USER_TOTP_COMMANDS),
  ...entries(['ldap test'], async () => (await import('./ldap-test.ts')).LDAP_TEST),
];
