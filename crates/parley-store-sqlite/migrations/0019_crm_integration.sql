-- The generic CRM integration: one integration per workspace, the fields it declares per
-- object type, the objects it uploads, its asynchronous requests (uploads and its own
-- deletion, known by the client's request id), and manual associations of calls with
-- CRM objects.

CREATE TABLE crm_integrations (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL UNIQUE REFERENCES workspaces (id),
    owner_email  TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    created_us   INTEGER NOT NULL
);

CREATE TABLE crm_schema_fields (
    integration_id   INTEGER NOT NULL REFERENCES crm_integrations (id) ON DELETE CASCADE,
    object_type      TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    ord              INTEGER NOT NULL,
    label            TEXT    NOT NULL,
    field_type       TEXT    NOT NULL,
    last_modified_us INTEGER,
    is_deleted       INTEGER NOT NULL,
    reference_to     TEXT,
    -- JSON array of the picklist's values.
    ordered_values   TEXT,
    PRIMARY KEY (integration_id, object_type, name)
) WITHOUT ROWID;

CREATE TABLE crm_entities (
    integration_id INTEGER NOT NULL REFERENCES crm_integrations (id) ON DELETE CASCADE,
    object_type    TEXT    NOT NULL,
    object_id      TEXT    NOT NULL,
    modified_us    INTEGER NOT NULL,
    is_deleted     INTEGER NOT NULL,
    -- JSON object: the line's fields besides objectId, modifiedDate and isDeleted.
    fields         TEXT    NOT NULL,
    updated_us     INTEGER NOT NULL,
    PRIMARY KEY (integration_id, object_type, object_id)
) WITHOUT ROWID;

-- No reference to the integration: a deletion's request outlives it.
CREATE TABLE crm_requests (
    integration_id    INTEGER NOT NULL,
    client_request_id TEXT    NOT NULL,
    workspace_id      INTEGER NOT NULL,
    object_type       TEXT,
    status            TEXT    NOT NULL,
    -- JSON array of [line, description], at most 20.
    errors            TEXT    NOT NULL,
    error_count       INTEGER NOT NULL,
    success_count     INTEGER NOT NULL,
    -- The uploaded file until the worker has read it.
    body              TEXT,
    created_us        INTEGER NOT NULL,
    updated_us        INTEGER NOT NULL,
    PRIMARY KEY (integration_id, client_request_id)
) WITHOUT ROWID;

CREATE TABLE crm_manual_associations (
    id           INTEGER PRIMARY KEY,
    call_id      INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL,
    user_id      INTEGER,
    created_us   INTEGER NOT NULL,
    account_id   TEXT,
    deal_id      TEXT
);
CREATE INDEX crm_manual_associations_created ON crm_manual_associations (created_us, id);
CREATE INDEX crm_manual_associations_call ON crm_manual_associations (call_id, created_us);
