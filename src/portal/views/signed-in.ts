// The portal home for a visitor who is already signed in: who they are, a link to their second-factor
// settings and a sign-out button.
import { html } from '../html.ts';
import { renderPage } from '../layout.ts';
import { csrfInput } from './parts.ts';

export interface SignedInModel {
  readonly displayName: string;
  readonly username: string;
  /** The second-factor settings page (#settings-link); left out when absent. */
  readonly settingsHref?: string;
  /** The portal's sign-out route; the form posts `csrf_token`. */
  readonly logoutAction: string;
  readonly csrfToken: string;
  readonly nonce: string;
}

export function renderSignedIn(model: SignedInModel): string {
  const name = model.displayName.trim() || model.username;
  const body = html`<h1 class="title">Hi ${name}</h1>
<p class="subtitle">You are signed in as <strong id="signed-in-username">${model.username}</strong>.</p>
<form class="form" method="post" action="${model.logoutAction}">
${csrfInput(model.csrfToken)}
<div class="actions">
${model.settingsHref ? html`<a class="button button-primary" id="settings-link" href="${model.settingsHref}">Two-factor authentication</a>` : ''}
<button class="button button-secondary" id="logout-button" type="submit">Sign out</button>
</div>
</form>`;
  return renderPage({ title: 'Signed in', nonce: model.nonce, body });
}
