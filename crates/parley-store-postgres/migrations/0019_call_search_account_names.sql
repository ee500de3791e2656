-- An account's upsert rewrites its calls' search rows (migration 0018) only when its name
-- changed: every call that links an account upserts its fields, and rewriting all of the
-- account's calls each time made adding calls quadratic (BENCHMARKS.md).
CREATE OR REPLACE FUNCTION call_facts_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT f ->> 1 FROM jsonb_array_elements(OLD.fields::jsonb) f WHERE f ->> 0 = 'Name' LIMIT 1)
       IS DISTINCT FROM
       (SELECT f ->> 1 FROM jsonb_array_elements(NEW.fields::jsonb) f WHERE f ->> 0 = 'Name' LIMIT 1) THEN
        PERFORM call_facts_refresh(call_id) FROM (SELECT DISTINCT call_id FROM crm_links WHERE crm_pk = NEW.pk) l;
    END IF;
    RETURN NULL;
END $$;
