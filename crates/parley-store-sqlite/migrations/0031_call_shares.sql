-- Calls shared outside the company (parley_domain::share): a link whose token only the
-- maker saw; `token_sha256` is its SHA-256, so the table opens nothing. Revoked and
-- expired links stay as the record of who shared what, until the call goes. The share's
-- activity event (`share-external`) in `activity_events` has the same id.
CREATE TABLE call_shares (
    id                 INTEGER PRIMARY KEY,
    call_id            INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    created_by_user_id INTEGER NOT NULL REFERENCES users (id),
    token_sha256       TEXT    NOT NULL UNIQUE,
    recipient          TEXT,
    created_us         INTEGER NOT NULL,
    expires_us         INTEGER NOT NULL,
    revoked_us         INTEGER,
    views              INTEGER NOT NULL DEFAULT 0,
    last_viewed_us     INTEGER
);
CREATE INDEX call_shares_call ON call_shares (call_id, created_us);
