-- SQLite 0027, in PostgreSQL: the same columns and stored values (see 0001's header).
-- CRM write-back: connectors (secrets sealed by the application core) and the record of
-- every CRM field write.
CREATE TABLE crm_connectors (
    id           BIGINT PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    settings     TEXT COLLATE "C" NOT NULL,
    secret       TEXT COLLATE "C" NOT NULL,
    created_us   BIGINT NOT NULL,
    updated_us   BIGINT NOT NULL
);
CREATE UNIQUE INDEX crm_connectors_name ON crm_connectors (workspace_id, name);

-- No call renders these: no version trigger.
CREATE TABLE crm_writes (
    id           BIGINT PRIMARY KEY,
    workspace_id BIGINT NOT NULL,
    call_id      BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    action       TEXT COLLATE "C" NOT NULL,
    object_id    TEXT COLLATE "C",
    state        TEXT COLLATE "C" NOT NULL,
    attempts     BIGINT NOT NULL,
    value        TEXT COLLATE "C",
    previous     TEXT COLLATE "C",
    outcome      TEXT COLLATE "C",
    created_us   BIGINT NOT NULL,
    updated_us   BIGINT NOT NULL
);
CREATE INDEX crm_writes_call ON crm_writes (call_id, id);
