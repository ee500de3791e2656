-- SQLite 0028, in PostgreSQL: the same columns and stored values (see 0001's header).
-- The last edit of an answered scorecard's answers; NULL: never edited.
ALTER TABLE answered_scorecards ADD COLUMN edited_us BIGINT;
ALTER TABLE answered_scorecards ADD COLUMN editor_user_id BIGINT;
