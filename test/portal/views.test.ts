// Every portal view: the stable element ids browser tests depend on (Authelia's), the wording from
// authelia.md §4.4, escaping of user-supplied strings, and that only form_post carries a script.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderPage } from '../../src/portal/layout.ts';
import { html } from '../../src/portal/html.ts';
import { renderConsent, SCOPE_DESCRIPTIONS } from '../../src/portal/views/consent.ts';
import { renderError } from '../../src/portal/views/error.ts';
import { renderFormPost } from '../../src/portal/views/form-post.ts';
import { renderLoggedOut, renderLogoutConfirm } from '../../src/portal/views/logout.ts';
import { renderSignedIn } from '../../src/portal/views/signed-in.ts';
import { renderSignIn, SIGN_IN_FAILED } from '../../src/portal/views/sign-in.ts';
import { assertInputsLabelled, assertWorksUnderCSP, attribute, hasID, tagWithID, textOf } from './helpers.ts';

const XSS = '<script>alert(1)</script>';
const QUOTED = `o'brien" onfocus="alert(1)`;
const NONCE = 'bm9uY2Utbm9uY2Utbm9uY2U';

const signIn = { action: '/interaction/abc/login', csrfToken: 'tok.en', rememberMe: true, nonce: NONCE };
const consent = {
  action: '/interaction/abc/consent',
  csrfToken: 'tok.en',
  clientName: 'Kasm Workspaces',
  clientID: 'kasm',
  scopes: ['openid', 'profile', 'email', 'groups', 'offline_access', 'custom:scope'],
  audience: [],
  username: 'john',
  displayName: 'John Doe',
  showRemember: true,
  nonce: NONCE,
};

/** Every page, with hostile strings wherever the model takes user- or client-supplied text. */
function hostilePages(): Record<string, string> {
  return {
    signIn: renderSignIn({ ...signIn, clientName: XSS, username: QUOTED, error: SIGN_IN_FAILED }),
    consent: renderConsent({ ...consent, clientName: XSS, clientID: QUOTED, username: QUOTED, displayName: XSS, scopes: [XSS], audience: [XSS] }),
    error: renderError({ status: 400, title: XSS, message: XSS, hint: QUOTED, retryHref: `/x?q=${QUOTED}`, nonce: NONCE }),
    logoutConfirm: renderLogoutConfirm({ action: '/session/end/confirm', csrfToken: QUOTED, clientName: XSS, nonce: NONCE, hiddenFields: { [QUOTED]: XSS } }),
    loggedOut: renderLoggedOut({ clientName: XSS, nonce: NONCE }),
    signedIn: renderSignedIn({ displayName: XSS, username: QUOTED, logoutAction: '/logout', csrfToken: 'tok.en', nonce: NONCE }),
    formPost: renderFormPost({ action: 'https://app.example.com/cb', fields: { code: QUOTED, state: XSS }, nonce: NONCE }),
  };
}


