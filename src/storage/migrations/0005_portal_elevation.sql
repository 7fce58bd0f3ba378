-- 0005: the portal's elevated sessions. Changing one's second factors needs the password again
-- (there is no e-mail notifier to confirm a change); the re-entry is remembered here for a few
-- minutes, keyed by the SHA-256 of the oidc-provider session id, which is a bearer secret and is
-- never stored as is. The same row holds the state of a change in progress: a TOTP enrolment
-- shown but not yet confirmed (sealed with the storage key, as secrets.ts seals) and the challenge
-- of a passkey registration (used once). Rows die with the elevation.
CREATE TABLE portal_elevations (
  session_hash        BLOB    PRIMARY KEY CHECK (length(session_hash) = 32),
  username            TEXT    NOT NULL,
  elevated_at         INTEGER NOT NULL,
  expires_at          INTEGER NOT NULL,
  totp_enrolment      BLOB,
  webauthn_challenge  TEXT,
  challenge_expires_at INTEGER
) WITHOUT ROWID;

CREATE INDEX portal_elevations_expires_at ON portal_elevations (expires_at);
