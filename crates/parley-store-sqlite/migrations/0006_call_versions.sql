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

-- Everything `/v2/calls/extensive` renders for a call bumps the call's version too: its
-- parties, CRM links and the CRM objects they point at, its transcript and its analysis.
-- Triggers, so that no write path can forget.
CREATE INDEX crm_links_object ON crm_links (crm_pk);
CREATE TRIGGER parties_inserted AFTER INSERT ON parties BEGIN
    UPDATE calls SET version = version + 1 WHERE id = NEW.call_id;
END;
CREATE TRIGGER parties_updated AFTER UPDATE ON parties BEGIN
    UPDATE calls SET version = version + 1 WHERE id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER parties_deleted AFTER DELETE ON parties BEGIN
    UPDATE calls SET version = version + 1 WHERE id = OLD.call_id;
END;
CREATE TRIGGER crm_links_inserted AFTER INSERT ON crm_links BEGIN
    UPDATE calls SET version = version + 1 WHERE id = NEW.call_id;
END;
CREATE TRIGGER crm_links_deleted AFTER DELETE ON crm_links BEGIN
    UPDATE calls SET version = version + 1 WHERE id = OLD.call_id;
END;
CREATE TRIGGER crm_objects_updated AFTER UPDATE ON crm_objects WHEN OLD.fields IS NOT NEW.fields BEGIN
    UPDATE calls SET version = version + 1
    WHERE id IN (SELECT call_id FROM crm_links WHERE crm_pk = NEW.pk);
END;
CREATE TRIGGER transcripts_inserted AFTER INSERT ON transcripts BEGIN
    UPDATE calls SET version = version + 1 WHERE id = NEW.call_id;
END;
CREATE TRIGGER transcripts_deleted AFTER DELETE ON transcripts BEGIN
    UPDATE calls SET version = version + 1 WHERE id = OLD.call_id;
END;
CREATE TRIGGER call_analysis_inserted AFTER INSERT ON call_analysis BEGIN
    UPDATE calls SET version = version + 1 WHERE id = NEW.call_id;
END;
CREATE TRIGGER call_analysis_updated AFTER UPDATE ON call_analysis BEGIN
    UPDATE calls SET version = version + 1 WHERE id = NEW.call_id;
END;
