// The committed configuration reference must be what the schema renders: run `npm run docs:config`
// after changing schemas/configuration.schema.json.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { renderReference } from '../../src/config/reference.ts';

test('docs/configuration.md is up to date with the schema', async () => {
  const committed = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(committed, renderReference(), 'run `npm run docs:config` and commit docs/configuration.md');
});

test('the reference names every client option and marks unimplemented ones', () => {
  const text = renderReference();
  for (const key of ['client_id', 'redirect_uris', 'pkce_challenge_method', 'sector_identifier_uri', 'consent_mode', 'token_endpoint_auth_method']) {
    assert.match(text, new RegExp(`identity_providers\\.oidc\\.clients\\[\\]\\.${key}\``));
  }
  assert.match(text, /`notifier` \| object \|.*accepted, not implemented yet/);
});
