// Escaping (RFC 4515 §3 filter values, RFC 4514 §2.4/§3 DN values), Authelia's and Kasm's filter
// placeholders, DN comparison, and the pure parts of the IN_CHAIN handling. No server needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FilterParser } from 'ldapts';
import { domainOfDN, firstRDNValue, joinDN, normalizeDN, sameDN } from '../../src/ldap/dn.ts';
import { LDAPError, parseADBindCode, PUBLIC_FAILURE } from '../../src/ldap/errors.ts';
import { escapeDNValue, escapeFilterValue, formatDN, parseDN, placeholdersIn, renderFilter } from '../../src/ldap/escape.ts';
import { directFilter, inChainAssertions, rootDSESupportsInChain } from '../../src/ldap/in-chain.ts';
import { IMPLEMENTATION_DEFAULTS, IMPLEMENTATIONS } from '../../src/ldap/implementations.ts';
import { parseLDAPURL, parseTLSVersion } from '../../src/ldap/connection.ts';

function code(error: unknown): string {
  return error instanceof LDAPError ? error.code : `not an LDAPError: ${String(error)}`;
}

describe('filter values (RFC 4515 §3)', () => {
  test('*, (, ), \\ and NUL are hex-escaped; other characters pass', () => {
    assert.equal(escapeFilterValue('*'), '\\2a');
    assert.equal(escapeFilterValue(')('), '\\29\\28');
    assert.equal(escapeFilterValue('a\\b'), 'a\\5cb');
    assert.equal(escapeFilterValue('\0'), '\\00');
    assert.equal(escapeFilterValue('jürgen@example.com'), 'jürgen@example.com');
  });

  test('an injection attempt stays one assertion value', () => {
    const filter = renderFilter('(uid={input})', { input: 'uid=*)(|(uid=*' });
    assert.equal(filter, '(uid=uid=\\2a\\29\\28|\\28uid=\\2a)');
    const parsed = FilterParser.parseString(filter) as unknown as { attribute: string; value: string };
    assert.equal(parsed.attribute, 'uid');
    assert.equal(parsed.value, 'uid=*)(|(uid=*');
  });
});

