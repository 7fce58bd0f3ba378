-- 0001: the first schema. Released migrations are never edited: change the schema with a new
-- numbered file. Times are INTEGER seconds since the epoch; NULL expires_at means "never".
-- No BEGIN/COMMIT here: the runner applies every pending file in one transaction.

CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
);

-- One row: a known value sealed under the storage key, to refuse a wrong storage.encryption_key.
CREATE TABLE encryption_check (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  sealed     BLOB    NOT NULL,
  created_at INTEGER NOT NULL
);

-- Every oidc-provider model instance. id_hash is SHA-256 of the id oidc-provider uses (for tokens
-- the token value itself); sealed_id is that id encrypted, kept only on rows found by uid or user
-- code, whose finders must hand the id back. id_is_jti = 1 means payload.jti equalled the id and was
-- left out of the stored JSON.
CREATE TABLE oidc_payloads (
  model       TEXT    NOT NULL,
  id_hash     BLOB    NOT NULL,
  sealed_id   BLOB,
  id_is_jti   INTEGER NOT NULL CHECK (id_is_jti IN (0, 1)),
  payload     TEXT    NOT NULL CHECK (json_valid(payload)),
  grant_id    TEXT,
  user_code   TEXT,
  uid         TEXT,
  expires_at  INTEGER,
  consumed_at INTEGER,
  PRIMARY KEY (model, id_hash)
);
CREATE INDEX oidc_payloads_grant_id   ON oidc_payloads (grant_id)         WHERE grant_id  IS NOT NULL;
CREATE INDEX oidc_payloads_uid        ON oidc_payloads (model, uid)       WHERE uid       IS NOT NULL;
CREATE INDEX oidc_payloads_user_code  ON oidc_payloads (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_payloads_expires_at ON oidc_payloads (expires_at)       WHERE expires_at IS NOT NULL;

-- Authelia's subject mapping (V0004): one random UUID per (service, sector, user).
CREATE TABLE user_opaque_identifier (
  id         INTEGER PRIMARY KEY,
  service    TEXT NOT NULL,
  sector_id  TEXT NOT NULL,
  username   TEXT NOT NULL,
  identifier TEXT NOT NULL
);
CREATE UNIQUE INDEX user_opaque_identifier_lookup     ON user_opaque_identifier (service, sector_id, username);
CREATE UNIQUE INDEX user_opaque_identifier_identifier ON user_opaque_identifier (identifier);

-- Authelia's remembered consent (V0006). scopes and audience are canonical sets: JSON arrays,
-- sorted, without duplicates, so equal text means equal sets.
CREATE TABLE oauth2_consent_preconfiguration (
  id         INTEGER PRIMARY KEY,
  client_id  TEXT    NOT NULL,
  subject    TEXT    NOT NULL REFERENCES user_opaque_identifier (identifier),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
  scopes     TEXT    NOT NULL,
  audience   TEXT    NOT NULL
);
CREATE INDEX oauth2_consent_preconfiguration_lookup ON oauth2_consent_preconfiguration (client_id, subject);
CREATE INDEX oauth2_consent_preconfiguration_subject ON oauth2_consent_preconfiguration (subject);

-- Provider signing keys Castellan generated itself; the private JWK is sealed.
CREATE TABLE signing_keys (
  id         INTEGER PRIMARY KEY,
  kid        TEXT    NOT NULL UNIQUE,
  alg        TEXT,
  sealed_jwk BLOB    NOT NULL,
  created_at INTEGER NOT NULL
);
