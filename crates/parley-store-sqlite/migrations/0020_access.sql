-- Calls granted to single users (Gong's per-user call access, PUT /v2/calls/users-access):
-- a grant shows the call to the user whatever their permission profile says.
CREATE TABLE call_user_access (
    call_id    INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted_us INTEGER NOT NULL,
    PRIMARY KEY (call_id, user_id)
) WITHOUT ROWID;
CREATE INDEX call_user_access_user ON call_user_access (user_id, call_id);
-- A grant changes which calls a listing shows, so cached counts must go: the calls
-- generation moves with every grant and revocation, as with calls themselves.
CREATE TRIGGER call_user_access_inserted AFTER INSERT ON call_user_access BEGIN
    UPDATE generations SET value = value + 1 WHERE name = 'calls';
END;
CREATE TRIGGER call_user_access_deleted AFTER DELETE ON call_user_access BEGIN
    UPDATE generations SET value = value + 1 WHERE name = 'calls';
END;

-- Origins allowed to embed each integration (POST /v2/integration-settings).
CREATE TABLE integration_settings (
    integration_type TEXT    PRIMARY KEY,
    allowed_origin   TEXT    NOT NULL,
    updated_us       INTEGER NOT NULL
) WITHOUT ROWID;

-- Engage flows and the prospects (CRM ids) put through them.
CREATE TABLE flows (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         TEXT    NOT NULL,
    owner_id     INTEGER NOT NULL REFERENCES users (id),
    visibility   TEXT    NOT NULL,
    folder       TEXT,
    exclusive    INTEGER NOT NULL,
    created_us   INTEGER NOT NULL
);
CREATE UNIQUE INDEX flows_name ON flows (workspace_id, name);

CREATE TABLE flow_instances (
    id              INTEGER PRIMARY KEY,
    flow_id         INTEGER NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    crm_prospect_id TEXT    NOT NULL,
    owner_id        INTEGER NOT NULL REFERENCES users (id),
    status          TEXT    NOT NULL,
    created_us      INTEGER NOT NULL
);
CREATE UNIQUE INDEX flow_instances_prospect ON flow_instances (crm_prospect_id, flow_id);
