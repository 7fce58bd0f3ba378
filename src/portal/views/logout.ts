// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §3): the confirmation oidc-provider asks
// for before ending the session (its logoutSource), and the page shown once the user is signed out.
import { FIELDS } from '../fields.ts';
import { html } from '../html.ts';
import { SIGN_OUT_ICON, SUCCESS_ICON } from '../icons.ts';
import { renderPage } from '../layout.ts';
import { csrfInput, hiddenInputs } from './parts.ts';

export interface LogoutConfirmModel {
  /** oidc-provider's end_session_confirm URL. */
  readonly action: string;
  /** oidc-provider's xsrf value (session.state.secret), posted as `xsrf`. */
  readonly csrfToken: string;
  /** The relying party that asked for the sign-out, when known. */
  readonly clientName?: string;
  readonly nonce: string;
  /** Further hidden inputs to post with the form. */
  readonly hiddenFields?: Readonly<Record<string, string>>;
}

export interface LoggedOutModel {
  readonly clientName?: string;
  readonly nonce: string;
}

/**
 * "Sign out" posts `logout=yes` (end the Castellan session); "Stay signed in" posts without it, which
 * oidc-provider treats as leaving only the requesting client.
 */
export function renderLogoutConfirm(model: LogoutConfirmModel): string {
  const body = html`${SIGN_OUT_ICON}
<h1 class="title">Do you want to sign out?</h1>
<p class="subtitle">${model.clientName ? html`<strong>${model.clientName}</strong> asked to end your session.` : 'This ends your session on this device.'}</p>
<form class="form" method="post" action="${model.action}">
${csrfInput(model.csrfToken, FIELDS.xsrf)}
${model.hiddenFields ? hiddenInputs(model.hiddenFields) : ''}
<div class="actions">
<button class="button button-primary" id="logout-button" name="${FIELDS.logout}" value="yes" type="submit" autofocus>Sign out</button>
<button class="button button-secondary" id="stay-signed-in-button" type="submit">Stay signed in</button>
</div>
</form>`;
  return renderPage({ title: 'Sign out', nonce: model.nonce, body });
}

export function renderLoggedOut(model: LoggedOutModel): string {
  const body = html`${SUCCESS_ICON}
<h1 class="title">You have been signed out</h1>
<p class="subtitle">${model.clientName ? html`Your sign-out from <strong>${model.clientName}</strong> was successful.` : 'Your sign-out was successful.'}</p>
<p class="text text-muted text-small centered">You can close this window.</p>`;
  return renderPage({ title: 'Signed out', nonce: model.nonce, body });
}
