-- 0003: TOTP second factors, the preferred second-factor method, and the authentication log and
-- bans of brute-force regulation (Authelia's totp_configurations, totp_history, user_preferences,
-- authentication_logs, banned_user/banned_ip). Passkeys have their own migration.

-- One TOTP secret per user; the secret is sealed with the storage key (secrets.ts), never plain.
CREATE TABLE totp_configurations (
  id           INTEGER PRIMARY KEY,
  username     TEXT    NOT NULL UNIQUE,
  issuer       TEXT    NOT NULL,
  algorithm    TEXT    NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
  digits       INTEGER NOT NULL CHECK (digits IN (6, 8)),
  period       INTEGER NOT NULL CHECK (period > 0),
  secret       BLOB    NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
);

-- Time steps already accepted, so a code is accepted once (RFC 6238 §5.2); the primary key makes
-- the first insert win across connections and processes.
CREATE TABLE totp_history (
  username TEXT    NOT NULL,
  step     INTEGER NOT NULL,
  used_at  INTEGER NOT NULL,
  PRIMARY KEY (username, step)
) WITHOUT ROWID;

CREATE TABLE user_preferences (
  username             TEXT PRIMARY KEY,
  second_factor_method TEXT NOT NULL CHECK (second_factor_method IN ('totp', 'webauthn'))
);

-- Every first- and second-factor attempt. username is folded (foldLoginName), remote_ip canonical.
-- banned = 1: refused without a check because a ban was in force; such rows never count as failures.
CREATE TABLE authentication_logs (
  id             INTEGER PRIMARY KEY,
  time           INTEGER NOT NULL,
  successful     INTEGER NOT NULL CHECK (successful IN (0, 1)),
  banned         INTEGER NOT NULL CHECK (banned IN (0, 1)),
  username       TEXT    NOT NULL,
  kind           TEXT    NOT NULL CHECK (kind IN ('1fa', 'totp', 'webauthn')),
  remote_ip      TEXT,
  request_uri    TEXT    NOT NULL DEFAULT '',
  request_method TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX authentication_logs_username  ON authentication_logs (username, time);
CREATE INDEX authentication_logs_remote_ip ON authentication_logs (remote_ip, time) WHERE remote_ip IS NOT NULL;

-- A ban of a (folded) username or a client IP until expires_at, decided when a failure was recorded.
CREATE TABLE regulation_bans (
  id         INTEGER PRIMARY KEY,
  bucket     TEXT    NOT NULL CHECK (bucket IN ('user', 'ip')),
  value      TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
CREATE INDEX regulation_bans_lookup ON regulation_bans (bucket, value, expires_at);
