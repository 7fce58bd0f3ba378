// One search as every lookup runs it: recorded for the test command, continuation references
// followed one hop when permit_referrals allows (with the service account, on a fresh
// connection) or reported when it does not, and entries read case-insensitively.
import type { Entry, Filter } from 'ldapts';
import { connect, parseLDAPURL, type Connection } from './connection.ts';
import { normalizeDN } from './dn.ts';
import type { DirectoryContext } from './options.ts';

/** Why a search ran, as the test command shows it. */
export type SearchPurpose = 'rootDSE' | 'user' | 'groups' | 'nested groups' | 'in-chain expansion' | 'referral';

export interface SearchRecord {
  readonly purpose: SearchPurpose;
  readonly base: string;
  readonly scope: 'base' | 'one' | 'sub';
  readonly filter: string;
  readonly entries: number;
  readonly references: readonly string[];
}

export type DiagnosticCode = 'IN_CHAIN_EMULATED' | 'REFERRALS_IGNORED' | 'REFERRAL_FAILED' | 'NESTED_DEPTH_LIMIT';

/** Something an administrator should know although the lookup went on. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
}

/** Receives each search and diagnostic of a lookup (the test command collects them). */
export interface Observer {
  search?(record: SearchRecord): void;
  diagnostic?(diagnostic: Diagnostic): void;
}

const LOGGED_LIMIT = 1000;

/** Reports a diagnostic to the observer, and logs it once per directory. */
export function report(ctx: DirectoryContext, observer: Observer | undefined, diagnostic: Diagnostic): void {
  observer?.diagnostic?.(diagnostic);
  if (!ctx.logged.has(diagnostic.message)) {
    // Bounded: a message naming a user is logged again after many others, never kept forever.
    if (ctx.logged.size >= LOGGED_LIMIT) ctx.logged.clear();
    ctx.logged.add(diagnostic.message);
    ctx.logger?.warn(diagnostic.message);
  }
}

export interface SearchRequest {
  readonly purpose: SearchPurpose;
  readonly base: string;
  readonly scope: 'base' | 'one' | 'sub';
  readonly filter: Filter | string;
  readonly attributes: readonly string[];
  readonly sizeLimit?: number;
}

/** The values of `attribute` in `entry` (attribute names compare case-insensitively), as strings. */
export function values(entry: Entry, attribute: string | undefined): string[] {
  if (attribute === undefined) return [];
  const wanted = attribute.toLowerCase();
  for (const [name, value] of Object.entries(entry)) {
    if (name.toLowerCase() !== wanted) continue;
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
  }
  return [];
}

/** Runs the search; follows or reports references; returns the entries (unique by DN). */
export async function search(ctx: DirectoryContext, connection: Connection, request: SearchRequest, observer: Observer | undefined): Promise<Entry[]> {
  const filter = request.filter.toString();
  const options = { scope: request.scope, filter, attributes: [...request.attributes], ...(request.sizeLimit === undefined ? {} : { sizeLimit: request.sizeLimit }) };
  const result = await connection.search(request.base, options);
  observer?.search?.({ purpose: request.purpose, base: request.base, scope: request.scope, filter, entries: result.searchEntries.length, references: result.searchReferences });
  const entries = new Map(result.searchEntries.map((entry) => [normalizeDN(entry.dn), entry]));
  if (result.searchReferences.length > 0) {
    if (!ctx.permitReferrals) {
      report(ctx, observer, { code: 'REFERRALS_IGNORED', message: `the ${request.purpose} search under '${request.base}' returned referrals (${result.searchReferences.join(', ')}) that were not followed: set permit_referrals to follow them` });
    } else {
      for (const reference of result.searchReferences) {
        for (const entry of await followReferral(ctx, reference, request, observer)) entries.set(normalizeDN(entry.dn), entry);
      }
    }
  }
  return [...entries.values()];
}

/** One hop: the referred server, bound as the service account, searched under the referred DN. */
async function followReferral(ctx: DirectoryContext, reference: string, request: SearchRequest, observer: Observer | undefined): Promise<Entry[]> {
  let connection: Connection | undefined;
  try {
    const url = new URL(reference);
    const base = decodeURIComponent(url.pathname.replace(/^\//, '')) || request.base;
    connection = await connect({ ...ctx.connection, url: parseLDAPURL(`${url.protocol}//${url.host}`).url });
    if (ctx.bind !== undefined) await connection.bind(ctx.bind.dn, ctx.bind.password, 'service');
    const result = await connection.search(base, { scope: request.scope, filter: request.filter.toString(), attributes: [...request.attributes] });
    observer?.search?.({ purpose: 'referral', base, scope: request.scope, filter: request.filter.toString(), entries: result.searchEntries.length, references: result.searchReferences });
    return result.searchEntries;
  } catch (error) {
    report(ctx, observer, { code: 'REFERRAL_FAILED', message: `the referral ${reference} could not be followed: ${error instanceof Error ? error.message : String(error)}` });
    return [];
  } finally {
    await connection?.close();
  }
}
