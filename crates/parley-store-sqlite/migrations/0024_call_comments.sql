-- Comments on calls (parley_domain::comment). A reply names a comment of the same call:
-- the foreign key is on (call_id, in_reply_to), and deleting a comment deletes the
-- replies to it. Times of the recording in milliseconds (both NULL: the whole call).
-- A public comment's activity event in `activity_events` has the same id.
CREATE TABLE call_comments (
    id             INTEGER PRIMARY KEY,
    call_id        INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    author_user_id INTEGER NOT NULL REFERENCES users (id),
    text           TEXT    NOT NULL,
    start_ms       INTEGER,
    end_ms         INTEGER,
    in_reply_to    INTEGER,
    is_public      INTEGER NOT NULL,
    during_call    INTEGER NOT NULL,
    posted_us      INTEGER NOT NULL,
    FOREIGN KEY (call_id, in_reply_to) REFERENCES call_comments (call_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX call_comments_call ON call_comments (call_id, id);
CREATE INDEX call_comments_reply ON call_comments (call_id, in_reply_to);

-- `/v2/calls/extensive` renders a call's public comments: every change bumps the call's
-- version (see 0006), an erase's rewrite of a comment's text included. `in_reply_to` never
-- changes but in a copy between databases (written after every table, `calls.version`
-- included), so its rewrite must not move the copied version.
CREATE TRIGGER call_comments_inserted AFTER INSERT ON call_comments BEGIN
    UPDATE calls SET version = version + 1 WHERE id = NEW.call_id;
END;
CREATE TRIGGER call_comments_updated
    AFTER UPDATE OF call_id, text, start_ms, end_ms, is_public, during_call, posted_us
    ON call_comments BEGIN
    UPDATE calls SET version = version + 1 WHERE id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER call_comments_deleted AFTER DELETE ON call_comments BEGIN
    UPDATE calls SET version = version + 1 WHERE id = OLD.call_id;
END;
