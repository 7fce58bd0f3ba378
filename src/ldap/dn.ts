// Comparing and combining distinguished names. Servers return DNs in whatever case and spacing
// they stored (OpenLDAP's dynlist hands back `ou=myorg` for `OU=MyOrg`), so DNs are compared in a
// normal form: attribute types and values lower-cased, values unescaped and re-escaped one way.
import { formatDN, parseDN } from './escape.ts';

/** The normal form used to compare DNs (case-insensitive, as caseIgnoreMatch and AD compare). */
export function normalizeDN(dn: string): string {
  try {
    return formatDN(parseDN(dn).map((rdn) => [...rdn].map((ava) => ({ type: ava.type.toLowerCase(), value: ava.value.toLowerCase() })).sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))));
  } catch {
    return dn.trim().toLowerCase();
  }
}

export function sameDN(a: string, b: string): boolean {
  return normalizeDN(a) === normalizeDN(b);
}

/** `child,parent` (Authelia's `additional_users_dn` + `base_dn`); just `parent` when child is empty. */
export function joinDN(child: string | undefined, parent: string): string {
  const inner = child?.trim() ?? '';
  return inner === '' ? parent : parent.trim() === '' ? inner : `${inner},${parent}`;
}

/** The DNS domain a DN's `DC=` components spell, as Kasm derives the login domain: `OU=x,DC=kasm,DC=core` → `kasm.core`. */
export function domainOfDN(dn: string): string {
  return parseDN(dn).flatMap((rdn) => rdn.filter((ava) => ava.type.toLowerCase() === 'dc').map((ava) => ava.value.toLowerCase())).join('.');
}

/** The value of the DN's first RDN (`cn=kasm_group_1,ou=…` → `kasm_group_1`), or the DN itself when it does not parse. */
export function firstRDNValue(dn: string): string {
  try {
    return parseDN(dn)[0]?.[0]?.value ?? dn;
  } catch {
    return dn;
  }
}
