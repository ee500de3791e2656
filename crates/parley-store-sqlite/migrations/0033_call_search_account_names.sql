-- An account's upsert rewrites its calls' search rows (migration 0032) only when its name
-- changed: every call that links an account upserts its fields, and rewriting all of the
-- account's calls each time made adding calls quadratic (BENCHMARKS.md).
DROP TRIGGER call_facts_account_changed;
CREATE TRIGGER call_facts_account_changed AFTER UPDATE OF fields ON crm_objects
WHEN NEW.object_type = 'Account'
 AND (SELECT json_extract(f.value, '$[1]') FROM json_each(OLD.fields) f WHERE json_extract(f.value, '$[0]') = 'Name')
     IS NOT (SELECT json_extract(f.value, '$[1]') FROM json_each(NEW.fields) f WHERE json_extract(f.value, '$[0]') = 'Name')
BEGIN
    DELETE FROM call_facts WHERE rowid IN (SELECT call_id FROM crm_links WHERE crm_pk = NEW.pk);
    INSERT INTO call_facts (rowid, facts) SELECT call_id, facts FROM call_facts_source
     WHERE call_id IN (SELECT call_id FROM crm_links WHERE crm_pk = NEW.pk);
END;
