// Logins against the file backend (authentication_backend.file, Authelia reference §6): the right
// password, every kind of failure answered alike (ASVS 6.3.8), email and case-insensitive search.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import pino from 'pino';
import { costClass } from '../../src/identity/dummy-digest.ts';
import { openFileBackend, type BackendLogger, type FileBackend } from '../../src/identity/file-backend.ts';
import { countingVerifier, fastDigest, fileConfig, REAL_VECTOR, usersFile } from './helpers.ts';

let users: string;

before(async () => {
  const [john, jane, bob] = await Promise.all([fastDigest('john-secret'), fastDigest('jane-secret'), fastDigest('bob-secret')]);
  users = `users:
  john:
    displayname: 'John Doe'
    password: '${john}'
    email: 'john.doe@example.com'
    groups: [admins, dev]
  jane:
    displayname: 'Jane Roe'
    password: '${jane}'
    email: 'Jane.Roe@Example.com'
    given_name: 'Jane'
    family_name: 'Roe'
    locale: 'en-us'
    website: 'https://jane.example.com/'
    phone_number: '+1 555 0100'
    address:
      locality: 'Springfield'
      country: 'US'
  bob:
    displayname: 'Bob'
    password: '${bob}'
    disabled: true
  straße:
    displayname: 'Street'
    password: '${bob}'
`;
});

async function open(search?: { email?: boolean; case_insensitive?: boolean }, verify?: ReturnType<typeof countingVerifier>['verify']): Promise<FileBackend> {
  return openFileBackend(fileConfig(await usersFile(users), search ? { search } : {}), verify ? { verify } : {});
}

describe('authenticate', () => {
  test('the right password returns the user with its attributes', async () => {
    const backend = await open();
    const john = await backend.authenticate('john', 'john-secret');
    assert.deepEqual(john, { username: 'john', displayName: 'John Doe', emails: ['john.doe@example.com'], groups: ['admins', 'dev'], disabled: false });
    const jane = await backend.authenticate('jane', 'jane-secret');
    assert.equal(jane?.givenName, 'Jane');
    assert.equal(jane?.familyName, 'Roe');
    assert.equal(jane?.locale, 'en-US', 'the BCP 47 tag is canonicalised');
    assert.equal(jane?.website, 'https://jane.example.com/');
    assert.equal(jane?.phoneNumber, '+1 555 0100');
    assert.deepEqual(jane?.address, { locality: 'Springfield', country: 'US' });
    assert.ok(Object.isFrozen(john) && Object.isFrozen(john?.groups), 'users are immutable');
    await backend.close();
  });

  test("Authelia's documented argon2id digest of 'password' (reference §3.4)", async () => {
    const path = await usersFile(`users:\n  john:\n    displayname: John\n    password: '${REAL_VECTOR}'\n`);
    const backend = await openFileBackend(fileConfig(path));
    assert.equal((await backend.authenticate('john', 'password'))?.username, 'john');
    assert.equal(await backend.authenticate('john', 'Password'), undefined);
    await backend.close();
  });

  test('wrong password, unknown user, disabled user and empty password all give undefined', async () => {
    const backend = await open();
    assert.equal(await backend.authenticate('john', 'jane-secret'), undefined);
    assert.equal(await backend.authenticate('john', 'john-secret '), undefined, 'no trimming (ASVS 6.2.8)');
    assert.equal(await backend.authenticate('nobody', 'john-secret'), undefined);
    assert.equal(await backend.authenticate('bob', 'bob-secret'), undefined, 'disabled');
    assert.equal(await backend.authenticate('john', ''), undefined);
    assert.equal(await backend.authenticate('', ''), undefined);
    assert.equal(await backend.authenticate('john', 'x'.repeat(5000)), undefined, 'overlong password');
    await backend.close();
  });

  test('every attempt runs exactly one password check, at the cost of a real one', async () => {
    const counter = countingVerifier();
    const backend = await open({}, counter.verify);
    const attempts: [string, string][] = [['john', 'john-secret'], ['john', 'wrong'], ['nobody', 'john-secret'], ['bob', 'bob-secret'], ['john', ''], ['', '']];
    for (const [username, password] of attempts) {
      const before = counter.calls.length;
      await backend.authenticate(username, password);
      assert.equal(counter.calls.length, before + 1, `one check for ${JSON.stringify([username, password])}`);
    }
    const userDigest = counter.calls[0]!;
    const dummy = counter.calls[2]!;
    assert.notEqual(dummy.encoded, userDigest.encoded, 'an unknown user is checked against a dummy, not a user');
    assert.equal(costClass(dummy), costClass(userDigest), 'the dummy has the users’ algorithm and cost');
    assert.equal(counter.calls[5], dummy, 'the dummy is made once, at load');
    await backend.close();
  });

  test('an empty password never matches, even against a digest of the empty string', async () => {
    const path = await usersFile(`users:\n  empty:\n    displayname: E\n    password: '${await fastDigest('')}'\n`);
    const backend = await openFileBackend(fileConfig(path));
    assert.equal(await backend.authenticate('empty', ''), undefined);
    await backend.close();
  });
});

