-- Calls granted to single users, integration settings, and Engage flows: SQLite's
-- migration 0020, column for column.
CREATE TABLE call_user_access (
    call_id    BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted_us BIGINT NOT NULL,
    PRIMARY KEY (call_id, user_id)
);
CREATE INDEX call_user_access_user ON call_user_access (user_id, call_id);
-- A grant changes which calls a listing shows: the calls generation moves with it.
CREATE TRIGGER call_user_access_inserted AFTER INSERT ON call_user_access
    FOR EACH ROW EXECUTE FUNCTION bump_calls_generation();
CREATE TRIGGER call_user_access_deleted AFTER DELETE ON call_user_access
    FOR EACH ROW EXECUTE FUNCTION bump_calls_generation();

CREATE TABLE integration_settings (
    integration_type TEXT COLLATE "C" PRIMARY KEY,
    allowed_origin   TEXT COLLATE "C" NOT NULL,
    updated_us       BIGINT NOT NULL
);

CREATE TABLE flows (
    id           BIGINT PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    name         TEXT COLLATE "C" NOT NULL,
    owner_id     BIGINT NOT NULL REFERENCES users (id),
    visibility   TEXT COLLATE "C" NOT NULL,
    folder       TEXT COLLATE "C",
    exclusive    BOOLEAN NOT NULL,
    created_us   BIGINT NOT NULL
);
CREATE UNIQUE INDEX flows_name ON flows (workspace_id, name);

CREATE TABLE flow_instances (
    id              BIGINT PRIMARY KEY,
    flow_id         BIGINT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    crm_prospect_id TEXT COLLATE "C" NOT NULL,
    owner_id        BIGINT NOT NULL REFERENCES users (id),
    status          TEXT COLLATE "C" NOT NULL,
    created_us      BIGINT NOT NULL
);
CREATE UNIQUE INDEX flow_instances_prospect ON flow_instances (crm_prospect_id, flow_id);
