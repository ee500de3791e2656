-- Every change to a call's row bumps its version, and the listing indexes carry it, so a
-- listing can read (start, id, version) from an index alone and serve calls whose version
-- it has already rendered from memory (parley_server's call cache).
ALTER TABLE calls ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

DROP INDEX calls_started;
DROP INDEX calls_workspace_started;
DROP INDEX calls_primary_user_started;
CREATE INDEX calls_started ON calls (started_us, id, version);
CREATE INDEX calls_workspace_started ON calls (workspace_id, started_us, id, version);
CREATE INDEX calls_primary_user_started ON calls (primary_user_id, started_us, id, version);

-- Bumped by every insert and delete of a call (triggers, so no code path can forget):
-- a count of calls under a filter stays right while the generation is unchanged, because
-- the columns filters use (start, workspace, host, id) never change after insert.
CREATE TABLE generations (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO generations (name, value) VALUES ('calls', 1);
CREATE TRIGGER calls_inserted AFTER INSERT ON calls BEGIN
    UPDATE generations SET value = value + 1 WHERE name = 'calls';
END;
CREATE TRIGGER calls_deleted AFTER DELETE ON calls BEGIN
    UPDATE generations SET value = value + 1 WHERE name = 'calls';
END;
