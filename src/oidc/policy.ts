// Authorization policies: which level of authentication a user needs for a client — the built-in
// `one_factor` / `two_factor`, or a named policy from `authorization_policies` whose rules match
// users and groups (first full match wins, else its default_policy), as in Authelia.
import type { OIDCConfig, SubjectConfig } from '../config/types.ts';
import type { User } from '../identity/user.ts';
import { networkMatcher } from '../util/network.ts';

export type AuthorizationLevel = 'one_factor' | 'two_factor' | 'deny';

function subjectMatches(subject: string, user: User): boolean {
  if (subject.startsWith('user:')) return subject.slice(5) === user.username;
  if (subject.startsWith('group:')) return user.groups.includes(subject.slice(6));
  return false;
}

/** `subject` is a string, a list (any entry matches), or a list of lists (every entry of one inner list matches). */
function ruleSubjectMatches(subject: SubjectConfig | undefined, user: User): boolean {
  if (subject === undefined) return true;
  const alternatives = Array.isArray(subject) ? subject : [subject];
  return alternatives.some((alternative) => (Array.isArray(alternative) ? alternative.every((s) => subjectMatches(s, user)) : subjectMatches(alternative, user)));
}

function level(value: string | undefined): AuthorizationLevel {
  return value === 'one_factor' || value === 'deny' ? value : 'two_factor';
}

/** A rule matches when its subject (if any) and its networks (if any) both match. */
export function requiredLevel(policyName: string, user: User, oidc: OIDCConfig, ip: string | undefined): AuthorizationLevel {
  if (policyName === 'one_factor' || policyName === 'two_factor') return policyName;
  const policy = oidc.authorization_policies?.[policyName];
  if (!policy) return 'deny';
  const rule = (policy.rules ?? []).find((r) => {
    const networks = r.networks ?? [];
    return ruleSubjectMatches(r.subject, user) && (networks.length === 0 || networkMatcher(networks)(ip));
  });
  return level(rule ? rule.policy : policy.default_policy);
}
