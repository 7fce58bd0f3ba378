// The escaping tagged template: every interpolated value is escaped for text and quoted-attribute
// context, trusted fragments pass only through raw()/html``, and link targets are filtered.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHTML, html, isSafeHTML, join, raw, safeHref } from '../../src/portal/html.ts';
import type { Interpolation } from '../../src/portal/html.ts';

describe('escapeHTML', () => {
  test('escapes the six characters that matter in text and quoted attributes', () => {
    assert.equal(escapeHTML(`&<>"'\``), '&amp;&lt;&gt;&quot;&#39;&#96;');
  });

  test('leaves other text, including non-ASCII, as it is', () => {
    assert.equal(escapeHTML('Zoë — 東京 / ok = 1;'), 'Zoë — 東京 / ok = 1;');
  });

  test('escapes an existing entity again rather than trusting it', () => {
    assert.equal(escapeHTML('&lt;b&gt;'), '&amp;lt;b&amp;gt;');
  });
});

describe('html``', () => {
  test('escapes text interpolations', () => {
    assert.equal(html`<p>${'<script>alert(1)</script>'}</p>`.value, '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  test('an attribute value cannot be closed or extended by the interpolation', () => {
    for (const attack of ['" onmouseover="alert(1)', "' autofocus onfocus='alert(1)", '`x` onload=alert(1)', '"><img src=x onerror=alert(1)>']) {
      const out = html`<input value="${attack}">`.value;
      const quoted = /^<input value="([^"]*)">$/.exec(out);
      assert.ok(quoted, `the value stays inside one quoted attribute: ${out}`);
      assert.doesNotMatch(quoted[1] ?? '', /[<>"'`]/);
    }
  });

  test('nested templates and raw() are not escaped again', () => {
    const inner = html`<b>${'a&b'}</b>`;
    assert.equal(html`<p>${inner}${raw('<br>')}</p>`.value, '<p><b>a&amp;b</b><br></p>');
  });

  test('nullish and false render nothing, numbers render as digits', () => {
    const missing: string | undefined = undefined;
    assert.equal(html`[${null}${missing}${false}${0}${12n}]`.value, '[012]');
  });

  test('arrays are concatenated with each item escaped', () => {
    assert.equal(html`<ul>${['<a>', html`<li>x</li>`]}</ul>`.value, '<ul>&lt;a&gt;<li>x</li></ul>');
  });

  test('refuses values that would print as [object Object] or true', () => {
    const sneaky = [{ toString: () => '<b>' }, true] as unknown as Interpolation[];
    for (const value of sneaky) assert.throws(() => html`${value}`, TypeError);
  });

  test('a plain string is never mistaken for safe markup', () => {
    assert.equal(isSafeHTML('<b>'), false);
    assert.equal(isSafeHTML({ value: '<b>' }), false);
    assert.equal(isSafeHTML(raw('<b>')), true);
    assert.equal(String(html`<i>${'x'}</i>`), '<i>x</i>');
  });
});

describe('join', () => {
  test('joins with an escaped text separator', () => {
    assert.equal(join(['a', '<b>'], ' & ').value, 'a &amp; &lt;b&gt;');
  });

  test('joins with a markup separator', () => {
    assert.equal(join([html`<i>1</i>`, '2'], raw('<br>')).value, '<i>1</i><br>2');
  });

  test('an empty list is empty', () => {
    assert.equal(join([], ', ').value, '');
  });
});

describe('safeHref', () => {
  test('keeps same-origin paths and http(s) URLs', () => {
    for (const url of ['/', '/interaction/abc?x=1', 'https://app.example.com/', 'http://localhost:8080/cb']) assert.equal(safeHref(url), url);
  });

  test('drops script, data and protocol-relative targets and whitespace tricks', () => {
    for (const url of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,x', '//evil.example', '/\\evil.example', '/\t/evil.example', ' /x', 'relative/path', 'vbscript:x', '']) {
      assert.equal(safeHref(url), undefined, url);
    }
  });
});
