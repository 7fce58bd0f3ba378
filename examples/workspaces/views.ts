// The Workspaces demo app's pages, with the stable element ids the browser tests use: login
// (#username-textfield, #password-textfield, #sign-in-button, [data-sso-id]), profile (#profile-username,
// #profile-email, #profile-groups li, #profile-settings), admin and error (#error-message).
import { html, join, safeHref, type SafeHTML } from '../../src/portal/html.ts';
import type { AppGroup, EffectiveSetting, LoginOption } from '../../src/relying-party/index.ts';
import type { AppUser } from './database.ts';

export const STYLESHEET_PATH = '/workspaces.css';

export const STYLESHEET = `
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2430; }
header { background: #16324f; color: #fff; padding: 0.8rem 1.5rem; display: flex; justify-content: space-between; align-items: center; }
header a, header button { color: #fff; }
main { max-width: 56rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
label { display: block; margin-top: 0.8rem; }
input { width: 100%; box-sizing: border-box; padding: 0.5rem; font-size: 1rem; }
button, .sso-button { display: inline-block; margin-top: 1rem; padding: 0.6rem 1.2rem; font-size: 1rem; border-radius: 4px; border: 1px solid #16324f; background: #16324f; color: #fff; text-decoration: none; cursor: pointer; }
.sso-button { background: #fff; color: #16324f; }
.sso-button img { height: 1.2em; vertical-align: middle; margin-right: 0.4em; }
nav form { display: inline; }
header button { margin: 0; background: transparent; border-color: #fff; }
.alert { color: #8a1c1c; background: #fdecec; padding: 0.6rem; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid #dde1e6; vertical-align: top; }
.muted { color: #5b6472; }
`;

function layout(title: string, body: SafeHTML, signedIn?: { username: string; admin: boolean }): string {
  const nav = signedIn
    ? html`<nav><a href="/profile">${signedIn.username}</a>${signedIn.admin ? html` · <a id="admin-link" href="/admin">Admin</a>` : ''} · <form method="post" action="/api/logout"><button id="logout-button" type="submit">Log out</button></form></nav>`
    : '';
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><link rel="stylesheet" href="${STYLESHEET_PATH}"><title>${title} · Workspaces</title></head>
<body><header><strong>Workspaces</strong>${nav}</header><main><h1>${title}</h1>${body}</main></body></html>`.toString();
}

export function loginPage(options: readonly LoginOption[], failure?: { message: string; username: string }): string {
  const buttons = options.map((option) => {
    const logo = option.logo_url === undefined ? undefined : safeHref(option.logo_url);
    return html`<p><a class="sso-button" data-sso-id="${option.id}" href="${option.login_url}">${logo === undefined ? '' : html`<img src="${logo}" alt="">`}${option.display_name}</a></p>`;
  });
  return layout('Sign in', html`
${failure ? html`<p id="login-error" class="alert" role="alert">${failure.message}</p>` : ''}
<form method="post" action="/login">
<label for="username-textfield">Username</label><input id="username-textfield" name="username" autocomplete="username" value="${failure?.username ?? ''}" required>
<label for="password-textfield">Password</label><input id="password-textfield" name="password" type="password" autocomplete="current-password" required>
<button id="sign-in-button" type="submit">Sign in</button>
</form>
${buttons.length > 0 ? html`<h2>Or sign in with</h2><div id="sso-buttons">${buttons}</div>` : ''}`);
}

function realmOf(user: AppUser): string {
  return user.providerID === undefined ? user.realm : `${user.realm} (${user.providerID})`;
}

export function profilePage(user: AppUser, groups: readonly AppGroup[], settings: Readonly<Record<string, EffectiveSetting>>, admin: boolean): string {
  const rows = Object.entries(settings).map(([name, setting]) => html`<tr data-setting="${name}"><th>${name}</th><td class="setting-value">${String(setting.value)}</td><td class="setting-group">${setting.group}</td></tr>`);
  return layout('Profile', html`
<table>
<tr><th>Username</th><td id="profile-username">${user.username}</td></tr>
<tr><th>Email</th><td id="profile-email">${user.fields?.email ?? ''}</td></tr>
<tr><th>Signs in with</th><td id="profile-realm">${realmOf(user)}</td></tr>
</table>
<h2>Groups</h2>
<ul id="profile-groups">${groups.map((group) => html`<li data-priority="${group.priority}">${group.name}</li>`)}</ul>
<h2>Effective settings</h2>
<p class="muted">Each setting comes from the member group with the lowest priority number.</p>
${rows.length > 0 ? html`<table id="profile-settings"><tr><th>Setting</th><th>Value</th><th>From group</th></tr>${rows}</table>` : html`<p id="profile-settings">No group sets anything.</p>`}`, { username: user.username, admin });
}

function mappingText(group: AppGroup): string {
  return group.sso_mappings.map((m) => `${m.provider}: ${m.assign_all_users === true ? 'all users' : m.group_attribute}`).join(', ');
}

export function adminPage(viewer: string, users: readonly AppUser[], groups: readonly AppGroup[], members: ReadonlyMap<string, number>): string {
  return layout('Admin', html`
<h2>Users</h2>
<table id="admin-users"><tr><th>Username</th><th>Realm</th><th>Email</th><th>Groups</th></tr>
${users.map((user) => html`<tr data-username="${user.username}"><td>${user.username}</td><td>${realmOf(user)}</td><td>${user.fields?.email ?? ''}</td><td>${join(user.groups, ', ')}</td></tr>`)}</table>
<h2>Groups</h2>
<table id="admin-groups"><tr><th>Name</th><th>Priority</th><th>Settings</th><th>SSO mappings</th><th>Members</th></tr>
${groups.map((group) => html`<tr data-group="${group.name}"><td>${group.name}</td><td>${group.priority}</td><td>${join(Object.entries(group.settings).map(([k, v]) => `${k}=${String(v)}`), ', ')}</td><td>${mappingText(group)}</td><td>${members.get(group.name) ?? 0}</td></tr>`)}</table>`, { username: viewer, admin: true });
}

export function errorPage(title: string, message: string, options: { code?: string; retryURL?: string | undefined } = {}): string {
  return layout(title, html`<p id="error-message" class="alert"${options.code === undefined ? '' : html` data-error-code="${options.code}"`}>${message}</p>
${options.retryURL === undefined ? '' : html`<p><a id="error-retry" class="sso-button" href="${options.retryURL}">Try again</a></p>`}
<p><a href="/staticlogin">Back to the login page</a></p>`);
}
