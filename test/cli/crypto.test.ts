// The `castellan crypto …` commands, run as child processes: output lines, exit codes (0 ok,
// 1 failure or mismatch, 2 usage), password input from stdin, and key files on disk.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseDigest, verifyDigest } from '../../src/crypto/digest.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function castellan(args: readonly string[], stdin = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['bin/castellan.js', ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin);
  });
}

function field(stdout: string, label: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label}: `));
  assert.ok(line, `no '${label}:' line in ${JSON.stringify(stdout)}`);
  return line.slice(label.length + 2);
}

async function assertDigestOf(stdout: string, password: string, prefix: string): Promise<void> {
  const encoded = field(stdout, 'Digest');
  assert.ok(encoded.startsWith(prefix), `${encoded} should start with ${prefix}`);
  assert.equal(await verifyDigest(parseDigest(encoded), password), true);
}

function assertUsage(result: Result, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, 'one line on stderr');
  assert.match(result.stderr, pattern);
}

describe('crypto hash generate', { concurrency: 2 }, () => {
  const cases: readonly [string[], string][] = [
    [['crypto', 'hash', 'generate', '-m', '1024', '-i', '1', '-p', '1'], '$argon2id$v=19$m=1024,t=1,p=1$'],
    [['crypto', 'hash', 'generate', 'argon2', '--variant', 'argon2i', '--memory', '1024', '--iterations', '1', '--parallelism', '1', '--key-size', '16', '--salt-size', '8'], '$argon2i$v=19$m=1024,t=1,p=1$'],
    [['crypto', 'hash', 'generate', 'pbkdf2', '--variant', 'sha256', '-i', '100000', '-s', '12'], '$pbkdf2-sha256$100000$'],
    [['crypto', 'hash', 'generate', 'scrypt', '-i', '10', '-r', '4', '-p', '2', '-k', '16', '-s', '8'], '$scrypt$ln=10,r=4,p=2$'],
    [['crypto', 'hash', 'generate', 'bcrypt', '--cost', '10'], '$2b$10$'],
    [['crypto', 'hash', 'generate', 'bcrypt', '-v', 'sha256', '-i', '10'], '$bcrypt-sha256$v=2,t=2b,r=10$'],
    [['crypto', 'hash', 'generate', 'sha2crypt', '-v', 'sha256', '-i', '1000', '-s', '8'], '$5$rounds=1000$'],
  ];
  for (const [args, prefix] of cases) {
    test(`${args.slice(3).join(' ')} → ${prefix}`, async () => {
      const result = await castellan([...args, '--password', 'p@ss word']);
      assert.equal(result.code, 0, result.stderr);
      await assertDigestOf(result.stdout, 'p@ss word', prefix);
    });
  }

  test('reads the password from the first line of stdin when it is not a terminal', async () => {
    const result = await castellan(['crypto', 'hash', 'generate', 'sha2crypt', '-i', '1000'], 'from stdin\r\nignored second line\n');
    assert.equal(result.code, 0, result.stderr);
    await assertDigestOf(result.stdout, 'from stdin', '$6$rounds=1000$');
  });

  test('an empty stdin is an error (exit 1)', async () => {
    const result = await castellan(['crypto', 'hash', 'generate', 'sha2crypt', '-i', '1000'], '');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Error: no password provided/);
  });

  test('--random prints the random password before the digest', async () => {
    const result = await castellan(['crypto', 'hash', 'generate', 'pbkdf2', '-i', '100000', '--random']);
    assert.equal(result.code, 0, result.stderr);
    const password = field(result.stdout, 'Random Password');
    assert.match(password, /^[A-Za-z0-9]{72}$/);
    assert.ok(result.stdout.indexOf('Random Password:') < result.stdout.indexOf('Digest:'));
    await assertDigestOf(result.stdout, password, '$pbkdf2-sha512$100000$');
  });

  test('--random.length and --random.charset, with a URL-encoded line when needed', async () => {
    const result = await castellan(['crypto', 'hash', 'generate', 'sha2crypt', '-i', '1000', '--random', '--random.length', '20', '--random.characters', '&=']);
    assert.equal(result.code, 0, result.stderr);
    const password = field(result.stdout, 'Random Password');
    assert.match(password, /^[&=]{20}$/);
    assert.equal(field(result.stdout, 'Random Password (URL Encoded)'), password.replaceAll('&', '%26').replaceAll('=', '%3D'));
    await assertDigestOf(result.stdout, password, '$6$');
    const rfc = await castellan(['crypto', 'hash', 'generate', 'sha2crypt', '-i', '1000', '--random', '--random.length', '30', '--random.charset', 'rfc3986']);
    assert.match(field(rfc.stdout, 'Random Password'), /^[A-Za-z0-9\-._~]{30}$/);
    assert.ok(!rfc.stdout.includes('URL Encoded'));
  });

  test('bad flag values are usage errors (exit 2, one line)', async () => {
    assertUsage(await castellan(['crypto', 'hash', 'generate', 'bcrypt', '--variant', 'blowfish', '--password', 'x']), /--variant must be one of standard, sha256/);
    assertUsage(await castellan(['crypto', 'hash', 'generate', '--memory', 'lots', '--password', 'x']), /--memory must be a whole number but is 'lots'/);
    assertUsage(await castellan(['crypto', 'hash', 'generate', 'bcrypt', '--cost', '9', '--password', 'x']), /--cost must be a whole number between 10 and 31 but is 9/);
    assertUsage(await castellan(['crypto', 'hash', 'generate', 'sha2crypt', '--salt-size', '17', '--password', 'x']), /--salt-size must be a whole number between 1 and 16/);
    assertUsage(await castellan(['crypto', 'hash', 'generate', '--password', 'x', '--random']), /--password and --random cannot be used together/);
    assertUsage(await castellan(['crypto', 'hash', 'generate', 'pbkdf2', '--memory', '8']), /--memory/);
    assertUsage(await castellan(['crypto', 'hash', 'generate', '--random', '--random.charset', 'emoji']), /--random.charset must be one of/);
  });

  test('help lists every flag with its default', async () => {
    const result = await castellan(['crypto', 'hash', 'generate', '--help']);
    assert.equal(result.code, 0);
    for (const flag of ['--variant', '--iterations', '--memory', '--parallelism', '--key-size', '--salt-size', '--password', '--random', '--random.length', '--random.charset', '--no-confirm']) {
      assert.ok(result.stdout.includes(flag), `help mentions ${flag}`);
    }
    for (const text of ['default argon2id', 'default 3', 'default 65536', 'default 4', 'default 32', 'default 16', 'default 72', 'default alphanumeric']) {
      assert.ok(result.stdout.includes(text), `help mentions '${text}'`);
    }
    const pbkdf2 = await castellan(['crypto', 'hash', 'generate', 'pbkdf2', '--help']);
    assert.match(pbkdf2.stdout, /sha512 310000/);
  });
});

describe('crypto hash validate', { concurrency: 2 }, () => {
  const DIGEST = '$5$rounds=500000$WFjMpdCQxIkbNl0k$M0qZaZoK8Gwdh8Cw5diHgGfe5pE0iJvxcVG3.CVnQe.';
  const QUICK = '$2b$10$A5UN4eZuaUasPW/1xP3YQOQrm0CwOyNxWshmX61gjNsrAtmC6DuSe';

  test('a matching password exits 0', async () => {
    const result = await castellan(['crypto', 'hash', 'validate', '--password', 'p@ssw0rd', '--', DIGEST]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'The password matches the digest.\n');
  });

  test('a wrong password exits 1', async () => {
    const result = await castellan(['crypto', 'hash', 'validate', '--password', 'nope', QUICK]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, 'The password does not match the digest.\n');
  });

  test('the password can come from stdin', async () => {
    const result = await castellan(['crypto', 'hash', 'validate', '--', QUICK], 'insecure_secret\n');
    assert.equal(result.code, 0, result.stderr);
  });

  test('a malformed digest exits 1 with a clear error that does not echo it', async () => {
    const result = await castellan(['crypto', 'hash', 'validate', '--password', 'x', '--', '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Error: the digest is not valid: pbkdf2 digest has 3 fields but needs 4\n');
  });

  test('a missing digest is a usage error', async () => {
    assertUsage(await castellan(['crypto', 'hash', 'validate', '--password', 'x']), /expected exactly one DIGEST argument but got 0/);
  });
});

describe('crypto rand', { concurrency: 2 }, () => {
  test('defaults to 72 alphanumeric characters', async () => {
    const result = await castellan(['crypto', 'rand']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Random Value: [A-Za-z0-9]{72}\n$/);
  });

  test('--length and --charset', async () => {
    for (const [charset, pattern] of [['numeric', /^[0-9]{10}$/], ['numeric-hex', /^[0-9A-F]{10}$/], ['alphabetic', /^[A-Za-z]{10}$/], ['rfc3986', /^[A-Za-z0-9\-._~]{10}$/]] as const) {
      const result = await castellan(['crypto', 'rand', '--length', '10', '--charset', charset]);
      assert.match(field(result.stdout, 'Random Value'), pattern);
    }
  });

  test('ascii values get a URL-encoded line when encoding changes them', async () => {
    const result = await castellan(['crypto', 'rand', '-n', '8', '--characters', '/+']);
    assert.match(field(result.stdout, 'Random Value'), /^[/+]{8}$/);
    assert.match(field(result.stdout, 'Random Value (URL Encoded)'), /^(%2F|%2B){8}$/);
  });

  test('bad values are usage errors', async () => {
    assertUsage(await castellan(['crypto', 'rand', '--charset', 'klingon']), /--charset must be one of ascii, alphanumeric/);
    assertUsage(await castellan(['crypto', 'rand', '--length', '0']), /--length must be between 1 and/);
    assertUsage(await castellan(['crypto', 'rand', '--length', 'ten']), /--length must be a whole number/);
  });
});

describe('crypto pair', { concurrency: 2 }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'castellan-pair-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('ed25519 without --directory prints both PEMs', async () => {
    const result = await castellan(['crypto', 'pair', 'ed25519', 'generate']);
    assert.equal(result.code, 0, result.stderr);
    const [privatePEM, publicPEM] = result.stdout.split(/(?=-----BEGIN PUBLIC KEY-----)/);
    assert.equal(createPrivateKey(privatePEM ?? '').asymmetricKeyType, 'ed25519');
    assert.equal(createPublicKey(publicPEM ?? '').asymmetricKeyType, 'ed25519');
  });

  test('ecdsa --directory writes private.pem (0600) and public.pem and prints their paths', async () => {
    const target = join(dir, 'ecdsa');
    const result = await castellan(['crypto', 'pair', 'ecdsa', 'generate', '--curve', 'P384', '--directory', target]);
    assert.equal(result.code, 0, result.stderr);
    const privatePath = join(target, 'private.pem');
    const publicPath = join(target, 'public.pem');
    assert.equal(field(result.stdout, '\tPrivate Key'), privatePath);
    assert.equal(field(result.stdout, '\tPublic Key'), publicPath);
    assert.equal((await stat(privatePath)).mode & 0o777, 0o600);
    const key = createPrivateKey(await readFile(privatePath, 'utf8'));
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'secp384r1');
    assert.equal(createPublicKey(await readFile(publicPath, 'utf8')).asymmetricKeyType, 'ec');
  });

  test('rsa with custom file names', async () => {
    const result = await castellan(['crypto', 'pair', 'rsa', 'generate', '--bits', '2048', '-d', dir, '--file.private-key', 'issuer.key', '--file.public-key', 'issuer.pub']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await stat(join(dir, 'issuer.key'))).mode & 0o777, 0o600);
    assert.equal(createPrivateKey(await readFile(join(dir, 'issuer.key'), 'utf8')).asymmetricKeyDetails?.modulusLength, 2048);
  });

  test('unsupported sizes are usage errors', async () => {
    assertUsage(await castellan(['crypto', 'pair', 'rsa', 'generate', '--bits', '1024']), /--bits must be one of 2048, 3072, 4096/);
    assertUsage(await castellan(['crypto', 'pair', 'ecdsa', 'generate', '--curve', 'P224']), /--curve must be one of P256, P384, P521/);
  });
});
