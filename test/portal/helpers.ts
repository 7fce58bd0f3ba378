// Shared helpers for the portal tests: a Koa app on an ephemeral port, and small readers for the
// server-rendered HTML (the views are plain strings, so a start tag is found by its id).
import assert from 'node:assert/strict';
import { stylesheet } from '../../src/portal/stylesheet.ts';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

export async function serve(app: Koa): Promise<Served> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The start tag of the element with this id; fails the test when there is none or more than one. */
export function tagWithID(page: string, id: string): string {
  const tags = [...page.matchAll(/<[a-zA-Z][^>]*>/g)].map((m) => m[0]).filter((tag) => attribute(tag, 'id') === id);
  assert.equal(tags.length, 1, `expected one element with id="${id}", found ${tags.length}`);
  return tags[0] ?? '';
}

export function hasID(page: string, id: string): boolean {
  return [...page.matchAll(/\sid="([^"]*)"/g)].some((m) => m[1] === id);
}

/** An attribute's raw (still escaped) value, '' for a bare attribute, undefined when absent. */
export function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}(?:="([^"]*)")?(?=[\\s>])`).exec(tag);
  return match ? (match[1] ?? '') : undefined;
}

/** The text content of an element found by id (up to the first closing tag of its name; no same-name nesting). */
export function textOf(page: string, id: string): string {
  const tag = tagWithID(page, id);
  const name = /^<([a-zA-Z0-9]+)/.exec(tag)?.[1] ?? '';
  const start = page.indexOf(tag) + tag.length;
  return page.slice(start, page.indexOf(`</${name}>`, start)).replace(/<[^>]*>/g, '').trim();
}

export function startTags(page: string): string[] {
  return [...page.matchAll(/<[a-zA-Z][^>]*>/g)].map((m) => m[0]);
}

/** The stylesheet link, and nothing the portal CSP forbids: inline styles, external resources, on* handlers. */
export function assertWorksUnderCSP(page: string): void {
  assert.ok(page.includes(`<link rel="stylesheet" href="${stylesheet().url}">`));
  // style-src 'self' forbids inline styles; no external resources either.
  assert.doesNotMatch(page, /<style|\sstyle=/i);
  assert.doesNotMatch(page, /(?:src|href)="(?:https?:)?\/\//i);
  for (const tag of startTags(page)) assert.doesNotMatch(tag.replace(/="[^"]*"/g, ''), /\son[a-z]+[\s>]/i, tag);
}

/** Every visible input has an id and a <label for> (WCAG 1.3.1). */
export function assertInputsLabelled(page: string): void {
  for (const [tag] of page.matchAll(/<input\b[^>]*>/g)) {
    if (attribute(tag, 'type') === 'hidden') continue;
    const id = attribute(tag, 'id');
    assert.ok(id, `input without id: ${tag}`);
    assert.ok(startTags(page).some((t) => t.startsWith('<label') && attribute(t, 'for') === id), `no label for #${id}`);
  }
}
