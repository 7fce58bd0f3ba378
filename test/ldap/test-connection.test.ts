// The administrator's test (Kasm's "Test LDAP Connection", seed 002 "Verifying Configurations"):
// the ordered steps with their details, the precise error of the failing step, and the
// IN_CHAIN diagnostic when Kasm's AD filters meet OpenLDAP.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatTestReport, testConnection, type TestReport } from '../../src/ldap/test-connection.ts';
import { DIRECTORY } from '../helpers/slapd.ts';
import { KASM_AD_FILTERS, kasmOptions, SKIP, useSlapd } from './helpers.ts';

const { users: U } = DIRECTORY;

function statuses(report: TestReport): string[] {
  return report.steps.map((s) => `${s.name}: ${s.status}`);
}

describe('testConnection', { skip: SKIP }, () => {
  const slapd = useSlapd();

  test("test_user_1 with Kasm's AD settings: every step passes, the filter is shown, nesting is explained", async () => {
    const report = await testConnection(kasmOptions(slapd(), KASM_AD_FILTERS), 'test_user_1', U.test_user_1.password);
    assert.equal(report.ok, true);
    assert.deepEqual(statuses(report), ['connect: ok', 'tls: warning', 'service bind: ok', 'user search: warning', 'user bind: ok', 'group search: ok']);
    const [, tls, bind, search, , groups] = report.steps;
    assert.match(tls!.summary, /clear text/);
    assert.equal(bind!.summary, `bound as ${DIRECTORY.service.dn}`);
    assert.equal(search!.summary, `found ${U.test_user_1.dn}`);
    assert.ok(search!.details.includes('e-mail: test_user_1@kasm.core'));
    assert.ok(search!.details.some((d) => d.startsWith('filter: (&(objectClass=inetOrgPerson)(uid=test_user_1)(|(memberof=CN=all_kasm_app_users')));
    assert.ok(search!.details.some((d) => /^note: .*1\.2\.840\.113556\.1\.4\.1941.*silently match nothing/.test(d)));
    assert.deepEqual(report.diagnostics.map((d) => d.code), ['IN_CHAIN_EMULATED']);
    assert.ok(groups!.details.includes(`kasm_group_1 (${DIRECTORY.groups.kasm_group_1}): direct member`));
    assert.ok(groups!.details.includes(`all_kasm_app_users (${DIRECTORY.groups.all_kasm_app_users}): via kasm_group_1`));
    const text = formatTestReport(report);
    assert.match(text, /^\[ok\] +connect +connected to ldap:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(text, /via kasm_group_1$/m);
    assert.match(text, /LDAP test succeeded\.\n$/);
  });

  test('test_user_2 passes with one direct group; test_user_3 fails at the user search and the rest is skipped', async () => {
    const two = await testConnection(kasmOptions(slapd(), KASM_AD_FILTERS), 'test_user_2', U.test_user_2.password);
    assert.equal(two.ok, true);
    assert.deepEqual(two.groups?.map((g) => `${g.name}:${g.reached}`), ['all_kasm_app_users:direct']);
    const three = await testConnection(kasmOptions(slapd(), KASM_AD_FILTERS), 'test_user_3', U.test_user_3.password);
    assert.equal(three.ok, false);
    assert.deepEqual(statuses(three).slice(3), ['user search: failed', 'user bind: skipped', 'group search: skipped']);
    assert.equal(three.steps[3]!.error?.code, 'USER_NOT_FOUND');
    assert.match(formatTestReport(three), /LDAP test failed\.\n$/);
  });

  test('the failing step carries the precise error: wrong password, wrong service password, ldaps to the plain port', async () => {
    const wrong = await testConnection(kasmOptions(slapd()), 'test_user_1', 'wrong');
    assert.deepEqual(statuses(wrong).slice(4), ['user bind: failed', 'group search: skipped']);
    assert.equal(wrong.steps[4]!.error?.code, 'INVALID_USER_CREDENTIALS');
    const service = await testConnection(kasmOptions(slapd(), { serviceAccount: { dn: DIRECTORY.service.dn, password: 'wrong' } }), 'test_user_1', U.test_user_1.password);
    assert.equal(service.steps[2]!.error?.code, 'SERVICE_INVALID_CREDENTIALS');
    assert.deepEqual(statuses(service).slice(3), ['user search: skipped', 'user bind: skipped', 'group search: skipped']);
    const ldaps = await testConnection(kasmOptions(slapd(), { connection: { url: `ldaps://127.0.0.1:${slapd().port}` } }), 'test_user_1', U.test_user_1.password);
    assert.deepEqual(statuses(ldaps).slice(0, 2), ['connect: ok', 'tls: failed']);
    assert.equal(ldaps.steps[1]!.error?.code, 'LDAPS_TO_PLAIN_PORT');
    const options = await testConnection(kasmOptions(slapd(), { usersFilter: '(uid=fixed)' }), 'test_user_1', 'x');
    assert.equal(options.steps[0]!.error?.code, 'INVALID_OPTIONS');
  });

  test('over LDAPS the TLS step shows the verified certificate', async () => {
    const report = await testConnection(kasmOptions(slapd(), { connection: { url: slapd().ldapsURL, tls: { trustedCertificates: slapd().certificate } } }), 'test_user_1', U.test_user_1.password);
    assert.equal(report.ok, true);
    const tls = report.steps[1]!;
    assert.equal(tls.status, 'ok');
    assert.equal(tls.summary, 'LDAPS established, certificate verified');
    assert.ok(tls.details.includes('certificate: CN=localhost'));
  });
});
