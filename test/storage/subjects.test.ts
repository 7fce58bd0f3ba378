// Subject identifiers as Authelia keeps them (reference/authelia.md §4.1): a random UUIDv4 per
// (service, sector, user), stable across restarts; the public sector '' is shared by every client
// without sector_identifier_uri (OIDC Core §8 public/pairwise subject types).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStorage } from '../../src/storage/database.ts';
import { exportSubjects, importSubjects, subjectFor, usernameForSubject } from '../../src/storage/subjects.ts';
import { databasePath, KEY, openTest, temporaryDirectory } from './helpers.ts';

const dir = temporaryDirectory();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('the same (sector, user) gets the same UUIDv4, also after re-opening', () => {
  const path = databasePath(dir);
  const first = openStorage({ path, encryptionKey: KEY });
  const sub = subjectFor(first, { sector: '', username: 'john' });
  assert.match(sub, UUID_V4);
  assert.equal(subjectFor(first, { sector: '', username: 'john' }), sub);
  first.close();
  const again = openStorage({ path, encryptionKey: KEY });
  assert.equal(subjectFor(again, { sector: '', username: 'john' }), sub);
  assert.equal(usernameForSubject(again, sub), 'john');
  again.close();
});

test('sectors and users get their own identifiers; usernames are matched exactly', () => {
  const storage = openTest(dir);
  const subjects = [
    subjectFor(storage, { sector: '', username: 'john' }),
    subjectFor(storage, { sector: 'https://a.example.com/sector.json', username: 'john' }),
    subjectFor(storage, { sector: 'https://b.example.com/sector.json', username: 'john' }),
    subjectFor(storage, { sector: '', username: 'harry' }),
    subjectFor(storage, { sector: '', username: 'John' }),
  ];
  assert.equal(new Set(subjects).size, subjects.length);
  for (const sub of subjects) assert.match(sub, UUID_V4);
  assert.equal(subjectFor(storage, { sector: 'https://a.example.com/sector.json', username: 'john' }), subjects[1]);
  assert.equal(usernameForSubject(storage, subjects[2]!), 'john');
  assert.equal(usernameForSubject(storage, '00000000-0000-4000-8000-000000000000'), undefined);
});

test('two handles creating the first subject at once agree on one UUID', () => {
  const path = databasePath(dir);
  const a = openStorage({ path, encryptionKey: KEY });
  const b = openStorage({ path, encryptionKey: KEY });
  try {
    const fromA = subjectFor(a, { sector: '', username: 'race' });
    const fromB = subjectFor(b, { sector: '', username: 'race' });
    assert.equal(fromA, fromB);
    assert.equal(exportSubjects(a).length, 1);
  } finally {
    a.close();
    b.close();
  }
});

test('export then import into a new database reproduces every subject (migration from Authelia)', () => {
  const source = openTest(dir);
  subjectFor(source, { sector: '', username: 'john' });
  subjectFor(source, { sector: 'https://app.example.com', username: 'john' });
  subjectFor(source, { sector: '', username: 'harry' });
  const rows = exportSubjects(source);
  assert.equal(rows.length, 3);
  assert.deepEqual(Object.keys(rows[0]!).sort(), ['identifier', 'sector_id', 'service', 'username']);
  assert.ok(rows.every((r) => r.service === 'openid'));

  const target = openTest(dir);
  assert.deepEqual(importSubjects(target, rows), { imported: 3, skipped: 0 });
  assert.deepEqual(exportSubjects(target), rows);
  assert.equal(subjectFor(target, { sector: 'https://app.example.com', username: 'john' }), rows[1]!.identifier);
  assert.deepEqual(importSubjects(target, rows), { imported: 0, skipped: 3 }, 'importing twice is harmless');
});

test('an import that conflicts with a stored subject, or is malformed, changes nothing', () => {
  const storage = openTest(dir);
  const existing = subjectFor(storage, { sector: '', username: 'john' });
  const fresh = { service: 'openid', sector_id: '', username: 'new-user', identifier: '9c3f1b6e-4a7d-4e2b-9f10-3c5d7e9a1b2c' };
  const remap = { service: 'openid', sector_id: '', username: 'john', identifier: '1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6' };
  const stolen = { service: 'openid', sector_id: '', username: 'mallory', identifier: existing };
  for (const conflict of [remap, stolen]) {
    assert.throws(() => importSubjects(storage, [fresh, conflict]), { name: 'StorageError', code: 'SUBJECT_CONFLICT' });
  }
  assert.throws(() => importSubjects(storage, [fresh, { ...fresh, username: 'x', identifier: 'not-a-uuid' }]), { code: 'INVALID_INPUT' });
  assert.throws(() => importSubjects(storage, [{ ...fresh, username: '' }]), { code: 'INVALID_INPUT' });
  assert.deepEqual(exportSubjects(storage).map((r) => r.username), ['john']);
});

test('a mapping once found is answered from memory; one not found is looked up again, as another process may add it', () => {
  const path = databasePath(dir);
  const server = openStorage({ path, encryptionKey: KEY });
  const other = openStorage({ path, encryptionKey: KEY });
  const sub = subjectFor(server, { sector: 'https://cache.example.com/sector.json', username: 'mia' });
  assert.equal(usernameForSubject(server, sub), 'mia');
  // Another process (the CLI's import) adds a mapping the server has looked for and not found.
  const imported = '0b6f2a4e-3c1d-4e5f-8a9b-1c2d3e4f5a6b';
  assert.equal(usernameForSubject(server, imported), undefined);
  importSubjects(other, [{ service: 'openid', sector_id: '', username: 'noah', identifier: imported }]);
  assert.equal(usernameForSubject(server, imported), 'noah');
  other.close();
  // Remembered: answered without the database (a query on a closed handle would throw).
  server.db.close();
  assert.equal(usernameForSubject(server, sub), 'mia');
  assert.equal(subjectFor(server, { sector: 'https://cache.example.com/sector.json', username: 'mia' }), sub);
  assert.throws(() => usernameForSubject(server, '5d8c7b6a-1f2e-4d3c-9b8a-7f6e5d4c3b2a'));
});
