// The second-factor views: the stable element ids browser tests depend on (issue 4), escaping of user
// strings, the QR code guard, and that only the passkey page carries a script, with the nonce.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import QRCode from 'qrcode';
import { METHOD_LABELS, renderMethodChooser } from '../../src/portal/views/second-factor-methods.ts';
import { renderReauthenticate } from '../../src/portal/views/second-factor-reauthenticate.ts';
import { renderSecondFactorSettings } from '../../src/portal/views/second-factor-settings.ts';
import type { SecondFactorSettingsModel } from '../../src/portal/views/second-factor-settings.ts';
import { qrCodeMarkup, renderTOTPEnrolment, renderTOTPPrompt } from '../../src/portal/views/second-factor-totp.ts';
import { DEFAULT_PASSKEY_NAME, renderWebAuthnPrompt } from '../../src/portal/views/second-factor-webauthn.ts';
import { WEBAUTHN_SCRIPT } from '../../src/portal/views/second-factor-webauthn-script.ts';
import { SIGN_IN_FAILED } from '../../src/portal/views/sign-in.ts';
import { assertInputsLabelled, assertWorksUnderCSP, attribute, hasID, tagWithID, textOf } from './helpers.ts';

const IMG = '<img src=x onerror=alert(1)>';
const QUOTED = `o'brien" onfocus="alert(1)`;
const NONCE = 'bm9uY2Utbm9uY2Utbm9uY2U';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSW';
const OTPAUTH = `otpauth://totp/Castellan:john?secret=${SECRET}&issuer=Castellan&algorithm=SHA256&digits=8&period=30`;
const QR_SVG = await QRCode.toString(OTPAUTH, { type: 'svg' });
const METHODS = [{ label: 'Choose another method', href: '/2fa/methods' }];

const totp = { action: '/2fa/totp', csrfToken: 'tok.en', username: 'john', displayName: 'John Doe', otherMethods: METHODS, nonce: NONCE };
const enrolment = { action: '/2fa/totp/register', csrfToken: 'tok.en', secret: SECRET, otpauthURI: OTPAUTH, qrSVG: QR_SVG, nonce: NONCE };
const webauthn = { optionsURL: '/2fa/webauthn/options', verifyAction: '/2fa/webauthn', csrfToken: 'tok.en', otherMethods: METHODS, nonce: NONCE };
const chooser = {
  methods: [
    { id: 'totp' as const, label: METHOD_LABELS.totp, href: '/2fa/totp', enrolled: true },
    { id: 'webauthn' as const, label: METHOD_LABELS.webauthn, href: '/2fa/webauthn/register', enrolled: false },
  ],
  nonce: NONCE,
};
const settings: SecondFactorSettingsModel = {
  username: 'john',
  displayName: 'John Doe',
  totp: { enrolled: true, createdAt: '2 May 2025' },
  passkeys: [
    { id: 'cred-1', description: 'Laptop', createdAt: '3 May 2025', lastUsedAt: '4 May 2025' },
    { id: 'cred-2', description: 'Key', createdAt: '5 May 2025' },
  ],
  csrfToken: 'tok.en',
  actions: {
    addTOTP: '/settings/totp/add',
    removeTOTP: '/settings/totp/remove',
    addPasskey: '/settings/passkeys/add',
    renamePasskey: (id) => `/settings/passkeys/${encodeURIComponent(id)}/rename`,
    removePasskey: (id) => `/settings/passkeys/${encodeURIComponent(id)}/remove`,
    preferred: { action: '/settings/preferred', current: 'totp' },
  },
  nonce: NONCE,
};
const reauthenticate = { action: '/settings/reauthenticate', csrfToken: 'tok.en', username: 'john', nonce: NONCE };

