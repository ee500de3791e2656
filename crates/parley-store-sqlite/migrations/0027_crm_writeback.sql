-- CRM write-back (parley_domain::crm_write). A connector is a workspace's way into a CRM:
-- `settings` is what may be shown (JSON: URLs, client id, user name), `secret` the secrets
-- sealed by the application core (AES-256-GCM, base64), never stored in the clear.
CREATE TABLE crm_connectors (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    settings     TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    created_us   INTEGER NOT NULL,
    updated_us   INTEGER NOT NULL
);
CREATE UNIQUE INDEX crm_connectors_name ON crm_connectors (workspace_id, name);

-- One run of a CRM field action for one call: the action as JSON, the object the call's
-- context named, and how the attempts went. No call renders these: no version trigger.
CREATE TABLE crm_writes (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    call_id      INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    action       TEXT    NOT NULL,
    object_id    TEXT,
    state        TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    value        TEXT,
    previous     TEXT,
    outcome      TEXT,
    created_us   INTEGER NOT NULL,
    updated_us   INTEGER NOT NULL
);
CREATE INDEX crm_writes_call ON crm_writes (call_id, id);
