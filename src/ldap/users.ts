// The user search: the configured filter with the login name escaped into it, under the users
// base, expecting exactly one entry. An in-chain filter on a server without IN_CHAIN is expanded
// client-side (and said so) or refused, never left to match nothing in silence.
import type { Entry } from 'ldapts';
import type { Connection } from './connection.ts';
import { LDAPError } from './errors.ts';
import { parseFilter, renderFilter, type FilterAttributes } from './escape.ts';
import { expandInChain, IN_CHAIN_OID, inChainAssertions, supportsInChain } from './in-chain.ts';
import type { DirectoryContext } from './options.ts';
import { report, search, values, type Observer } from './search.ts';

/** A directory account as the lookups found it. Never carries a password. */
export interface DirectoryUser {
  readonly dn: string;
  /** The username attribute's value (single-valued). */
  readonly username: string;
  /** The display name attribute, or the username when the entry has none. */
  readonly displayName: string;
  readonly emails: readonly string[];
  /** The memberOf attribute's values (DNs), when configured and present. */
  readonly memberOf: readonly string[];
  /** Every requested attribute, by its configured name. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  /** What was typed to find the account (Authelia's `{input}`). */
  readonly input: string;
}

/** The `{…_attribute}` names of a directory's filters. */
export function filterAttributes(ctx: DirectoryContext): FilterAttributes {
  const a = ctx.attributes;
  return {
    username: a.username,
    ...(a.mail === undefined ? {} : { mail: a.mail }),
    ...(a.displayName === undefined ? {} : { displayName: a.displayName }),
    ...(a.memberOf === undefined ? {} : { memberOf: a.memberOf }),
    ...(a.distinguishedName === undefined ? {} : { distinguishedName: a.distinguishedName }),
  };
}

function toUser(ctx: DirectoryContext, entry: Entry, input: string): DirectoryUser {
  const names = values(entry, ctx.attributes.username);
  if (names.length !== 1 || names[0] === '') {
    throw new LDAPError('USER_ATTRIBUTE_INVALID', `the entry '${entry.dn}' found for '${input}' has ${names.length === 0 ? 'no value' : `${names.length} values`} for its username attribute '${ctx.attributes.username}'; it must have exactly one`);
  }
  const username = names[0]!;
  const attributes = Object.fromEntries(ctx.userAttributes.map((name) => [name, values(entry, name)]));
  return {
    dn: entry.dn,
    username,
    displayName: values(entry, ctx.attributes.displayName)[0] ?? username,
    emails: values(entry, ctx.attributes.mail),
    memberOf: values(entry, ctx.attributes.memberOf),
    attributes,
    input,
  };
}

/** Finds the one account `input` names; throws USER_NOT_FOUND, USER_AMBIGUOUS, IN_CHAIN_UNSUPPORTED, … */
export async function findUserOn(ctx: DirectoryContext, connection: Connection, input: string, observer?: Observer): Promise<DirectoryUser> {
  const rendered = renderFilter(ctx.usersFilter, { attributes: filterAttributes(ctx), input, positional: input, now: ctx.now() });
  let filter = parseFilter(rendered, ctx.usersFilter);
  if (inChainAssertions(filter).length > 0 && !(await supportsInChain(ctx, connection, observer))) {
    if (!ctx.nested.emulateInChain) {
      throw new LDAPError('IN_CHAIN_UNSUPPORTED', `the users filter ${rendered} uses LDAP_MATCHING_RULE_IN_CHAIN (${IN_CHAIN_OID}), which this server does not support: it would silently match nothing. Use a filter without it (nested membership is then resolved for groups client-side), or allow its client-side emulation`);
    }
    const expanded = await expandInChain(ctx, connection, filter, observer);
    filter = expanded.filter;
    const how = expanded.expansions.map((e) => `${e.from} became ${e.to}`).join('; ');
    report(ctx, observer, { code: 'IN_CHAIN_EMULATED', message: `the users filter ${ctx.usersFilter} uses LDAP_MATCHING_RULE_IN_CHAIN (${IN_CHAIN_OID}), which this server does not support (it would silently match nothing); Castellan resolved the nesting client-side: ${how}` });
  }
  const entries = await search(ctx, connection, { purpose: 'user', base: ctx.usersBase, scope: ctx.usersScope, filter, attributes: ctx.userAttributes, sizeLimit: 2 }, observer);
  if (entries.length === 0) {
    throw new LDAPError('USER_NOT_FOUND', `unable to locate user '${input}': no entry under '${ctx.usersBase}' (scope ${ctx.usersScope}) matches ${filter.toString()}. Verify the search base and the search filter`);
  }
  if (entries.length > 1) {
    throw new LDAPError('USER_AMBIGUOUS', `'${input}' matches more than one entry under '${ctx.usersBase}' (${entries.map((e) => e.dn).join('; ')}): the users filter must identify one account`);
  }
  return toUser(ctx, entries[0]!, input);
}
