// Reading portal forms: urlencoded only, size-limited, parsed once, single-valued fields.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Koa from 'koa';
import { field, FormError, readForm } from '../../src/portal/form.ts';
import { serve } from './helpers.ts';
import type { Served } from './helpers.ts';

describe('field', () => {
  const form = new URLSearchParams('a=1&b=x&b=y&empty=&long=' + 'z'.repeat(20));

  test('gives the single value', () => {
    assert.equal(field(form, 'a'), '1');
    assert.equal(field(form, 'empty'), '');
  });

  test("gives '' for missing, repeated and over-long fields", () => {
    assert.equal(field(form, 'missing'), '');
    assert.equal(field(form, 'b'), '');
    assert.equal(field(form, 'long', 10), '');
    assert.equal(field(form, 'long', 20), 'z'.repeat(20));
  });
});

describe('readForm', () => {
  let served: Served;

  before(async () => {
    const app = new Koa();
    app.use(async (ctx) => {
      try {
        const first = await readForm(ctx, 64);
        const again = await readForm(ctx, 64);
        ctx.body = { same: first === again, fields: Object.fromEntries(first) };
      } catch (error) {
        assert.ok(error instanceof FormError);
        ctx.status = error.status;
      }
    });
    served = await serve(app);
  });

  after(() => served.close());

  function post(body: string, type = 'application/x-www-form-urlencoded; charset=utf-8'): Promise<Response> {
    return fetch(served.url, { method: 'POST', headers: { 'content-type': type }, body });
  }

  test('parses a urlencoded body once per request', async () => {
    const response = await post('username=j%C3%B6rg&password=a+b%26c');
    assert.deepEqual(await response.json(), { same: true, fields: { username: 'jörg', password: 'a b&c' } });
  });

  test('refuses other content types with 415', async () => {
    assert.equal((await post('{}', 'application/json')).status, 415);
    assert.equal((await post('a=1', 'text/plain')).status, 415);
  });

  test('refuses a body over the limit with 413', async () => {
    assert.equal((await post(`a=${'x'.repeat(100)}`)).status, 413);
  });
});
