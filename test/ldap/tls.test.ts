// TLS to the directory: ldaps:// and StartTLS against slapd's self-signed certificate, the CA
// chain, the server name, minimum and maximum versions, and skip-verify with its loud warning.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, type ConnectionOptions } from '../../src/ldap/connection.ts';
import { createDirectory } from '../../src/ldap/directory.ts';
import { LDAPError } from '../../src/ldap/errors.ts';
import { kasmOptions, SKIP, useSlapd } from './helpers.ts';

async function tlsOf(options: ConnectionOptions): Promise<{ protocol: string; verified: boolean } | LDAPError> {
  try {
    const connection = await connect(options);
    await connection.close();
    return { protocol: connection.tls!.protocol, verified: connection.tls!.verified };
  } catch (error) {
    if (error instanceof LDAPError) return error;
    throw error;
  }
}

function codeOf(outcome: unknown): string | undefined {
  return outcome instanceof LDAPError ? outcome.code : undefined;
}

describe('TLS to the directory', { skip: SKIP }, () => {
  const slapd = useSlapd();

  test('ldaps:// and StartTLS verify the certificate against the configured CA', async () => {
    const tls = { trustedCertificates: slapd().certificate };
    assert.deepEqual(await tlsOf({ url: slapd().ldapsURL, tls }), { protocol: 'TLSv1.3', verified: true });
    assert.deepEqual(await tlsOf({ url: slapd().url, startTLS: true, tls }), { protocol: 'TLSv1.3', verified: true });
    assert.deepEqual(await tlsOf({ url: slapd().ldapsURL.replace('127.0.0.1', 'localhost'), tls }), { protocol: 'TLSv1.3', verified: true });
  });

  test('a certificate from an unknown CA or for another name is TLS_CERTIFICATE_INVALID', async () => {
    const unknownCA = await tlsOf({ url: slapd().ldapsURL });
    assert.equal(codeOf(unknownCA), 'TLS_CERTIFICATE_INVALID');
    assert.match((unknownCA as LDAPError).message, /self-signed certificate.*DEPTH_ZERO_SELF_SIGNED_CERT/);
    assert.equal(codeOf(await tlsOf({ url: slapd().url, startTLS: true })), 'TLS_CERTIFICATE_INVALID');
    const otherName = await tlsOf({ url: slapd().ldapsURL, tls: { trustedCertificates: slapd().certificate, serverName: 'ldap.kasm.core' } });
    assert.equal(codeOf(otherName), 'TLS_CERTIFICATE_INVALID');
    assert.match((otherName as LDAPError).message, /ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  test('minimum and maximum versions are honoured; unknown versions are refused', async () => {
    const tls = { trustedCertificates: slapd().certificate };
    assert.deepEqual(await tlsOf({ url: slapd().ldapsURL, tls: { ...tls, maximumVersion: 'TLS1.2' } }), { protocol: 'TLSv1.2', verified: true });
    assert.deepEqual(await tlsOf({ url: slapd().ldapsURL, tls: { ...tls, minimumVersion: 'TLS 1.3' } }), { protocol: 'TLSv1.3', verified: true });
    assert.equal(codeOf(await tlsOf({ url: slapd().ldapsURL, tls: { ...tls, minimumVersion: 'SSL3' } })), 'INVALID_OPTIONS');
    assert.equal(codeOf(await tlsOf({ url: slapd().ldapsURL, startTLS: true, tls })), 'INVALID_OPTIONS');
  });

  test('skip verify connects to anything and warns loudly, once per configuration', async () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) };
    const connection = { url: slapd().ldapsURL, tls: { skipVerify: true }, logger };
    assert.deepEqual(await tlsOf(connection), { protocol: 'TLSv1.3', verified: false });
    const directory = createDirectory(kasmOptions(slapd(), { connection, pool: { size: 1 } }));
    try {
      assert.equal((await directory.findUser('test_user_1')).username, 'test_user_1');
    } finally {
      await directory.close();
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /TLS certificate verification is DISABLED for ldaps:\/\/127\.0\.0\.1:\d+ .*impersonate the directory/);
  });
});
