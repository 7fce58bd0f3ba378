// A throwaway OpenLDAP (Debian's slapd) for the LDAP tests, per the tested recipe in
// ../shared/reference/kasm-saml-ldap.md §5.3: its own cn=config in a temporary directory, loaded
// offline with slapadd, listening on free 127.0.0.1 ports only (ldap:// and ldaps:// with a
// self-signed certificate generated here), memberOf computed by the dynlist overlay (direct
// membership only, so nesting is Castellan's job). Stopped by its pid, never by name.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const LDAPMODIFY = '/usr/bin/ldapmodify';

/**
 * Why the OpenLDAP tests cannot run here (slapd is not installed), or false when they can. In CI
 * a missing slapd is an error, not a skip: .ci/run installs it.
 */
export function slapdSkipReason(): string | false {
  if (existsSync(SLAPD) && existsSync(SLAPADD)) return false;
  if (process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false') {
    throw new Error(`${SLAPD} is missing although CI is set: .ci/run must install Debian's slapd and ldap-utils`);
  }
  return `slapd is not installed (apt-get install slapd ldap-utils, see ../shared/reference/kasm-saml-ldap.md §5.3): the tests against a real OpenLDAP are skipped`;
}

const SUFFIX = 'dc=kasm,dc=core';
const MYORG = `ou=MyOrg,${SUFFIX}`;
const NESTING = `ou=Nesting,${SUFFIX}`;

function account(cn: string, base = MYORG): { dn: string; uid: string; password: string; mail: string } {
  return { dn: `cn=${cn},${base}`, uid: cn, password: `${cn}-Secret1`, mail: `${cn}@kasm.core` };
}

/** The directory the tests see: the seed's Kasm example (OU=MyOrg), plus nesting and referral corners. */
export const DIRECTORY = {
  suffix: SUFFIX,
  /** Kasm's "Search Base" of the example. */
  base: MYORG,
  service: { dn: `cn=ldap_service_account,${MYORG}`, password: 'ldap_service_account-Secret1' },
  users: {
    test_user_1: account('test_user_1'),
    test_user_2: account('test_user_2'),
    test_user_3: account('test_user_3'),
    /** A DN that needs escaping: `cn=Doe\, Jane (ops),ou=MyOrg,…`, member of kasm_group_1. */
    jane: { dn: `cn=Doe\\, Jane (ops),${MYORG}`, uid: 'jdoe', password: 'jdoe-Secret1', mail: 'jdoe@kasm.core' },
    /** In ou=Nesting: n1 ∋ nest_user, n2 ∋ n1, n3 ∋ n2, n1 ∋ n3 (a cycle). */
    nest_user: account('nest_user', NESTING),
    /** Only reachable through the referral under ou=Branch. */
    partner_user: account('partner_user', `ou=External,${SUFFIX}`),
  },
  groups: {
    all_kasm_app_users: `cn=all_kasm_app_users,${MYORG}`,
    kasm_group_1: `cn=kasm_group_1,${MYORG}`,
    n1: `cn=n1,${NESTING}`,
    n2: `cn=n2,${NESTING}`,
    n3: `cn=n3,${NESTING}`,
  },
  nesting: NESTING,
  /** Holds a referral to ou=External. */
  branch: `ou=Branch,${SUFFIX}`,
} as const;

/** {SSHA} as slappasswd writes it: base64(SHA-1(password + salt) + salt). */
function ssha(password: string): string {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
}

function configLDIF(dir: string, rootPassword: string): string {
  return `dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${dir}/slapd.pid
olcArgsFile: ${dir}/slapd.args
olcLogLevel: none
olcTLSCertificateFile: ${dir}/cert.pem
olcTLSCertificateKeyFile: ${dir}/key.pem

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: dynlist

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/dyngroup.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: ${SUFFIX}
olcRootDN: cn=admin,${SUFFIX}
olcRootPW: ${ssha(rootPassword)}
olcDbDirectory: ${dir}/db
olcDbMaxSize: 104857600
olcDbIndex: objectClass eq
olcDbIndex: uid,cn,mail eq
olcDbIndex: member eq
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by users read by * none

dn: olcOverlay={0}dynlist,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcDynListConfig
olcOverlay: {0}dynlist
olcDynListAttrSet: {0}groupOfURLs memberURL member+memberOf@groupOfNames
`;
}

function person(user: { dn: string; uid: string; password: string; mail: string }, cn = user.uid): string {
  return `dn: ${user.dn}
objectClass: inetOrgPerson
cn: ${cn}
sn: ${user.uid}
uid: ${user.uid}
displayName: ${cn}
mail: ${user.mail}
userPassword: ${ssha(user.password)}
`;
}

function group(dn: string, members: readonly string[]): string {
  const cn = /^cn=([^,]+)/.exec(dn)![1]!;
  return `dn: ${dn}\nobjectClass: groupOfNames\ncn: ${cn}\n${members.map((m) => `member: ${m}\n`).join('')}`;
}

