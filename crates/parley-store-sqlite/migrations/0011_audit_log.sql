-- The audit log: who did what, when, from where, and how it ended (parley_domain::audit).
-- Single entries (writes, sign-ins) are a row each. Aggregated ones (key use, refused
-- credentials) are one row per actor, action, client address, outcome and hour, whose
-- `count` and `last_us` grow in place (`bucket_us` is the hour; NULL for single rows), so
-- reads do not make this the busiest table.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    log         TEXT    NOT NULL,              -- 'access' | 'activity'
    at_us       INTEGER NOT NULL,              -- when (aggregated: first time in the hour)
    last_us     INTEGER NOT NULL,
    count       INTEGER NOT NULL DEFAULT 1,
    bucket_us   INTEGER,
    actor_kind  TEXT    NOT NULL,              -- 'key' | 'rejected' | 'cli' | 'user'
    actor       TEXT    NOT NULL,              -- access key, key fingerprint, OS user, ''
    user_id     INTEGER,
    action      TEXT    NOT NULL,
    client_ip   TEXT    NOT NULL DEFAULT '',   -- '' when unknown (NULLs would never conflict)
    method      TEXT,
    route       TEXT,
    path        TEXT,
    params      TEXT    NOT NULL DEFAULT '[]', -- JSON [[key, value], ...]
    targets     TEXT    NOT NULL DEFAULT '[]', -- JSON [id, ...]
    outcome     TEXT    NOT NULL
);

-- Listings by log and time, in (at_us, id) keyset order.
CREATE INDEX audit_log_time ON audit_log (log, at_us, id);
-- Pruning by age.
CREATE INDEX audit_log_age ON audit_log (at_us);
-- The row an aggregated entry adds to.
CREATE UNIQUE INDEX audit_log_bucket
    ON audit_log (bucket_us, actor_kind, actor, action, client_ip, outcome)
    WHERE bucket_us IS NOT NULL;