/** Every page, with hostile strings wherever the model takes user- or client-supplied text. */
function hostilePages(): Record<string, string> {
  return {
    totpPrompt: renderTOTPPrompt({ ...totp, username: QUOTED, displayName: IMG, error: IMG, otherMethods: [{ label: IMG, href: `/m?q=${QUOTED}` }] }),
    totpEnrolment: renderTOTPEnrolment({ ...enrolment, secret: QUOTED, error: IMG, action: `/x?${QUOTED}` }),
    chooser: renderMethodChooser({ ...chooser, methods: chooser.methods.map((m) => ({ ...m, label: IMG, href: `/m?q=${QUOTED}` })) }),
    webauthnAuthenticate: renderWebAuthnPrompt({ ...webauthn, mode: 'authenticate', error: IMG, optionsURL: `/o?${QUOTED}`, otherMethods: [{ label: IMG, href: '/m' }] }),
    webauthnRegister: renderWebAuthnPrompt({ ...webauthn, mode: 'register', csrfToken: QUOTED }),
    settings: renderSecondFactorSettings({
      ...settings,
      username: QUOTED,
      displayName: IMG,
      totp: { enrolled: true, createdAt: IMG },
      passkeys: [{ id: QUOTED, description: QUOTED, createdAt: IMG, lastUsedAt: IMG }, { id: IMG, description: IMG, createdAt: QUOTED }],
    }),
    settingsEmpty: renderSecondFactorSettings({ ...settings, displayName: IMG, totp: { enrolled: false }, passkeys: [] }),
    reauthenticate: renderReauthenticate({ ...reauthenticate, username: QUOTED, error: IMG }),
  };
}


