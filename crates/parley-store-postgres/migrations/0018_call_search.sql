-- The calls search's indexes (GET /parley/v1/calls?q=), as SQLite's migration 0032:
-- without them a rare term read every call and its parties.
--
-- call_facts: each call's title, its parties' names and addresses and the names of the
-- CRM accounts linked to it, with a trigram index that ILIKE '%piece%' reads (pg_trgm,
-- a trusted extension: the database's owner may create it). Triggers keep it true
-- whatever writes those rows.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE call_facts (
    call_id BIGINT PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    facts   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX call_facts_trigrams ON call_facts USING gin (facts gin_trgm_ops);

-- call_words: each transcript's words ('simple': lowercased, no stemming, no stop
-- words), written by replace_transcript and rewritten by the triggers when an erasure
-- changes or removes a sentence; it goes with its transcript.
CREATE TABLE call_words (
    call_id BIGINT PRIMARY KEY REFERENCES transcripts (call_id) ON DELETE CASCADE,
    words   TSVECTOR NOT NULL
);
CREATE INDEX call_words_words ON call_words USING gin (words);

CREATE FUNCTION call_facts_refresh(c BIGINT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM call_facts WHERE call_id = c;
    INSERT INTO call_facts (call_id, facts)
    SELECT k.id,
           k.title
           || E'\n' || coalesce((SELECT string_agg(coalesce(p.name, '') || ' ' || coalesce(p.email, ''), E'\n' ORDER BY p.ord)
                                   FROM parties p WHERE p.call_id = k.id), '')
           || E'\n' || coalesce((SELECT string_agg(f ->> 1, E'\n' ORDER BY l.ord)
                                   FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk,
                                        jsonb_array_elements(o.fields::jsonb) f
                                  WHERE l.call_id = k.id AND o.object_type = 'Account' AND f ->> 0 = 'Name'), '')
      FROM calls k WHERE k.id = c;
$$;

CREATE FUNCTION call_words_refresh(c BIGINT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM call_words WHERE call_id = c;
    INSERT INTO call_words (call_id, words)
    SELECT call_id, to_tsvector('simple', string_agg(text, E'\n' ORDER BY monologue, seq))
      FROM transcript_sentences WHERE call_id = c GROUP BY call_id;
$$;

SELECT call_facts_refresh(id) FROM calls;
SELECT call_words_refresh(call_id) FROM transcripts;

CREATE FUNCTION call_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'calls' THEN
        PERFORM call_facts_refresh(NEW.id);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM call_facts_refresh(OLD.call_id);
    ELSE
        PERFORM call_facts_refresh(NEW.call_id);
        IF TG_OP = 'UPDATE' AND OLD.call_id <> NEW.call_id THEN
            PERFORM call_facts_refresh(OLD.call_id);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION call_facts_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM call_facts_refresh(call_id) FROM (SELECT DISTINCT call_id FROM crm_links WHERE crm_pk = NEW.pk) l;
    RETURN NULL;
END $$;

-- A sentence changed or removed on its own (an erasure); one removed with its transcript
-- (no transcript row any more) takes nothing: call_words went with the transcript.
CREATE FUNCTION call_words_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM transcripts WHERE call_id = OLD.call_id) THEN
            PERFORM call_words_refresh(OLD.call_id);
        END IF;
    ELSE
        PERFORM call_words_refresh(NEW.call_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER call_facts_calls AFTER INSERT OR UPDATE OF title ON calls
    FOR EACH ROW EXECUTE FUNCTION call_facts_changed();
CREATE TRIGGER call_facts_parties AFTER INSERT OR DELETE OR UPDATE OF name, email, call_id ON parties
    FOR EACH ROW EXECUTE FUNCTION call_facts_changed();
CREATE TRIGGER call_facts_links AFTER INSERT OR DELETE ON crm_links
    FOR EACH ROW EXECUTE FUNCTION call_facts_changed();
CREATE TRIGGER call_facts_accounts AFTER UPDATE OF fields ON crm_objects
    FOR EACH ROW WHEN (NEW.object_type = 'Account') EXECUTE FUNCTION call_facts_account_changed();
CREATE TRIGGER call_words_sentences AFTER DELETE OR UPDATE OF text ON transcript_sentences
    FOR EACH ROW EXECUTE FUNCTION call_words_changed();

-- The orders by duration read calls in that order.
CREATE INDEX calls_duration ON calls (duration_s, started_us, id);
