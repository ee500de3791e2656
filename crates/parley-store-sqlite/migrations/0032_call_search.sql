-- The calls search's indexes (GET /parley/v1/calls?q=): without them a rare term read
-- every call and its parties (1.5 s over 100,000 calls, BENCHMARKS.md).
--
-- call_facts: one row per call (rowid = call id) holding its title, its parties' names
-- and addresses and the names of the CRM accounts linked to it, indexed by trigrams, so
-- a piece of any of them (3 characters or more) is found from the index in either case.
-- The triggers below keep it true whatever writes those rows: a new call, its parties and
-- links, a renamed account, a person's erasure.
CREATE VIRTUAL TABLE call_facts USING fts5 (facts, tokenize = 'trigram');

-- call_words: one row per transcribed call (rowid = call id), its sentences' words,
-- indexed by word without keeping a copy of the text (the sentences are the copy).
-- Accents are kept, as PostgreSQL's 'simple' configuration keeps them: both backends
-- find the same calls.
-- `replace_transcript` writes a call's row; the triggers remove it with the transcript
-- and rewrite it when an erasure changes or removes a sentence.
CREATE VIRTUAL TABLE call_words USING fts5 (
    words,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- What call_facts holds for each call.
CREATE VIEW call_facts_source AS
SELECT c.id AS call_id,
       c.title
       || char(10) || coalesce((SELECT group_concat(coalesce(p.name, '') || ' ' || coalesce(p.email, ''), char(10))
                                  FROM parties p WHERE p.call_id = c.id), '')
       || char(10) || coalesce((SELECT group_concat(n.name, char(10))
                                  FROM (SELECT (SELECT json_extract(f.value, '$[1]')
                                                  FROM json_each(o.fields) f
                                                 WHERE json_extract(f.value, '$[0]') = 'Name') AS name
                                          FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk
                                         WHERE l.call_id = c.id AND o.object_type = 'Account') n), '')
       AS facts
FROM calls c;

-- What call_words holds for each transcribed call.
CREATE VIEW call_words_source AS
SELECT call_id, group_concat(text, char(10) ORDER BY monologue, seq) AS words
FROM transcript_sentences
GROUP BY call_id;

INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source;
INSERT INTO call_words (rowid, words) SELECT call_id, words FROM call_words_source;

CREATE TRIGGER call_facts_call_added AFTER INSERT ON calls BEGIN
    INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source WHERE call_id = NEW.id;
END;
CREATE TRIGGER call_facts_call_renamed AFTER UPDATE OF title ON calls BEGIN
    DELETE FROM call_facts WHERE rowid = NEW.id;
    INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source WHERE call_id = NEW.id;
END;
CREATE TRIGGER call_search_call_removed AFTER DELETE ON calls BEGIN
    DELETE FROM call_facts WHERE rowid = OLD.id;
    DELETE FROM call_words WHERE rowid = OLD.id;
END;

CREATE TRIGGER call_facts_party_added AFTER INSERT ON parties BEGIN
    DELETE FROM call_facts WHERE rowid = NEW.call_id;
    INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER call_facts_party_changed AFTER UPDATE OF name, email, call_id ON parties BEGIN
    DELETE FROM call_facts WHERE rowid IN (OLD.call_id, NEW.call_id);
    INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source
     WHERE call_id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER call_facts_party_removed AFTER DELETE ON parties BEGIN
    DELETE FROM call_facts WHERE rowid = OLD.call_id;
    INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source WHERE call_id = OLD.call_id;
END;

CREATE TRIGGER call_facts_link_added AFTER INSERT ON crm_links BEGIN
    DELETE FROM call_facts WHERE rowid = NEW.call_id;
    INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER call_facts_link_removed AFTER DELETE ON crm_links BEGIN
    DELETE FROM call_facts WHERE rowid = OLD.call_id;
    INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source WHERE call_id = OLD.call_id;
END;
CREATE TRIGGER call_facts_account_changed AFTER UPDATE OF fields ON crm_objects
WHEN NEW.object_type = 'Account' BEGIN
    DELETE FROM call_facts WHERE rowid IN (SELECT call_id FROM crm_links WHERE crm_pk = NEW.pk);
    INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source
     WHERE call_id IN (SELECT call_id FROM crm_links WHERE crm_pk = NEW.pk);
END;

-- A transcript's removal (its call's, or its replacement's) takes its words; the
-- sentences it cascades to are gone with it, so their own triggers below do nothing.
CREATE TRIGGER call_words_transcript_removed AFTER DELETE ON transcripts BEGIN
    DELETE FROM call_words WHERE rowid = OLD.call_id;
END;
-- A sentence changed or removed on its own (an erasure) rewrites the call's words.
CREATE TRIGGER call_words_sentence_changed AFTER UPDATE OF text ON transcript_sentences BEGIN
    DELETE FROM call_words WHERE rowid = NEW.call_id;
    INSERT INTO call_words (rowid, words) SELECT call_id, words FROM call_words_source WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER call_words_sentence_removed AFTER DELETE ON transcript_sentences
WHEN EXISTS (SELECT 1 FROM transcripts WHERE call_id = OLD.call_id) BEGIN
    DELETE FROM call_words WHERE rowid = OLD.call_id;
    INSERT INTO call_words (rowid, words) SELECT call_id, words FROM call_words_source WHERE call_id = OLD.call_id;
END;

-- The orders by duration read calls in that order.
CREATE INDEX calls_duration ON calls (duration_s, started_us, id);