function scripts(page: string): string[] {
  return [...page.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
}

function forms(page: string): string[] {
  return [...page.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].map((m) => m[0]);
}

describe('every second-factor view', () => {
  for (const [name, page] of Object.entries(hostilePages())) {
    test(`${name}: escapes user-supplied strings`, () => {
      assert.doesNotMatch(page, /<img/);
      assert.doesNotMatch(page, /o'brien/);
      assert.doesNotMatch(page, /" onfocus=/);
    });

    test(`${name}: is a complete English document that works under the CSP`, () => {
      assert.match(page, /^<!DOCTYPE html>\n<html lang="en">/);
      assertWorksUnderCSP(page);
    });

    test(`${name}: every input but hidden ones has a label`, () => {
      assertInputsLabelled(page);
    });

    test(`${name}: every form posts the CSRF token`, () => {
      for (const form of forms(page)) {
        assert.match(form, /^<form [^>]*method="post"/);
        assert.match(form, /<input type="hidden" name="csrf_token" value="[^"]*">/);
      }
    });
  }

  test('only the passkey page has a script, and it carries the nonce', () => {
    for (const [name, page] of Object.entries(hostilePages())) {
      if (name.startsWith('webauthn')) assert.deepEqual(scripts(page), [`<script nonce="${NONCE}">`], name);
      else assert.deepEqual(scripts(page), [], name);
    }
  });
});

describe('renderTOTPPrompt', () => {
  test('has the code input and submit button browser tests use (issue 4)', () => {
    const page = renderTOTPPrompt(totp);
    assert.match(page, /Enter the one-time code from your authenticator app/);
    assert.match(page, /<h1 class="title">Hi John Doe<\/h1>/);
    const input = tagWithID(page, 'one-time-password');
    assert.equal(attribute(input, 'name'), 'code');
    assert.equal(attribute(input, 'inputmode'), 'numeric');
    assert.equal(attribute(input, 'autocomplete'), 'one-time-code');
    assert.equal(attribute(input, 'pattern'), '[0-9]{6,8}');
    assert.equal(attribute(input, 'autofocus'), '');
    assert.equal(attribute(input, 'value'), undefined, 'a code is never echoed');
    assert.ok(new RegExp(`^(?:${attribute(input, 'pattern')})$`).test('12345678'));
    assert.ok(!new RegExp(`^(?:${attribute(input, 'pattern')})$`).test('12345'));
    assert.equal(attribute(tagWithID(page, 'sign-in-button'), 'type'), 'submit');
    assert.match(page, /<form class="form" method="post" action="\/2fa\/totp">/);
    assert.match(page, /<input type="hidden" name="csrf_token" value="tok.en">/);
  });

  test('shows the error in an alert region, and none without one', () => {
    const page = renderTOTPPrompt({ ...totp, error: 'The code is incorrect.' });
    assert.equal(attribute(tagWithID(page, 'error-message'), 'role'), 'alert');
    assert.equal(textOf(page, 'error-message'), 'The code is incorrect.');
    assert.equal(hasID(renderTOTPPrompt(totp), 'error-message'), false);
  });

  test('links to the other methods from #methods-button, only when there are some', () => {
    const page = renderTOTPPrompt({ ...totp, otherMethods: [{ label: 'Use a passkey', href: '/2fa/webauthn' }, { label: 'All methods', href: '/2fa/methods' }] });
    assert.equal(attribute(tagWithID(page, 'methods-button'), 'href'), '/2fa/webauthn');
    assert.equal(textOf(page, 'methods-button'), 'Use a passkey');
    assert.ok(page.includes('<a class="footer-link" href="/2fa/methods">All methods</a>'));
    assert.equal(hasID(renderTOTPPrompt({ ...totp, otherMethods: [] }), 'methods-button'), false);
    assert.doesNotMatch(renderTOTPPrompt({ ...totp, otherMethods: [] }), /page-footer/);
  });

  test('leaves out a method link that is not a safe target', () => {
    assert.equal(hasID(renderTOTPPrompt({ ...totp, otherMethods: [{ label: 'x', href: 'javascript:alert(1)' }] }), 'methods-button'), false);
  });

  test('greets by username when there is no display name', () => {
    assert.match(renderTOTPPrompt({ ...totp, displayName: ' ' }), /<h1 class="title">Hi john<\/h1>/);
  });
});

describe('renderTOTPEnrolment', () => {
  test('shows the QR code, the secret and a confirm form (issue 4 ids)', () => {
    const page = renderTOTPEnrolment(enrolment);
    assert.match(page, /<div class="qr"><svg class="qr-code" role="img" aria-label="[^"]+" xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const secret = tagWithID(page, 'totp-secret');
    assert.equal(attribute(secret, 'data-secret'), SECRET);
    assert.equal(textOf(page, 'totp-secret'), SECRET, 'the groups copy as one string');
    assert.match(page, /<span class="secret-group">JBSW<\/span><span class="secret-group">Y3DP<\/span>/);
    const input = tagWithID(page, 'one-time-password');
    assert.equal(attribute(input, 'name'), 'code');
    assert.equal(attribute(input, 'autocomplete'), 'one-time-code');
    assert.equal(textOf(page, 'sign-in-button'), 'Confirm');
    assert.match(page, /<form class="step-form" method="post" action="\/2fa\/totp\/register">/);
  });

  test('describes the key from the URI, for typing it in by hand', () => {
    const page = renderTOTPEnrolment(enrolment);
    assert.ok(page.includes('Time-based · SHA256 · 8\u00a0digits · 30\u00a0seconds'));
    assert.ok(page.includes('8-digit code'));
    assert.equal(attribute(tagWithID(page, 'totp-open-link'), 'href'), OTPAUTH.replace(/&/g, '&amp;'));
  });

  test('links only an otpauth://totp/ URI', () => {
    assert.equal(hasID(renderTOTPEnrolment({ ...enrolment, otpauthURI: 'javascript:alert(1)' }), 'totp-open-link'), false);
  });

  test('refuses a QR code that is not plain SVG', () => {
    for (const svg of [
      '<svg><script>alert(1)</script></svg>',
      '<svg><SCRIPT>alert(1)</SCRIPT></svg>',
      '<svg onload="alert(1)"></svg>',
      '<svg><foreignObject><img src=x></foreignObject></svg>',
      '<svg><a href="javascript:alert(1)"><path/></a></svg>',
      '<img src=x onerror=alert(1)><svg></svg>',
      '<svgx></svgx>',
    ]) {
      assert.throws(() => renderTOTPEnrolment({ ...enrolment, qrSVG: svg }), TypeError, svg);
    }
  });

  test('strips style attributes from the QR code', () => {
    assert.equal(qrCodeMarkup('<svg viewBox="0 0 1 1" style="width:1px"><path style=\'fill:red\' d="M0 0h1v1H0z"/></svg>').value,
      '<svg class="qr-code" role="img" aria-label="QR code to scan with your authenticator app" viewBox="0 0 1 1"><path d="M0 0h1v1H0z"/></svg>');
  });

  test('accepts what the qrcode library produces', () => {
    assert.doesNotThrow(() => qrCodeMarkup(QR_SVG));
  });
});

describe('renderMethodChooser', () => {
  test('has one button per method, saying Use or Set up', () => {
    const page = renderMethodChooser(chooser);
    assert.equal(attribute(tagWithID(page, 'method-totp'), 'href'), '/2fa/totp');
    assert.equal(attribute(tagWithID(page, 'method-webauthn'), 'href'), '/2fa/webauthn/register');
    assert.match(textOf(page, 'method-totp'), /Authenticator app.*Use$/s);
    assert.match(textOf(page, 'method-webauthn'), /Passkey.*Set up$/s);
  });
});

describe('renderWebAuthnPrompt', () => {
  test('sign-in: one button, no name field, the options URL and verify action on the form', () => {
    const page = renderWebAuthnPrompt({ ...webauthn, mode: 'authenticate' });
    assert.equal(attribute(tagWithID(page, 'webauthn-sign-in-button'), 'type'), 'submit');
    assert.equal(hasID(page, 'webauthn-register-button'), false);
    assert.equal(hasID(page, 'webauthn-description'), false);
    const form = tagWithID(page, 'webauthn-form');
    assert.equal(attribute(form, 'action'), '/2fa/webauthn');
    assert.equal(attribute(form, 'data-options-url'), '/2fa/webauthn/options');
    assert.equal(attribute(form, 'data-mode'), 'authenticate');
    assert.match(page, /<input type="hidden" name="csrf_token" value="tok.en">\n<input type="hidden" name="credential" value="">/);
    assert.equal(attribute(tagWithID(page, 'methods-button'), 'href'), '/2fa/methods');
  });

  test('register: a name field defaulting to "Passkey" and the register button', () => {
    const page = renderWebAuthnPrompt({ ...webauthn, mode: 'register' });
    const description = tagWithID(page, 'webauthn-description');
    assert.equal(attribute(description, 'name'), 'description');
    assert.equal(attribute(description, 'value'), DEFAULT_PASSKEY_NAME);
    assert.equal(DEFAULT_PASSKEY_NAME, 'Passkey');
    assert.equal(attribute(description, 'maxlength'), '64');
    assert.equal(attribute(tagWithID(page, 'webauthn-register-button'), 'type'), 'submit');
    assert.equal(hasID(page, 'webauthn-sign-in-button'), false);
    assert.equal(attribute(tagWithID(page, 'webauthn-form'), 'data-mode'), 'register');
  });

  test('has an #error-message region the script can fill: hidden when empty, shown with a server error', () => {
    const empty = tagWithID(renderWebAuthnPrompt({ ...webauthn, mode: 'authenticate' }), 'error-message');
    assert.equal(attribute(empty, 'hidden'), '');
    assert.equal(attribute(empty, 'role'), 'alert');
    const page = renderWebAuthnPrompt({ ...webauthn, mode: 'authenticate', error: 'Verification failed.' });
    assert.equal(attribute(tagWithID(page, 'error-message'), 'hidden'), undefined);
    assert.equal(textOf(page, 'error-message'), 'Verification failed.');
  });

  test('the script is the same on every page and reads its inputs from the form', () => {
    const one = renderWebAuthnPrompt({ ...webauthn, mode: 'authenticate', nonce: 'a' });
    const two = renderWebAuthnPrompt({ ...webauthn, mode: 'register', optionsURL: '/elsewhere', nonce: 'b' });
    assert.ok(one.includes(`<script nonce="a">${WEBAUTHN_SCRIPT}</script>`));
    assert.ok(two.includes(`<script nonce="b">${WEBAUTHN_SCRIPT}</script>`));
    assert.doesNotMatch(WEBAUTHN_SCRIPT, /\/2fa|elsewhere/);
  });

  test('the script fetches same-origin with credentials and posts an ordinary form', () => {
    assert.match(WEBAUTHN_SCRIPT, /credentials: 'same-origin'/);
    assert.match(WEBAUTHN_SCRIPT, /navigator\.credentials\.create/);
    assert.match(WEBAUTHN_SCRIPT, /navigator\.credentials\.get/);
    assert.match(WEBAUTHN_SCRIPT, /form\.submit\(\)/);
    assert.doesNotThrow(() => new Function(WEBAUTHN_SCRIPT), 'the script parses');
  });
});

describe('renderSecondFactorSettings', () => {
  test('shows the authenticator app as on, with a remove form', () => {
    const page = renderSecondFactorSettings(settings);
    assert.match(textOf(page, 'totp-status'), /^On · added 2 May 2025$/);
    assert.equal(attribute(tagWithID(page, 'totp-remove-button'), 'type'), 'submit');
    assert.equal(hasID(page, 'totp-setup-button'), false);
    assert.ok(page.includes('<form class="inline-form" method="post" action="/settings/totp/remove">'));
  });

  test('offers to set up the authenticator app when there is none', () => {
    const page = renderSecondFactorSettings({ ...settings, totp: { enrolled: false } });
    assert.equal(textOf(page, 'totp-status'), 'Not set up');
    assert.equal(hasID(page, 'totp-setup-button'), true);
    assert.ok(page.includes('<form class="inline-form" method="post" action="/settings/totp/add">'));
  });

  test('lists each passkey with its name, dates, rename form and remove button', () => {
    const page = renderSecondFactorSettings(settings);
    const rows = [...page.matchAll(/<li class="passkey" data-passkey-id="([^"]*)">([\s\S]*?)<\/li>/g)];
    assert.deepEqual(rows.map((r) => r[1]), ['cred-1', 'cred-2']);
    const [first = '', second = ''] = rows.map((r) => r[2] ?? '');
    assert.match(first, /<p class="passkey-name">Laptop<\/p>/);
    assert.match(first, /Added 3 May 2025 · last used 4 May 2025/);
    assert.match(second, /Added 5 May 2025 · never used/);
    assert.match(first, /<form class="inline-form" method="post" action="\/settings\/passkeys\/cred-1\/remove">[\s\S]*class="button button-small button-danger passkey-remove" type="submit"/);
    assert.match(first, /<form class="rename-form" method="post" action="\/settings\/passkeys\/cred-1\/rename">/);
    assert.equal(attribute(tagWithID(page, 'passkey-name-0'), 'name'), 'description');
    assert.equal(attribute(tagWithID(page, 'passkey-name-0'), 'value'), 'Laptop');
    assert.equal(attribute(tagWithID(page, 'passkey-name-1'), 'value'), 'Key');
    assert.equal(textOf(page, 'passkey-status'), '2 registered');
    assert.equal(attribute(tagWithID(page, 'passkey-add-button'), 'type'), 'submit');
  });

  test('escapes a passkey name with quotes in text, attributes and the action', () => {
    const name = `Bob's "key" <b>`;
    const page = renderSecondFactorSettings({ ...settings, passkeys: [{ id: `a"b`, description: name, createdAt: 'today' }] });
    assert.ok(page.includes('data-passkey-id="a&quot;b"'));
    assert.ok(page.includes('<p class="passkey-name">Bob&#39;s &quot;key&quot; &lt;b&gt;</p>'));
    assert.ok(page.includes('aria-label="Remove Bob&#39;s &quot;key&quot; &lt;b&gt;"'));
    assert.equal(attribute(tagWithID(page, 'passkey-name-0'), 'value'), 'Bob&#39;s &quot;key&quot; &lt;b&gt;');
    assert.ok(page.includes('action="/settings/passkeys/a%22b/remove"'));
  });

  test('offers the preferred method among the enrolled ones', () => {
    const page = renderSecondFactorSettings(settings);
    assert.ok(page.includes('<form class="preferred-form" method="post" action="/settings/preferred">'));
    const totpChoice = tagWithID(page, 'preferred-totp');
    assert.deepEqual([attribute(totpChoice, 'name'), attribute(totpChoice, 'value'), attribute(totpChoice, 'checked')], ['method', 'totp', '']);
    assert.equal(attribute(tagWithID(page, 'preferred-webauthn'), 'checked'), undefined);
    assert.equal(attribute(tagWithID(page, 'preferred-webauthn'), 'disabled'), undefined);
    const onlyTOTP = renderSecondFactorSettings({ ...settings, passkeys: [] });
    assert.equal(attribute(tagWithID(onlyTOTP, 'preferred-webauthn'), 'disabled'), '');
    assert.equal(textOf(onlyTOTP, 'passkey-status'), 'None registered');
    assert.equal(hasID(renderSecondFactorSettings({ ...settings, totp: { enrolled: false }, passkeys: [] }), 'preferred-method-button'), false);
  });
});

describe('renderReauthenticate', () => {
  test('asks for the password of the signed-in user (issue 4: fresh first factor)', () => {
    const page = renderReauthenticate(reauthenticate);
    assert.match(page, /Confirm your password to change your second factors/);
    const password = tagWithID(page, 'password-textfield');
    assert.deepEqual([attribute(password, 'name'), attribute(password, 'type'), attribute(password, 'autocomplete')], ['password', 'password', 'current-password']);
    assert.equal(attribute(password, 'value'), undefined);
    assert.equal(attribute(tagWithID(page, 'sign-in-button'), 'type'), 'submit');
    const username = tagWithID(page, 'reauthenticate-username');
    assert.equal(attribute(username, 'value'), 'john');
    assert.equal(attribute(username, 'readonly'), '');
    assert.equal(attribute(username, 'name'), undefined, 'the username is not posted');
    assert.match(page, /<form class="form" method="post" action="\/settings\/reauthenticate">/);
  });

  test('shows the sign-in failure message in the alert region', () => {
    assert.equal(textOf(renderReauthenticate({ ...reauthenticate, error: SIGN_IN_FAILED }), 'error-message'), SIGN_IN_FAILED);
  });
});
