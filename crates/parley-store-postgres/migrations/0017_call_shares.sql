-- Calls shared outside the company (parley_domain::share): a link whose token only the
-- maker saw; `token_sha256` is its SHA-256, so the table opens nothing. Revoked and
-- expired links stay as the record of who shared what, until the call goes. The share's
-- activity event (`share-external`) in `activity_events` has the same id.
CREATE TABLE call_shares (
    id                 BIGINT PRIMARY KEY,
    call_id            BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    created_by_user_id BIGINT NOT NULL REFERENCES users (id),
    token_sha256       TEXT COLLATE "C" NOT NULL UNIQUE,
    recipient          TEXT,
    created_us         BIGINT NOT NULL,
    expires_us         BIGINT NOT NULL,
    revoked_us         BIGINT,
    views              BIGINT NOT NULL DEFAULT 0,
    last_viewed_us     BIGINT
);
CREATE INDEX call_shares_call ON call_shares (call_id, created_us);