function scripts(page: string): string[] {
  return [...page.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
}

describe('every view', () => {
  for (const [name, page] of Object.entries(hostilePages())) {
    test(`${name}: escapes user-supplied strings`, () => {
      assert.doesNotMatch(page, /<script>alert/);
      assert.doesNotMatch(page, /o'brien/);
      assert.doesNotMatch(page, /" onfocus=/);
    });

    test(`${name}: is a complete English document that works under the CSP`, () => {
      assert.match(page, /^<!DOCTYPE html>\n<html lang="en">/);
      assert.match(page, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
      assert.match(page, /<meta charset="utf-8">/);
      assertWorksUnderCSP(page);
    });

    test(`${name}: every input but hidden ones has a label`, () => {
      assertInputsLabelled(page);
    });
  }

  test('only the form_post page has a script, and it carries the nonce', () => {
    const pages = hostilePages();
    for (const [name, page] of Object.entries(pages)) if (name !== 'formPost') assert.deepEqual(scripts(page), [], name);
    assert.deepEqual(scripts(pages['formPost'] ?? ''), [`<script nonce="${NONCE}">`]);
  });
});

describe('renderPage', () => {
  test('titles the document after the page and the product', () => {
    assert.match(renderPage({ title: 'Sign in', nonce: NONCE, body: html`` }), /<title>Sign in · Castellan<\/title>/);
  });

  test('refuses an inline script that could end its own element', () => {
    assert.throws(() => renderPage({ title: 't', nonce: NONCE, body: html``, script: 'x("</script><script>")' }));
  });
});

describe('renderSignIn', () => {
  test('has Authelia\'s field ids, names and autocomplete hints', () => {
    const page = renderSignIn(signIn);
    const username = tagWithID(page, 'username-textfield');
    assert.equal(attribute(username, 'name'), 'username');
    assert.equal(attribute(username, 'autocomplete'), 'username');
    assert.equal(attribute(username, 'autofocus'), '');
    const password = tagWithID(page, 'password-textfield');
    assert.equal(attribute(password, 'name'), 'password');
    assert.equal(attribute(password, 'type'), 'password');
    assert.equal(attribute(password, 'autocomplete'), 'current-password');
    assert.equal(attribute(tagWithID(page, 'remember-checkbox'), 'name'), 'remember_me');
    assert.equal(attribute(tagWithID(page, 'sign-in-button'), 'type'), 'submit');
    assert.match(page, /<h1 class="title">Sign in<\/h1>/);
    assert.match(page, /<form class="form" method="post" action="\/interaction\/abc\/login">/);
    assert.match(page, /<input type="hidden" name="csrf_token" value="tok.en">/);
  });

  test('fields come in focus order: username, password, remember me, sign in', () => {
    const page = renderSignIn(signIn);
    const order = ['username-textfield', 'password-textfield', 'remember-checkbox', 'sign-in-button'].map((id) => page.indexOf(`id="${id}"`));
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  });

  test('names the client only when there is one', () => {
    assert.ok(renderSignIn({ ...signIn, clientName: 'Kasm' }).includes('to continue to <strong>Kasm</strong>'));
    assert.ok(!renderSignIn(signIn).includes('to continue to'));
  });

  test('hides remember me when it is disabled', () => {
    assert.equal(hasID(renderSignIn({ ...signIn, rememberMe: false }), 'remember-checkbox'), false);
  });

  test('shows the error in an alert region and refocuses the password after a failure', () => {
    const page = renderSignIn({ ...signIn, username: 'john', error: SIGN_IN_FAILED });
    assert.equal(attribute(tagWithID(page, 'error-message'), 'role'), 'alert');
    assert.equal(textOf(page, 'error-message'), 'Incorrect username or password.');
    assert.equal(attribute(tagWithID(page, 'username-textfield'), 'value'), 'john');
    assert.equal(attribute(tagWithID(page, 'username-textfield'), 'autofocus'), undefined);
    assert.equal(attribute(tagWithID(page, 'password-textfield'), 'autofocus'), '');
  });

  test('has no error region without an error', () => {
    assert.equal(hasID(renderSignIn(signIn), 'error-message'), false);
  });

  test('never echoes a password', () => {
    assert.equal(attribute(tagWithID(renderSignIn(signIn), 'password-textfield'), 'value'), undefined);
  });
});

describe('renderConsent', () => {
  test('reads like Authelia\'s consent page (authelia.md §4.4)', () => {
    const page = renderConsent(consent);
    assert.match(page, /<h1 class="title">Hi John Doe<\/h1>/);
    assert.match(page, /Consent Request/);
    assert.equal(attribute(tagWithID(page, 'openid-consent-client'), 'title'), 'Client ID: kasm');
    assert.equal(textOf(page, 'openid-consent-client'), 'Kasm Workspaces');
    assert.match(page, /The above application is requesting the following permissions:/);
    for (const scope of ['openid', 'profile', 'email', 'groups', 'offline_access']) assert.ok(page.includes(SCOPE_DESCRIPTIONS[scope] ?? '?'), scope);
    assert.equal(SCOPE_DESCRIPTIONS['offline_access'], 'Automatically refresh these permissions without user interaction');
    assert.match(page, /<span class="scope-text">custom:scope<\/span><\/span>/, 'an unknown scope is shown by its name only');
  });

  test('posts decision=accept or decision=deny from two submit buttons', () => {
    const page = renderConsent(consent);
    const accept = tagWithID(page, 'openid-consent-accept');
    const deny = tagWithID(page, 'openid-consent-deny');
    assert.deepEqual([attribute(accept, 'name'), attribute(accept, 'value'), attribute(accept, 'type')], ['decision', 'accept', 'submit']);
    assert.deepEqual([attribute(deny, 'name'), attribute(deny, 'value'), attribute(deny, 'type')], ['decision', 'deny', 'submit']);
    assert.match(page, /<input type="hidden" name="csrf_token" value="tok.en">/);
  });

  test('offers remember consent with its hint only when allowed', () => {
    const page = renderConsent(consent);
    assert.equal(attribute(tagWithID(page, 'openid-consent-remember'), 'name'), 'remember');
    assert.ok(page.includes('This saves this consent as a pre-configured consent for future use'));
    const without = renderConsent({ ...consent, showRemember: false });
    assert.equal(hasID(without, 'openid-consent-remember'), false);
    assert.ok(!without.includes('pre-configured consent'));
  });

  test('shows the audience only when there is one', () => {
    assert.equal(hasID(renderConsent(consent), 'openid-consent-audience'), false);
    assert.equal(textOf(renderConsent({ ...consent, audience: ['https://api.example.com', 'kasm'] }), 'openid-consent-audience'), 'Audience: https://api.example.com, kasm');
  });

  test('greets by username when there is no display name', () => {
    assert.match(renderConsent({ ...consent, displayName: undefined }), /<h1 class="title">Hi john<\/h1>/);
    assert.match(renderConsent({ ...consent, displayName: '  ' }), /<h1 class="title">Hi john<\/h1>/);
  });

  test('a scope named like an Object.prototype member is shown by name', () => {
    assert.match(renderConsent({ ...consent, scopes: ['constructor', '__proto__'] }), /<span class="scope-text">constructor<\/span><\/span>.*<span class="scope-text">__proto__<\/span>/s);
  });
});

describe('renderError', () => {
  test('says what happened and what to do', () => {
    const page = renderError({ status: 403, title: 'Form expired', message: 'This form has expired.', hint: 'Reload the page.', retryHref: '/interaction/abc', nonce: NONCE });
    assert.equal(textOf(page, 'error-message'), 'This form has expired.');
    assert.match(page, /<h1 class="title">Form expired<\/h1>/);
    assert.match(page, /Error 403 · Forbidden/);
    assert.match(page, /Reload the page\./);
    assert.equal(attribute(tagWithID(page, 'retry-button'), 'href'), '/interaction/abc');
  });

  test('leaves out a retry link that is not a safe target', () => {
    assert.equal(hasID(renderError({ status: 400, title: 't', message: 'm', retryHref: 'javascript:alert(1)', nonce: NONCE }), 'retry-button'), false);
  });
});

describe('renderLogoutConfirm', () => {
  test('posts oidc-provider\'s xsrf, with Sign out sending logout=yes and Stay signed in sending nothing', () => {
    const page = renderLogoutConfirm({ action: '/session/end/confirm', csrfToken: 'secret', clientName: 'Kasm', nonce: NONCE, hiddenFields: { extra: '1' } });
    assert.match(page, /Do you want to sign out\?/);
    assert.match(page, /<form class="form" method="post" action="\/session\/end\/confirm">/);
    assert.match(page, /<input type="hidden" name="xsrf" value="secret">/);
    assert.match(page, /<input type="hidden" name="extra" value="1">/);
    const logout = tagWithID(page, 'logout-button');
    assert.deepEqual([attribute(logout, 'type'), attribute(logout, 'name'), attribute(logout, 'value')], ['submit', 'logout', 'yes']);
    const stay = tagWithID(page, 'stay-signed-in-button');
    assert.equal(attribute(stay, 'name'), undefined);
    assert.equal(textOf(page, 'stay-signed-in-button'), 'Stay signed in');
    assert.ok(page.includes('<strong>Kasm</strong>'));
  });
});

describe('renderLoggedOut', () => {
  test('confirms the sign-out, naming the client when known', () => {
    assert.ok(renderLoggedOut({ clientName: 'Kasm', nonce: NONCE }).includes('Your sign-out from <strong>Kasm</strong> was successful.'));
    assert.ok(renderLoggedOut({ nonce: NONCE }).includes('Your sign-out was successful.'));
  });
});

describe('renderSignedIn', () => {
  test('shows who is signed in and a sign-out form with the CSRF token', () => {
    const page = renderSignedIn({ displayName: 'John Doe', username: 'john', logoutAction: '/logout', csrfToken: 'tok.en', nonce: NONCE });
    assert.match(page, /Hi John Doe/);
    assert.equal(textOf(page, 'signed-in-username'), 'john');
    assert.equal(attribute(tagWithID(page, 'logout-button'), 'type'), 'submit');
    assert.match(page, /<form class="form" method="post" action="\/logout">/);
    assert.match(page, /<input type="hidden" name="csrf_token" value="tok.en">/);
  });
});

describe('renderFormPost', () => {
  test('posts the response fields to the redirect URI, with a visible Continue button', () => {
    const page = renderFormPost({ action: 'https://app.example.com/cb?x=1&y=2', fields: { code: 'abc', state: 's&t', iss: 'https://auth.example.com' }, nonce: NONCE });
    assert.match(page, /<form class="form" id="form-post" method="post" action="https:\/\/app.example.com\/cb\?x=1&amp;y=2">/);
    assert.match(page, /<input type="hidden" name="code" value="abc"><input type="hidden" name="state" value="s&amp;t"><input type="hidden" name="iss" value="https:\/\/auth.example.com">/);
    assert.equal(attribute(tagWithID(page, 'form-post-continue'), 'name'), undefined, 'the button adds no field');
    assert.match(page, /<script nonce="[^"]+">document\.getElementById\("form-post"\)\.submit\(\);<\/script>/);
  });
});
