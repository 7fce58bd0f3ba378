// The stylesheet asset: content-hashed URL, strong SHA-256 ETag, nothing fetched from elsewhere.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { stylesheet, STYLESHEET_PATH } from '../../src/portal/stylesheet.ts';

describe('stylesheet', () => {
  const css = stylesheet();
  const digest = createHash('sha256').update(css.text).digest();

  test('has a URL versioned by its content', () => {
    assert.equal(css.url, `${STYLESHEET_PATH}?v=${digest.toString('hex').slice(0, 16)}`);
    assert.equal(STYLESHEET_PATH, '/static/castellan.css');
  });

  test('has a strong ETag from the SHA-256 of its text', () => {
    assert.equal(css.etag, `"sha256-${digest.toString('base64url')}"`);
  });

  test('loads no external resources (no fonts, no CDNs, no imports)', () => {
    assert.doesNotMatch(css.text, /@import|url\(|https?:/i);
  });

  test('has a dark scheme and visible focus styles', () => {
    assert.match(css.text, /@media \(prefers-color-scheme: dark\)/);
    assert.match(css.text, /:focus-visible\s*\{[^}]*outline: 2px solid/);
  });
});
