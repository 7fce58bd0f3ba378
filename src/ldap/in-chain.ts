// Active Directory's LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941): "member of a member".
// OpenLDAP and most other servers do not know it and silently match nothing, so Kasm's AD filters
// find no one there. This module detects support (rootDSE capabilities), and where it is missing
// rewrites each in-chain assertion of a filter into the plain assertions it stands for, walking
// the group graph client-side with cycle detection and a depth bound.
import { EqualityFilter, ExtensibleFilter, Filter, NotFilter, OrFilter, AndFilter, type Entry } from 'ldapts';
import type { Connection } from './connection.ts';
import { normalizeDN } from './dn.ts';
import { LDAPError } from './errors.ts';
import type { DirectoryContext } from './options.ts';
import { report, search, values, type Observer } from './search.ts';

export const IN_CHAIN_OID = '1.2.840.113556.1.4.1941';

/** rootDSE supportedCapabilities of Active Directory (and AD LDS), whose servers evaluate IN_CHAIN. */
const AD_CAPABILITIES = ['1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1851'];

/** Whether a rootDSE entry announces an Active Directory server. */
export function rootDSESupportsInChain(rootDSE: Entry | undefined): boolean {
  if (rootDSE === undefined) return false;
  return values(rootDSE, 'supportedCapabilities').some((oid) => AD_CAPABILITIES.includes(oid.trim()));
}

/** Reads the rootDSE once per directory; a server that refuses it is treated as not supporting IN_CHAIN. */
export function supportsInChain(ctx: DirectoryContext, connection: Connection, observer: Observer | undefined): Promise<boolean> {
  ctx.inChain ??= search(ctx, connection, { purpose: 'rootDSE', base: '', scope: 'base', filter: '(objectClass=*)', attributes: ['supportedCapabilities', 'supportedControl', 'vendorName'] }, observer)
    .then((entries) => rootDSESupportsInChain(entries[0]))
    .catch(() => false);
  return ctx.inChain;
}

/** The in-chain assertions of a filter, e.g. `(memberOf:1.2.840.113556.1.4.1941:=cn=g,…)`. */
export function inChainAssertions(filter: Filter): ExtensibleFilter[] {
  if (filter instanceof ExtensibleFilter) return filter.rule === IN_CHAIN_OID ? [filter] : [];
  if (filter instanceof AndFilter || filter instanceof OrFilter) return filter.filters.flatMap(inChainAssertions);
  if (filter instanceof NotFilter) return inChainAssertions(filter.filter);
  return [];
}

/** `filter` with each in-chain assertion replaced by `replace(assertion)` (children are changed in place). */
export function replaceInChain(filter: Filter, replace: (assertion: ExtensibleFilter) => Filter): Filter {
  if (filter instanceof ExtensibleFilter) return filter.rule === IN_CHAIN_OID ? replace(filter) : filter;
  if (filter instanceof AndFilter || filter instanceof OrFilter) filter.filters = filter.filters.map((child) => replaceInChain(child, replace));
  else if (filter instanceof NotFilter) filter.filter = replaceInChain(filter.filter, replace);
  return filter;
}

/** The same filter with in-chain assertions made direct: `(member:…1941:=X)` → `(member=X)`. */
export function directFilter(filter: Filter): Filter {
  return replaceInChain(filter, (assertion) => new EqualityFilter({ attribute: assertion.matchType, value: assertion.value }));
}

function anyOf(attribute: string, dns: readonly string[]): Filter {
  const filters = dns.map((dn) => new EqualityFilter({ attribute, value: dn }));
  return filters.length === 1 ? filters[0]! : new OrFilter({ filters });
}

/**
 * Entries reachable from `start` through `attribute` links, breadth first, never visiting a DN
 * twice (cycles) and at most `maxDepth` levels deep: for a forward link (member) the groups that
 * contain `start` in chain, for the back link (memberOf) the groups nested inside `start`.
 */
