// The groups of a user: the configured groups filter (group_search_mode filter) or the user's
// memberOf values (memberof), then nesting, so that a member of a member counts as on AD. Where
// the filter uses IN_CHAIN and the server evaluates it, the server resolves nesting; otherwise
// the groups of each group are searched client-side, breadth first, with cycle detection and a
// depth bound. Each group says how it was reached: directly, or via which groups.
import type { Entry, Filter } from 'ldapts';
import type { Connection } from './connection.ts';
import { firstRDNValue, normalizeDN } from './dn.ts';
import { escapeFilterValue, parseFilter, placeholdersIn, renderFilter } from './escape.ts';
import { directFilter, inChainAssertions, supportsInChain } from './in-chain.ts';
import type { DirectoryContext } from './options.ts';
import { report, search, values, type Observer } from './search.ts';
import { filterAttributes, type DirectoryUser } from './users.ts';

export interface DirectoryGroup {
  readonly dn: string;
  /** The group name attribute (cn), or the first RDN's value when the entry has none. */
  readonly name: string;
  /** The groups (DNs) through which the user is a member, from the user outwards; empty for a direct member. */
  readonly via: readonly string[];
  /** 'direct', 'nested' (through `via`), or 'in-chain' (the server's IN_CHAIN found it; the path is unknown). */
  readonly reached: 'direct' | 'nested' | 'in-chain';
}

function toGroup(ctx: DirectoryContext, entry: Entry, via: readonly string[], reached: DirectoryGroup['reached']): DirectoryGroup {
  return { dn: entry.dn, name: values(entry, ctx.attributes.groupName)[0] ?? firstRDNValue(entry.dn), via, reached };
}

/** The groups filter rendered for `dn` as the member (the user's DN, or a group's while walking). */
function groupsFilterFor(ctx: DirectoryContext, user: DirectoryUser, dn: string, memberOf: readonly string[]): Filter {
  const template = ctx.groupsFilter!;
  return parseFilter(renderFilter(template, { attributes: filterAttributes(ctx), input: user.input, username: user.username, dn, positional: dn, memberOf, now: ctx.now() }), template);
}

/** The groups `user` belongs to, each with how it was reached. No groups filter: none. */
export async function groupsOfOn(ctx: DirectoryContext, connection: Connection, user: DirectoryUser, observer?: Observer): Promise<DirectoryGroup[]> {
  if (ctx.groupsFilter === undefined) return [];
  if (ctx.groupSearchMode === 'memberof' && user.memberOf.length === 0) return [];
  const filter = groupsFilterFor(ctx, user, user.dn, user.memberOf);
  const inChain = inChainAssertions(filter).length > 0;
  const attributes = ctx.groupAttributes;
  if (inChain && (await supportsInChain(ctx, connection, observer))) return serverInChain(ctx, connection, user, filter, observer);
  let direct = await search(ctx, connection, { purpose: 'groups', base: ctx.groupsBase, scope: 'sub', filter: directFilter(filter), attributes }, observer);
  if (ctx.groupSearchMode === 'memberof') {
    const memberOf = new Set(user.memberOf.map(normalizeDN));
    direct = direct.filter((entry) => memberOf.has(normalizeDN(entry.dn)));
  }
  const groups = direct.map((entry) => toGroup(ctx, entry, [], 'direct'));
  if (!ctx.nested.enabled && !inChain) return groups;
  return walk(ctx, connection, user, groups, observer);
}

/** Client-side nesting: the groups of each group found, level by level. */
async function walk(ctx: DirectoryContext, connection: Connection, user: DirectoryUser, direct: DirectoryGroup[], observer: Observer | undefined): Promise<DirectoryGroup[]> {
  const placeholders = placeholdersIn(ctx.groupsFilter!);
  const byTemplate = ctx.groupSearchMode === 'filter' && (placeholders.has('dn') || placeholders.has('0'));
  const parentsFilter = (group: DirectoryGroup): Filter | string => {
    if (byTemplate) return directFilter(groupsFilterFor(ctx, user, group.dn, []));
    const parts = ctx.nested.memberAttributes.map((name) => `(${name}=${escapeFilterValue(group.dn)})`);
    return parts.length === 1 ? parts[0]! : `(|${parts.join('')})`;
  };
  const seen = new Map(direct.map((group) => [normalizeDN(group.dn), group]));
  let frontier = direct;
  for (let depth = 1; frontier.length > 0; depth++) {
    if (depth > ctx.nested.maxDepth) {
      report(ctx, observer, { code: 'NESTED_DEPTH_LIMIT', message: `the groups of '${user.dn}' nest deeper than ${ctx.nested.maxDepth} levels; deeper groups were not followed` });
      break;
    }
    const next: DirectoryGroup[] = [];
    for (const group of frontier) {
      const parents = await search(ctx, connection, { purpose: 'nested groups', base: ctx.groupsBase, scope: 'sub', filter: parentsFilter(group), attributes: ctx.groupAttributes }, observer);
      for (const entry of parents) {
        const key = normalizeDN(entry.dn);
        if (seen.has(key)) continue;
        const parent = toGroup(ctx, entry, [...group.via, group.dn], 'nested');
        seen.set(key, parent);
        next.push(parent);
      }
    }
    frontier = next;
  }
  return [...seen.values()];
}

/**
 * The server evaluates IN_CHAIN (AD): one search finds every group; a second, direct one tells
 * which are direct; the groups' memberOf values give the path to the others where they can.
 */
async function serverInChain(ctx: DirectoryContext, connection: Connection, user: DirectoryUser, filter: Filter, observer: Observer | undefined): Promise<DirectoryGroup[]> {
  const memberOf = ctx.attributes.memberOf ?? 'memberOf';
  const attributes = [...ctx.groupAttributes, memberOf];
  const all = await search(ctx, connection, { purpose: 'groups', base: ctx.groupsBase, scope: 'sub', filter, attributes }, observer);
  const direct = await search(ctx, connection, { purpose: 'groups', base: ctx.groupsBase, scope: 'sub', filter: directFilter(groupsFilterFor(ctx, user, user.dn, user.memberOf)), attributes }, observer);
  return pathsFromMemberOf(ctx, all, direct, memberOf);
}

/** Assigns `via` paths to `all` from the direct groups outwards, following each group's memberOf. */
export function pathsFromMemberOf(ctx: DirectoryContext, all: readonly Entry[], direct: readonly Entry[], memberOf: string): DirectoryGroup[] {
  const reached = new Map<string, DirectoryGroup>();
  for (const entry of direct) reached.set(normalizeDN(entry.dn), toGroup(ctx, entry, [], 'direct'));
  const parentsOf = new Map(all.map((entry) => [normalizeDN(entry.dn), values(entry, memberOf).map(normalizeDN)]));
  let frontier = [...reached.values()];
  while (frontier.length > 0) {
    const next: DirectoryGroup[] = [];
    for (const child of frontier) {
      const parents = new Set(parentsOf.get(normalizeDN(child.dn)) ?? []);
      for (const entry of all) {
        const key = normalizeDN(entry.dn);
        if (reached.has(key) || !parents.has(key)) continue;
        const group = toGroup(ctx, entry, [...child.via, child.dn], 'nested');
        reached.set(key, group);
        next.push(group);
      }
    }
    frontier = next;
  }
  for (const entry of all) {
    const key = normalizeDN(entry.dn);
    if (!reached.has(key)) reached.set(key, toGroup(ctx, entry, [], 'in-chain'));
  }
  return [...reached.values()];
}