describe('DN values (RFC 4514)', () => {
  test('special characters, a leading # or space and a trailing space are escaped', () => {
    assert.equal(escapeDNValue('Doe, Jane'), 'Doe\\, Jane');
    assert.equal(escapeDNValue('a+b;c<d>e"f\\g=h'), 'a\\+b\\;c\\<d\\>e\\"f\\\\g\\=h');
    assert.equal(escapeDNValue('#1 '), '\\#1\\ ');
    assert.equal(escapeDNValue(' x'), '\\ x');
    assert.equal(escapeDNValue('nul\0'), 'nul\\00');
  });

  test('parseDN undoes the escaping, hex escapes included (UTF-8)', () => {
    assert.deepEqual(parseDN('cn=Doe\\, Jane (ops),OU=MyOrg,DC=kasm,DC=core'), [[{ type: 'cn', value: 'Doe, Jane (ops)' }], [{ type: 'OU', value: 'MyOrg' }], [{ type: 'DC', value: 'kasm' }], [{ type: 'DC', value: 'core' }]]);
    assert.deepEqual(parseDN('cn=Doe\\2C Jane,ou=J\\C3\\BCrgen'), [[{ type: 'cn', value: 'Doe, Jane' }], [{ type: 'ou', value: 'Jürgen' }]]);
    assert.deepEqual(parseDN('cn=a+uid=b, dc=example'), [[{ type: 'cn', value: 'a' }, { type: 'uid', value: 'b' }], [{ type: 'dc', value: 'example' }]]);
    assert.deepEqual(parseDN(''), []);
    for (const bad of ['cn', 'cn=a,', '=a', 'cn=a\\']) assert.equal(code(catchError(() => parseDN(bad))), 'INVALID_OPTIONS', bad);
  });

  test('formatDN(parseDN(x)) escapes every value one way', () => {
    assert.equal(formatDN(parseDN('cn=Doe\\2C Jane \\28ops\\29,ou=MyOrg')), 'cn=Doe\\, Jane (ops),ou=MyOrg');
    const value = 'a,b+c"d\\e<f>g;h= #';
    assert.equal(parseDN(`cn=${escapeDNValue(value)},dc=x`)[0]![0]!.value, value);
  });

  test('DNs compare case-insensitively and across escapings; Kasm login domain from the DCs', () => {
    assert.ok(sameDN('CN=kasm_group_1,OU=MyOrg,DC=kasm,DC=core', 'cn=kasm_group_1,ou=myorg,dc=kasm,dc=core'));
    assert.ok(sameDN('cn=Doe\\, Jane,dc=x', 'CN=doe\\2c jane, DC=X'));
    assert.ok(!sameDN('cn=a,dc=x', 'cn=b,dc=x'));
    assert.equal(normalizeDN('uid=b+cn=a,DC=X'), 'cn=a+uid=b,dc=x');
    assert.equal(domainOfDN('OU=MyOrg,DC=kasm,DC=core'), 'kasm.core');
    assert.equal(joinDN('OU=people', 'dc=example,dc=com'), 'OU=people,dc=example,dc=com');
    assert.equal(joinDN(undefined, 'dc=example,dc=com'), 'dc=example,dc=com');
    assert.equal(firstRDNValue('cn=kasm_group_1,ou=MyOrg'), 'kasm_group_1');
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('filter templates', () => {
  const attributes = { username: 'uid', mail: 'mail', displayName: 'displayName', memberOf: 'memberOf', distinguishedName: 'distinguishedName' };

  test("Authelia's placeholders: attribute names, {input}, {username}, {dn}", () => {
    const users = renderFilter('(&(|({username_attribute}={input})({mail_attribute}={input}))({display_name_attribute}=*)({member_of_attribute}=*)({distinguished_name_attribute}=*))', { attributes, input: 'j*' });
    assert.equal(users, '(&(|(uid=j\\2a)(mail=j\\2a))(displayName=*)(memberOf=*)(distinguishedName=*))');
    assert.equal(renderFilter('(&(member={dn})(memberUid={username}))', { dn: 'cn=Doe\\, J (x),dc=y', username: 'jd' }), '(&(member=cn=Doe\\5c, J \\28x\\29,dc=y)(memberUid=jd))');
  });

  test('{memberof:dn} and {memberof:rdn} expand to one assertion per group, as Authelia does', () => {
    const memberOf = ['CN=g1,OU=x,DC=y', 'cn=a\\,b (c),dc=y'];
    assert.equal(renderFilter('(&(|{memberof:dn})(objectClass=group))', { attributes, memberOf }), '(&(|(distinguishedName=CN=g1,OU=x,DC=y)(distinguishedName=cn=a\\5c,b \\28c\\29,dc=y))(objectClass=group))');
    assert.equal(renderFilter('(&(|{memberof:rdn})(objectClass=group))', { memberOf }), '(&(|(CN=g1)(cn=a,b \\28c\\29))(objectClass=group))');
  });

  test('{date-time:generalized|unix|microsoft-nt} from the clock', () => {
    const now = new Date('2026-12-01T21:30:05Z');
    assert.equal(renderFilter('(a>={date-time:generalized})', { now }), '(a>=20261201213005.0Z)');
    assert.equal(renderFilter('(a>={date-time:unix})', { now }), '(a>=1796160605)');
    // 100 ns intervals since 1601-01-01: the Unix epoch is 116444736000000000.
    assert.equal(renderFilter('(a>={date-time:microsoft-nt})', { now: new Date(0) }), '(a>=116444736000000000)');
  });

  test("Kasm's {0} and {}: escaped, and a filter without outer parentheses is wrapped", () => {
    assert.equal(renderFilter('&(objectClass=user)(sAMAccountName={0})', { positional: 'x)(cn=*' }), '(&(objectClass=user)(sAMAccountName=x\\29\\28cn=\\2a))');
    assert.equal(renderFilter('sAMAccountName={}', { positional: 'bob' }), '(sAMAccountName=bob)');
    assert.deepEqual([...placeholdersIn('(&(a={0})(b={})(c={dn})(d={unknown}))')], ['0', 'dn']);
  });

  test('a placeholder without a value, a bad attribute name and broken syntax are FILTER_INVALID', () => {
    assert.equal(code(catchError(() => renderFilter('(member={dn})', {}))), 'FILTER_INVALID');
    assert.equal(code(catchError(() => renderFilter('({username_attribute}=x)', { attributes: { username: 'uid)(x' } }))), 'FILTER_INVALID');
    assert.equal(code(catchError(() => renderFilter('({mail_attribute}=x)', { attributes: {} }))), 'FILTER_INVALID');
    assert.equal(code(catchError(() => renderFilter('(&(uid={input})', { input: 'a' }))), 'FILTER_INVALID');
  });

  test('every implementation preset renders to a valid filter', () => {
    for (const name of IMPLEMENTATIONS) {
      const preset = IMPLEMENTATION_DEFAULTS[name];
      const values = { attributes: { ...preset.attributes }, input: 'john', username: 'john', dn: 'cn=john,dc=example,dc=com', now: new Date() };
      for (const template of [preset.usersFilter, preset.groupsFilter]) if (template !== undefined) assert.doesNotThrow(() => renderFilter(template, values), `${name}: ${template}`);
    }
    assert.equal(IMPLEMENTATION_DEFAULTS.custom.usersFilter, undefined);
    assert.equal(IMPLEMENTATION_DEFAULTS.activedirectory.attributes.username, 'sAMAccountName');
    assert.equal(IMPLEMENTATION_DEFAULTS.lldap.additionalUsersDN, 'OU=people');
    assert.equal(IMPLEMENTATION_DEFAULTS.custom.timeoutSeconds, 20);
    assert.equal(IMPLEMENTATION_DEFAULTS.glauth.attributes.displayName, 'description');
  });
});

describe('LDAP_MATCHING_RULE_IN_CHAIN (pure parts)', () => {
  test('in-chain assertions are found anywhere in a filter and can be made direct', () => {
    const filter = FilterParser.parseString('(&(objectClass=user)(!(memberof:1.2.840.113556.1.4.1941:=cn=a,dc=x))(|(member:1.2.840.113556.1.4.1941:=cn=b,dc=x)(cn=c)))');
    assert.deepEqual(inChainAssertions(filter).map((a) => [a.matchType, a.value]), [['memberof', 'cn=a,dc=x'], ['member', 'cn=b,dc=x']]);
    assert.equal(directFilter(filter).toString(), '(&(objectClass=user)(!(memberof=cn=a,dc=x))(|(member=cn=b,dc=x)(cn=c)))');
    assert.deepEqual(inChainAssertions(FilterParser.parseString('(userAccountControl:1.2.840.113556.1.4.803:=2)')), []);
  });

  test('AD (and AD LDS) announce themselves in supportedCapabilities; OpenLDAP does not', () => {
    assert.ok(rootDSESupportsInChain({ dn: '', supportedCapabilities: ['1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1670'] }));
    assert.ok(rootDSESupportsInChain({ dn: '', supportedCapabilities: '1.2.840.113556.1.4.1851' }));
    assert.ok(!rootDSESupportsInChain({ dn: '', supportedControl: ['1.2.840.113556.1.4.319'] }));
    assert.ok(!rootDSESupportsInChain(undefined));
  });
});

describe('errors and options', () => {
  test("AD's data codes are read from the diagnostic message", () => {
    assert.equal(parseADBindCode('80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 52e, v3839'), '52e');
    assert.equal(parseADBindCode('80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 775, v1db1'), '775');
    assert.equal(parseADBindCode('invalid credentials'), undefined);
  });

  test('the public message is one generic sentence for every code', () => {
    for (const c of ['USER_NOT_FOUND', 'INVALID_USER_CREDENTIALS', 'ACCOUNT_LOCKED', 'CONNECTION_TIMED_OUT'] as const) assert.equal(new LDAPError(c, 'details for admins').publicMessage, PUBLIC_FAILURE);
  });

  test('TLS versions and LDAP URLs are parsed strictly', () => {
    assert.equal(parseTLSVersion('TLS1.2'), 'TLSv1.2');
    assert.equal(parseTLSVersion('tls 1.3'), 'TLSv1.3');
    assert.equal(parseTLSVersion('1.3'), 'TLSv1.3');
    assert.equal(code(catchError(() => parseTLSVersion('SSL3.0'))), 'INVALID_OPTIONS');
    assert.deepEqual(parseLDAPURL('ldaps://ldap.kasm.core'), { url: 'ldaps://ldap.kasm.core', secure: true, host: 'ldap.kasm.core', port: 636 });
    assert.equal(parseLDAPURL('ldap://[::1]:3890').host, '::1');
    for (const bad of ['http://x', 'ldap://', 'ldap://u:p@x', 'ldap://x/dc=example', 'not a url']) assert.equal(code(catchError(() => parseLDAPURL(bad))), 'INVALID_OPTIONS', bad);
  });
});