describe('search.email', () => {
  test('is off by default: an email address is not a login name', async () => {
    const backend = await open();
    assert.equal(await backend.authenticate('john.doe@example.com', 'john-secret'), undefined);
    assert.equal(await backend.lookup('john.doe@example.com'), undefined);
    await backend.close();
  });

  test('when on, the email signs in (case-insensitively) and the canonical username comes back', async () => {
    const backend = await open({ email: true });
    assert.equal((await backend.authenticate('john.doe@example.com', 'john-secret'))?.username, 'john');
    assert.equal((await backend.authenticate('jane.roe@EXAMPLE.COM', 'jane-secret'))?.username, 'jane');
    assert.equal((await backend.lookup('JOHN.DOE@example.com'))?.username, 'john');
    assert.equal(await backend.authenticate('john.doe@example.com', 'wrong'), undefined);
    assert.equal(await backend.authenticate('JOHN', 'john-secret'), undefined, 'usernames stay exact');
    await backend.close();
  });
});

describe('search.case_insensitive', () => {
  test('is off by default: usernames match exactly', async () => {
    const backend = await open();
    assert.equal(await backend.authenticate('John', 'john-secret'), undefined);
    await backend.close();
  });

  test('when on, usernames match after NFKC and case folding', async () => {
    const backend = await open({ case_insensitive: true });
    assert.equal((await backend.authenticate('JOHN', 'john-secret'))?.username, 'john');
    assert.equal((await backend.authenticate('ｊｏｈｎ', 'john-secret'))?.username, 'john', 'fullwidth letters (NFKC)');
    assert.equal((await backend.lookup('STRASSE'))?.username, 'straße', 'ß folds to ss');
    assert.equal(await backend.authenticate('JOHN', 'JOHN-SECRET'), undefined, 'passwords are never folded');
    assert.equal(await backend.authenticate('john.doe@example.com', 'john-secret'), undefined, 'no email search');
    await backend.close();
  });
});

describe('lookup', () => {
  test('finds users without a password check and hides disabled ones', async () => {
    const counter = countingVerifier();
    const backend = await open({}, counter.verify);
    assert.equal((await backend.lookup('john'))?.displayName, 'John Doe');
    assert.equal(await backend.lookup('bob'), undefined, 'disabled users are not found (as in Authelia)');
    assert.equal(await backend.lookup('nobody'), undefined);
    assert.equal(counter.calls.length, 0);
    assert.equal(backend.size, 4);
    await backend.close();
  });
});

test('a pino logger fits the backend logger', async () => {
  const logger: BackendLogger = pino({ enabled: false });
  const backend = await openFileBackend(fileConfig(await usersFile(users)), { logger });
  assert.equal(backend.size, 4);
  await backend.close();
});
