-- The generic CRM integration (SQLite's 0019): one integration per workspace, the fields
-- it declares per object type, the objects it uploads, its asynchronous requests, and
-- manual associations of calls with CRM objects. Columns and value formats are SQLite's.

CREATE TABLE crm_integrations (
    id           BIGINT  PRIMARY KEY,
    workspace_id BIGINT  NOT NULL UNIQUE REFERENCES workspaces (id),
    owner_email  TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    created_us   BIGINT  NOT NULL
);

CREATE TABLE crm_schema_fields (
    integration_id   BIGINT  NOT NULL REFERENCES crm_integrations (id) ON DELETE CASCADE,
    object_type      TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    ord              BIGINT  NOT NULL,
    label            TEXT COLLATE "C" NOT NULL,
    field_type       TEXT COLLATE "C" NOT NULL,
    last_modified_us BIGINT,
    is_deleted       BOOLEAN NOT NULL,
    reference_to     TEXT COLLATE "C",
    ordered_values   TEXT COLLATE "C",
    PRIMARY KEY (integration_id, object_type, name)
);

CREATE TABLE crm_entities (
    integration_id BIGINT  NOT NULL REFERENCES crm_integrations (id) ON DELETE CASCADE,
    object_type    TEXT COLLATE "C" NOT NULL,
    object_id      TEXT COLLATE "C" NOT NULL,
    modified_us    BIGINT  NOT NULL,
    is_deleted     BOOLEAN NOT NULL,
    fields         TEXT COLLATE "C" NOT NULL,
    updated_us     BIGINT  NOT NULL,
    PRIMARY KEY (integration_id, object_type, object_id)
);

CREATE TABLE crm_requests (
    integration_id    BIGINT  NOT NULL,
    client_request_id TEXT COLLATE "C" NOT NULL,
    workspace_id      BIGINT  NOT NULL,
    object_type       TEXT COLLATE "C",
    status            TEXT COLLATE "C" NOT NULL,
    errors            TEXT COLLATE "C" NOT NULL,
    error_count       BIGINT  NOT NULL,
    success_count     BIGINT  NOT NULL,
    body              TEXT COLLATE "C",
    created_us        BIGINT  NOT NULL,
    updated_us        BIGINT  NOT NULL,
    PRIMARY KEY (integration_id, client_request_id)
);

CREATE TABLE crm_manual_associations (
    id           BIGINT  PRIMARY KEY,
    call_id      BIGINT  NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    workspace_id BIGINT  NOT NULL,
    user_id      BIGINT,
    created_us   BIGINT  NOT NULL,
    account_id   TEXT COLLATE "C",
    deal_id      TEXT COLLATE "C"
);
CREATE INDEX crm_manual_associations_created ON crm_manual_associations (created_us, id);
CREATE INDEX crm_manual_associations_call ON crm_manual_associations (call_id, created_us);
