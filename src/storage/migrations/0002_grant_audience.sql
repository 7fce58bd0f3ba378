-- The audience granted with each grant (Authelia's `audience` request parameter), read when access
-- tokens are introspected. Grant ids are stored as SHA-256 hashes, like every oidc-provider id.
CREATE TABLE oidc_grant_audience (
  grant_id_hash BLOB PRIMARY KEY,
  audience TEXT NOT NULL CHECK (json_valid(audience)),
  expires_at INTEGER NOT NULL
);

CREATE INDEX oidc_grant_audience_expires_at ON oidc_grant_audience (expires_at);