function ou(dn: string): string {
  return `dn: ${dn}\nobjectClass: organizationalUnit\nou: ${/^ou=([^,]+)/.exec(dn)![1]!}\n`;
}

function dataLDIF(port: number): string {
  const { users: u, groups: g } = DIRECTORY;
  return [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: kasm\no: kasm\n`,
    ou(MYORG),
    `dn: ${DIRECTORY.service.dn}\nobjectClass: inetOrgPerson\ncn: ldap_service_account\nsn: service\nuid: ldap_service_account\nuserPassword: ${ssha(DIRECTORY.service.password)}\n`,
    person(u.test_user_1), person(u.test_user_2), person(u.test_user_3), person(u.jane, 'Doe, Jane (ops)'),
    group(g.kasm_group_1, [u.test_user_1.dn, u.jane.dn]),
    group(g.all_kasm_app_users, [g.kasm_group_1, u.test_user_2.dn]),
    ou(NESTING),
    person(u.nest_user),
    group(g.n1, [u.nest_user.dn, g.n3]),
    group(g.n2, [g.n1]),
    group(g.n3, [g.n2]),
    ou(`ou=External,${SUFFIX}`),
    person(u.partner_user),
    ou(DIRECTORY.branch),
    `dn: ou=remote,${DIRECTORY.branch}\nobjectClass: referral\nobjectClass: extensibleObject\nou: remote\nref: ldap://127.0.0.1:${port}/ou=External,${SUFFIX}\n`,
  ].join('\n');
}

/** A port nothing listens on right now (the kernel's choice), on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

function run(command: string, args: readonly string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
}

export interface Slapd {
  /** ldap://127.0.0.1:<port> */
  readonly url: string;
  /** ldaps://127.0.0.1:<port> */
  readonly ldapsURL: string;
  readonly port: number;
  readonly ldapsPort: number;
  /** The self-signed certificate slapd presents (CN=localhost, SAN localhost and 127.0.0.1), as PEM. */
  readonly certificate: string;
  /** The root DN (cn=admin,…), which may change anything; its password is made per instance. */
  readonly admin: { readonly dn: string; readonly password: string };
  /** Applies an LDIF of changes (changetype: modify/add/delete) with ldapmodify as the root DN. */
  modify(ldif: string): Promise<void>;
  /** Stops the process (by pid) and starts it again on the same ports and data. */
  restart(): Promise<void>;
  /** Stops the process and removes its directory. */
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}) before it was ready: ${output()}`);
    const client = new Client({ url, connectTimeout: 500, timeout: 500 });
    try {
      await client.search('', { scope: 'base', attributes: ['namingContexts'] });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`slapd did not answer on ${url} within 10 s: ${String(error)} ${output()}`);
      await sleep(50);
    } finally {
      await client.unbind().catch(() => {});
    }
  }
}

/** Creates the instance in a temporary directory and starts it; resolves once it answers. */
export async function startSlapd(): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), 'castellan-slapd-'));
  const [port, ldapsPort] = [await freePort(), await freePort()];
  const admin = { dn: `cn=admin,${SUFFIX}`, password: randomBytes(18).toString('base64url') };
  run('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], dir);
  await writeFile(join(dir, 'config.ldif'), configLDIF(dir, admin.password));
  // ldapmodify -y reads the whole file as the password: no line break.
  await writeFile(join(dir, 'admin.password'), admin.password, { mode: 0o600 });
  await writeFile(join(dir, 'data.ldif'), dataLDIF(port));
  await mkdir(join(dir, 'slapd.d'));
  await mkdir(join(dir, 'db'));
  run(SLAPADD, ['-n0', '-F', 'slapd.d', '-l', 'config.ldif'], dir);
  run(SLAPADD, ['-q', '-n1', '-F', 'slapd.d', '-l', 'data.ldif'], dir);
  const certificate = await readFile(join(dir, 'cert.pem'), 'utf8');
  const url = `ldap://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let text = '';
  const kill = (): void => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', kill);

  async function start(): Promise<void> {
    text = '';
    // -d 0: stay in the foreground (no daemon to chase by pid file) and log nothing.
    child = spawn(SLAPD, ['-F', join(dir, 'slapd.d'), '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${ldapsPort}/`, '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    await waitReady(url, child, () => text);
  }

  async function halt(): Promise<void> {
    const running = child;
    if (running?.pid === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    process.kill(running.pid, 'SIGTERM');
    const timer = setTimeout(kill, 5000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    url,
    ldapsURL: `ldaps://127.0.0.1:${ldapsPort}`,
    port,
    ldapsPort,
    certificate,
    admin,
    async modify(ldif) {
      const child = spawn(LDAPMODIFY, ['-x', '-H', url, '-D', admin.dn, '-y', join(dir, 'admin.password')], { stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stdin.end(ldif);
      const [code] = (await once(child, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`ldapmodify failed (${code}): ${output}`);
    },
    async restart() {
      await halt();
      await start();
    },
    async stop() {
      await halt();
      process.removeListener('exit', kill);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