async function chain(ctx: DirectoryContext, connection: Connection, attribute: string, start: string, observer: Observer | undefined): Promise<string[]> {
  const forward = ctx.nested.memberAttributes.some((name) => name.toLowerCase() === attribute.toLowerCase());
  const seen = new Set([normalizeDN(start)]);
  const found: string[] = [];
  let frontier = [start];
  let groups: Set<string> | undefined;
  for (let depth = 1; frontier.length > 0; depth++) {
    if (depth > ctx.nested.maxDepth) {
      report(ctx, observer, { code: 'NESTED_DEPTH_LIMIT', message: `nested groups below '${start}' go deeper than ${ctx.nested.maxDepth} levels; deeper levels were not followed` });
      break;
    }
    let next: string[];
    if (forward) {
      const entries = await search(ctx, connection, { purpose: 'in-chain expansion', base: ctx.baseDN, scope: 'sub', filter: anyOf(attribute, frontier), attributes: ['1.1'] }, observer);
      next = entries.map((entry) => entry.dn);
    } else {
      // Groups rarely carry memberOf (OpenLDAP's dynlist gives it to users only), so walk down the
      // forward links instead: the members of each frontier group that are themselves groups.
      groups ??= new Set((await search(ctx, connection, { purpose: 'in-chain expansion', base: ctx.baseDN, scope: 'sub', filter: hasMembers(ctx), attributes: ['1.1'] }, observer)).map((entry) => normalizeDN(entry.dn)));
      next = [];
      for (const dn of frontier) {
        const [entry] = await search(ctx, connection, { purpose: 'in-chain expansion', base: dn, scope: 'base', filter: '(objectClass=*)', attributes: [...ctx.nested.memberAttributes] }, observer);
        if (entry !== undefined) next.push(...ctx.nested.memberAttributes.flatMap((name) => values(entry, name)).filter((member) => groups!.has(normalizeDN(member))));
      }
    }
    frontier = [];
    for (const dn of next) {
      const key = normalizeDN(dn);
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(dn);
      frontier.push(dn);
    }
  }
  return found;
}

/** `(|(member=*)(uniqueMember=*))`: entries that have members, i.e. non-empty groups. */
function hasMembers(ctx: DirectoryContext): string {
  const parts = ctx.nested.memberAttributes.map((name) => `(${name}=*)`);
  return parts.length === 1 ? parts[0]! : `(|${parts.join('')})`;
}

/** One in-chain assertion and the plain filter it was expanded to. */
export interface Expansion {
  readonly from: string;
  readonly to: string;
}

/**
 * Rewrites every in-chain assertion into plain equality over its chain, e.g.
 * `(memberOf:…1941:=cn=all,…)` → `(|(memberOf=cn=all,…)(memberOf=cn=kasm_group_1,…))`.
 * Throws IN_CHAIN_UNSUPPORTED for an attribute that is neither a member attribute nor memberOf.
 */
export async function expandInChain(ctx: DirectoryContext, connection: Connection, filter: Filter, observer: Observer | undefined): Promise<{ filter: Filter; expansions: Expansion[] }> {
  const expansions = new Map<ExtensibleFilter, Filter>();
  for (const assertion of inChainAssertions(filter)) {
    const attribute = assertion.matchType;
    const backLink = attribute.toLowerCase() === (ctx.attributes.memberOf ?? 'memberOf').toLowerCase();
    const forward = ctx.nested.memberAttributes.some((name) => name.toLowerCase() === attribute.toLowerCase());
    if (!backLink && !forward) {
      throw new LDAPError('IN_CHAIN_UNSUPPORTED', `the filter ${filter.toString()} applies LDAP_MATCHING_RULE_IN_CHAIN (${IN_CHAIN_OID}) to '${attribute}', which this server does not support and Castellan can only emulate for ${[...ctx.nested.memberAttributes, ctx.attributes.memberOf ?? 'memberOf'].join(', ')}`);
    }
    expansions.set(assertion, anyOf(attribute, [assertion.value, ...(await chain(ctx, connection, attribute, assertion.value, observer))]));
  }
  const described = [...expansions].map(([assertion, expansion]) => ({ from: assertion.toString(), to: expansion.toString() }));
  return { filter: replaceInChain(filter, (assertion) => expansions.get(assertion) ?? assertion), expansions: described };
}
