-- 0004: WebAuthn (passkey) second factors, after Authelia's webauthn_credentials, and the WebAuthn
-- user handle of each user: 32 random bytes, never the username (WebAuthn Level 3 §14.6.1).
-- Usernames are the backend's canonical User.username.

CREATE TABLE webauthn_users (
  username    TEXT    PRIMARY KEY,
  user_handle BLOB    NOT NULL UNIQUE CHECK (length(user_handle) = 32),
  created_at  INTEGER NOT NULL
);

-- credential_id is the base64url (unpadded) credential id, unique across all users as the
-- specification requires (§7.1 step 25). public_key is the COSE_Key from the attested credential
-- data; it is not secret. description is the name the user gave the credential.
CREATE TABLE webauthn_credentials (
  id               INTEGER PRIMARY KEY,
  username         TEXT    NOT NULL,
  description      TEXT    NOT NULL CHECK (length(description) > 0),
  credential_id    TEXT    NOT NULL UNIQUE,
  public_key       BLOB    NOT NULL,
  sign_count       INTEGER NOT NULL CHECK (sign_count >= 0),
  transports       TEXT    NOT NULL CHECK (json_valid(transports)),
  aaguid           TEXT    NOT NULL,
  backup_eligible  INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
  backup_state     INTEGER NOT NULL CHECK (backup_state IN (0, 1)),
  attestation_type TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  last_used_at     INTEGER
);
CREATE INDEX webauthn_credentials_username ON webauthn_credentials (username);
