// The passkey page's inline script (emitted with the CSP nonce; it reads everything it needs from the
// form's data attributes, so its text never varies). On submit it POSTs `csrf_token` to the options URL,
// runs navigator.credentials.create/get, and posts the credential as JSON (base64url binary fields, the
// shape @simplewebauthn/server verifies) in the form's `credential` field with an ordinary form submission.
// Failures are shown in #error-message without a reload.
import { FIELDS } from '../fields.ts';

/** The ids the script finds its elements by. */
export const WEBAUTHN_FORM_ID = 'webauthn-form';
const ERROR_ID = 'error-message';

/** What the user reads for each failure; keys are DOMException names, plus the script's own cases. */
export const WEBAUTHN_MESSAGES = {
  unsupported: 'This browser does not support passkeys. Try another browser or another method.',
  options: 'The passkey request could not be started. Reload the page and try again.',
  NotAllowedError: 'The passkey request was cancelled or timed out. Try again.',
  AbortError: 'The passkey request was cancelled or timed out. Try again.',
  InvalidStateError: 'This passkey is already registered for your account.',
  SecurityError: 'Passkeys cannot be used at this address.',
  NotSupportedError: 'This browser or security key cannot create the requested kind of passkey.',
  other: 'Something went wrong with the passkey. Try again.',
} as const;

const CONFIG = JSON.stringify({ form: WEBAUTHN_FORM_ID, error: ERROR_ID, csrf: FIELDS.csrf, credential: FIELDS.credential, messages: WEBAUTHN_MESSAGES });

export const WEBAUTHN_SCRIPT = `(() => {
'use strict';
const C = ${CONFIG};
const form = document.getElementById(C.form);
const alert = document.getElementById(C.error);
const button = form.querySelector('button[type="submit"]');
const register = form.dataset.mode === 'register';
let busy = false;

const showError = (text) => { alert.lastElementChild.textContent = text; alert.hidden = false; };
const supported = () => typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;

const toBuffer = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer;
const toText = (buffer) => {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
};
const withIDs = (list) => (list || []).map((c) => ({ ...c, id: toBuffer(c.id) }));

const creationOptions = (o) => ({ ...o, challenge: toBuffer(o.challenge), user: { ...o.user, id: toBuffer(o.user.id) }, excludeCredentials: withIDs(o.excludeCredentials) });
const requestOptions = (o) => ({ ...o, challenge: toBuffer(o.challenge), allowCredentials: withIDs(o.allowCredentials) });

const credentialJSON = (credential) => {
  const r = credential.response;
  const response = { clientDataJSON: toText(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toText(r.attestationObject);
    response.transports = r.getTransports?.() ?? [];
    const data = r.getAuthenticatorData?.();
    if (data) response.authenticatorData = toText(data);
  } else {
    response.authenticatorData = toText(r.authenticatorData);
    response.signature = toText(r.signature);
    if (r.userHandle) response.userHandle = toText(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  };
};

const fetchOptions = async () => {
  const body = new URLSearchParams();
  body.set(C.csrf, form.elements[C.csrf].value);
  const res = await fetch(form.dataset.optionsUrl, { method: 'POST', body, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } }).catch(() => undefined);
  if (!res || !res.ok) throw C.messages.options;
  const json = await res.json().catch(() => undefined);
  if (!json || typeof json !== 'object') throw C.messages.options;
  return json.publicKey ?? json;
};

/** A thrown string is already the message; a DOMException is looked up by name. */
const message = (error) => {
  if (typeof error === 'string') return error;
  const name = error instanceof DOMException ? error.name : '';
  return Object.hasOwn(C.messages, name) ? C.messages[name] : C.messages.other;
};

if (!supported()) {
  showError(C.messages.unsupported);
  button.disabled = true;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy || !supported()) return;
  busy = true;
  button.disabled = true;
  alert.hidden = true;
  try {
    const options = await fetchOptions();
    const credential = register
      ? await navigator.credentials.create({ publicKey: creationOptions(options) })
      : await navigator.credentials.get({ publicKey: requestOptions(options) });
    if (!credential) throw new DOMException('no credential', 'NotAllowedError');
    form.elements[C.credential].value = JSON.stringify(credentialJSON(credential));
    form.submit();
  } catch (error) {
    showError(message(error));
    busy = false;
    button.disabled = false;
  }
});

window.addEventListener('pageshow', (event) => {
  if (event.persisted && supported()) {
    busy = false;
    button.disabled = false;
  }
});
})();`;
