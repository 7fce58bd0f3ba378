-- 0006: at most one row per (model, uid). oidc-provider finds a Session by its uid (for tokens'
-- session binding, on every token and userinfo request); with a unique index that lookup needs no
-- ORDER BY rowid, which made SQLite visit the table in rowid order (≈ 50 µs instead of ≈ 8 µs).
-- A uid is per session and survives only its id rotation, which destroys the old row anyway, so
-- the newest row is the one findByUid already returned; older duplicates, if any, go.
DELETE FROM oidc_payloads WHERE uid IS NOT NULL AND rowid NOT IN
  (SELECT MAX(rowid) FROM oidc_payloads WHERE uid IS NOT NULL GROUP BY model, uid);
DROP INDEX oidc_payloads_uid;
CREATE UNIQUE INDEX oidc_payloads_uid ON oidc_payloads (model, uid) WHERE uid IS NOT NULL;
