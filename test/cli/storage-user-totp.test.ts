// `castellan storage user totp generate|delete|export` as an admin runs them: child processes
// against the storage a real configuration names. Exit 0 on success, 1 when refused (reason on
// stderr), 2 for misuse; the printed secret and URI produce codes the portal accepts (RFC 6238).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { Secret, TOTP, URI } from 'otpauth';
import { loadConfig } from '../../src/config/index.ts';
import { checkTOTPCode } from '../../src/identity/totp.ts';
import { openStorage } from '../../src/storage/database.ts';
import { findTOTP } from '../../src/storage/totp.ts';
import { testClient, writeCastellanFiles, type TestFiles } from '../helpers/castellan.ts';
import { BIN, cleanEnvironment } from '../helpers/child.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function castellan(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cleanEnvironment() }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

let files: TestFiles;

before(async () => {
  files = await writeCastellanFiles({
    clients: [testClient('app', 'https://app.example.com/callback')],
    extra: { totp: { issuer: 'Castellan Test', algorithm: 'sha256', digits: 8, period: 60 } },
  });
});

after(() => rm(files.directory, { recursive: true, force: true }));

function lineValue(stdout: string, label: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label}: `));
  assert.ok(line, `a '${label}: ' line in\n${stdout}`);
  return line.slice(label.length + 2);
}

async function withStorage<T>(work: (storage: ReturnType<typeof openStorage>, skew: number) => T): Promise<T> {
  const { config } = await loadConfig({ files: [files.configFile], env: {} });
  const storage = openStorage({ path: config.storage.local!.path!, encryptionKey: config.storage.encryption_key! });
  try {
    return work(storage, config.totp.skew);
  } finally {
    storage.close();
  }
}

test('generate: prints Secret and URI with the totp: section parameters, and the code from them is accepted', async () => {
  const run = await castellan('storage', 'user', 'totp', 'generate', 'john', '--config', files.configFile);
  assert.equal(run.code, 0, run.stderr);
  const secret = lineValue(run.stdout, 'Secret');
  assert.match(secret, /^[A-Z2-7]{52}$/, '32 random bytes (secret_size default) in base32');
  const uri = new URL(lineValue(run.stdout, 'URI'));
  assert.equal(decodeURIComponent(uri.pathname), '/Castellan Test:john');
  assert.deepEqual(Object.fromEntries(uri.searchParams), { issuer: 'Castellan Test', secret, algorithm: 'SHA256', digits: '8', period: '60' });

  const code = (URI.parse(uri.href) as TOTP).generate();
  const outcome = await withStorage((storage, skew) => checkTOTPCode(storage, { skew }, 'john', code));
  assert.equal(outcome, 'accepted');
});

test('generate refuses to replace an existing configuration without --force (exit 1), and replaces it with --force', async () => {
  const first = await castellan('storage', 'user', 'totp', 'generate', 'mary', '-c', files.configFile);
  assert.equal(first.code, 0, first.stderr);
  const again = await castellan('storage', 'user', 'totp', 'generate', 'mary', '-c', files.configFile, '--secret', SECRET);
  assert.equal(again.code, 1);
  assert.equal(again.stdout, '');
  assert.equal(again.stderr, "Error: user 'mary' already has a TOTP configuration; use --force to replace it\n");
  assert.equal(await withStorage((storage) => findTOTP(storage, 'mary')?.secret), lineValue(first.stdout, 'Secret'));

  const forced = await castellan('storage', 'user', 'totp', 'generate', 'mary', '-c', files.configFile, '--secret', 'jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp', '--force', '--algorithm', 'sha1', '--digits', '6', '--period', '30', '--issuer', 'Other');
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(lineValue(forced.stdout, 'Secret'), SECRET);
  assert.equal(lineValue(forced.stdout, 'URI'), `otpauth://totp/Other:mary?issuer=Other&secret=${SECRET}&algorithm=SHA1&digits=6&period=30`);
  const code = TOTP.generate({ secret: Secret.fromBase32(SECRET), algorithm: 'SHA1', digits: 6, period: 30 });
  assert.equal(await withStorage((storage, skew) => checkTOTPCode(storage, { skew }, 'mary', code)), 'accepted');
});

test('export prints every configuration as otpauth URIs (default) or CSV; delete removes one, exit 1 for none', async () => {
  const setUp = await castellan('storage', 'user', 'totp', 'generate', 'harry', '-c', files.configFile, '--secret', SECRET, '--issuer', 'A, "quoted" issuer');
  assert.equal(setUp.code, 0, setUp.stderr);
  const [uris, csv] = await Promise.all([
    castellan('storage', 'user', 'totp', 'export', '-c', files.configFile),
    castellan('storage', 'user', 'totp', 'export', '--format', 'csv', '-c', files.configFile),
  ]);
  assert.equal(uris.code, 0, uris.stderr);
  const lines = uris.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 2 && lines.every((l) => l.startsWith('otpauth://totp/')), uris.stdout);
  assert.ok(lines.includes(lineValue(setUp.stdout, 'URI')));

  assert.equal(csv.code, 0, csv.stderr);
  const rows = csv.stdout.trimEnd().split('\n');
  assert.equal(rows[0], 'issuer,username,algorithm,digits,period,secret');
  assert.ok(rows.includes(`"A, ""quoted"" issuer",harry,SHA256,8,60,${SECRET}`), csv.stdout);

  const deleted = await castellan('storage', 'user', 'totp', 'delete', 'harry', '-c', files.configFile);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, "Deleted the TOTP configuration of user 'harry'.\n");
  const missing = await castellan('storage', 'user', 'totp', 'delete', 'harry', '-c', files.configFile);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, "Error: user 'harry' has no TOTP configuration\n");
  assert.equal(await withStorage((storage) => findTOTP(storage, 'harry')), undefined);
});

test('misuse exits 2 with one line naming the command; --help exits 0; an invalid configuration exits 1', async () => {
  const cases: [string[], RegExp][] = [
    [['generate'], /expected exactly one USER argument but got 0/],
    [['generate', 'john', '--secret', 'not base32!'], /--secret must be base32/],
    [['generate', 'john', '--digits', '7'], /--digits must be 6 or 8 but is '7'/],
    [['generate', 'john', '--algorithm', 'md5'], /--algorithm: TOTP algorithm must be one of SHA1, SHA256, SHA512 but is 'md5'/],
    [['delete'], /expected exactly one USER argument/],
    [['export', '--format', 'png'], /--format must be one of uri, csv but is 'png'/],
  ];
  const commands = ['generate', 'delete', 'export'];
  const [misuse, helps, invalid] = await Promise.all([
    Promise.all(cases.map(([args]) => castellan('storage', 'user', 'totp', ...args, '-c', files.configFile))),
    Promise.all(commands.map((command) => castellan('storage', 'user', 'totp', command, '--help'))),
    castellan('storage', 'user', 'totp', 'export', '-c', `${files.directory}/missing.yml`),
  ]);
  cases.forEach(([args, message], i) => {
    const run = misuse[i]!;
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.match(run.stderr, /\(see 'castellan storage user totp (generate|delete|export) --help'\)\n$/);
    assert.equal(run.stderr.split('\n').length, 2, 'one line');
  });
  commands.forEach((command, i) => {
    assert.equal(helps[i]!.code, 0);
    assert.match(helps[i]!.stdout, new RegExp(`^Usage: castellan storage user totp ${command}`));
  });
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^error: /);
});
