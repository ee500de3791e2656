-- SQLite 0024, in PostgreSQL: the same columns and stored values (see 0001's header).
-- Comments on calls; a reply names a comment of the same call, and goes with it.
CREATE TABLE call_comments (
    id             BIGINT PRIMARY KEY,
    call_id        BIGINT  NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    author_user_id BIGINT  NOT NULL REFERENCES users (id),
    text           TEXT COLLATE "C" NOT NULL,
    start_ms       BIGINT,
    end_ms         BIGINT,
    in_reply_to    BIGINT,
    is_public      BOOLEAN NOT NULL,
    during_call    BOOLEAN NOT NULL,
    posted_us      BIGINT  NOT NULL,
    UNIQUE (call_id, id),
    FOREIGN KEY (call_id, in_reply_to) REFERENCES call_comments (call_id, id) ON DELETE CASCADE
);
CREATE INDEX call_comments_reply ON call_comments (call_id, in_reply_to);

-- Every change bumps the call's version (0001's trigger functions).
CREATE TRIGGER call_comments_inserted AFTER INSERT ON call_comments
    FOR EACH ROW EXECUTE FUNCTION bump_call_version_new();
-- Not on `in_reply_to`: only a copy between databases writes it, after `calls.version`.
CREATE TRIGGER call_comments_updated
    AFTER UPDATE OF call_id, text, start_ms, end_ms, is_public, during_call, posted_us
    ON call_comments
    FOR EACH ROW EXECUTE FUNCTION bump_call_version_moved();
CREATE TRIGGER call_comments_deleted AFTER DELETE ON call_comments
    FOR EACH ROW EXECUTE FUNCTION bump_call_version_old();
