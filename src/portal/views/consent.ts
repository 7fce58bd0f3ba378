// The OpenID Connect consent page, worded like Authelia's (internal/server/locales/en/consent.json):
// who asks, which permissions in plain words, and Accept / Deny buttons posting `decision`.
import { CHECKED, FIELDS } from '../fields.ts';
import { html, join } from '../html.ts';
import { CHECK_ICON } from '../icons.ts';
import { renderPage } from '../layout.ts';
import { csrfInput } from './parts.ts';

/** Plain-words descriptions of the scopes Castellan knows; other scopes are shown by name. */
export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Use OpenID to verify your identity',
  profile: 'Access your profile information',
  email: 'Access your email addresses',
  groups: 'Access your group memberships',
  address: 'Access your address',
  phone: 'Access your phone number',
  offline_access: 'Automatically refresh these permissions without user interaction',
  'authelia.bearer.authz': 'Access protected resources logged in as you',
};

export interface ConsentModel {
  readonly action: string;
  readonly csrfToken: string;
  readonly clientName: string;
  readonly clientID: string;
  readonly scopes: readonly string[];
  readonly audience: readonly string[];
  readonly username: string;
  /** Greets the user by this when present, else by username. */
  readonly displayName?: string;
  /** Offer "Remember consent" (the client allows pre-configured consent for this request). */
  readonly showRemember: boolean;
  readonly nonce: string;
}

export function describeScope(scope: string): string {
  return Object.hasOwn(SCOPE_DESCRIPTIONS, scope) ? SCOPE_DESCRIPTIONS[scope] ?? scope : scope;
}

function initial(name: string): string {
  const first = [...name.trim()][0];
  return first ? first.toLocaleUpperCase('en') : '?';
}

export function renderConsent(model: ConsentModel): string {
  const name = model.displayName?.trim() || model.username;
  const scopes = model.scopes.map((scope) => {
    const description = describeScope(scope);
    return html`<li class="scope">${CHECK_ICON}<span><span class="scope-text">${description}</span>${description === scope ? '' : html`<span class="scope-name">${scope}</span>`}</span></li>`;
  });
  const body = html`<h1 class="title">Hi ${name}</h1>
<p class="subtitle">Consent Request</p>
<div class="client">
<span class="client-avatar" aria-hidden="true">${initial(model.clientName)}</span>
<div>
<p class="client-name" id="openid-consent-client" title="Client ID: ${model.clientID}">${model.clientName}</p>
<p class="client-id">Client ID: ${model.clientID}</p>
</div>
</div>
<p class="text">The above application is requesting the following permissions:</p>
<ul class="scopes" id="openid-consent-scopes">
${scopes}
</ul>
${model.audience.length > 0 ? html`<p class="audience" id="openid-consent-audience">Audience: ${join(model.audience, ', ')}</p>` : ''}
<form class="consent-form" method="post" action="${model.action}">
${csrfInput(model.csrfToken)}
${model.showRemember ? html`<div class="check">
<input class="check-input" id="openid-consent-remember" name="${FIELDS.remember}" type="checkbox" value="${CHECKED}">
<label class="check-label" for="openid-consent-remember">Remember consent<span class="check-hint">This saves this consent as a pre-configured consent for future use</span></label>
</div>` : ''}
<div class="actions actions-row">
<button class="button button-primary" id="openid-consent-accept" name="${FIELDS.decision}" value="accept" type="submit">Accept</button>
<button class="button button-secondary" id="openid-consent-deny" name="${FIELDS.decision}" value="deny" type="submit">Deny</button>
</div>
</form>`;
  return renderPage({ title: 'Consent Request', nonce: model.nonce, body });
}
