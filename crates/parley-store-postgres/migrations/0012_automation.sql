-- SQLite 0026, in PostgreSQL: the same columns and stored values (see 0001's header).
-- Automation rules and the webhook outbox; apart from tests, a rule fires once per call
-- and action (the partial unique index, which also settles two analyses racing).
CREATE TABLE automation_rules (
    id              BIGINT PRIMARY KEY,
    workspace_id    BIGINT  NOT NULL REFERENCES workspaces (id),
    name            TEXT COLLATE "C" NOT NULL,
    enabled         BOOLEAN NOT NULL,
    filter          TEXT COLLATE "C" NOT NULL,
    actions         TEXT COLLATE "C" NOT NULL,
    disabled_reason TEXT COLLATE "C",
    failures        BIGINT  NOT NULL DEFAULT 0,
    created_us      BIGINT  NOT NULL,
    updated_us      BIGINT  NOT NULL
);
CREATE INDEX automation_rules_workspace ON automation_rules (workspace_id, created_us, id);

CREATE TABLE webhook_deliveries (
    id         BIGINT PRIMARY KEY,
    rule_id    BIGINT  NOT NULL REFERENCES automation_rules (id) ON DELETE CASCADE,
    call_id    BIGINT  NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    action     BIGINT  NOT NULL,
    is_test    BOOLEAN NOT NULL,
    state      TEXT COLLATE "C" NOT NULL,
    attempts   BIGINT  NOT NULL DEFAULT 0,
    status     BIGINT,
    latency_ms BIGINT,
    response   TEXT COLLATE "C",
    error      TEXT COLLATE "C",
    created_us BIGINT  NOT NULL,
    updated_us BIGINT  NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (rule_id, call_id, action)
    WHERE NOT is_test;
CREATE INDEX webhook_deliveries_rule ON webhook_deliveries (rule_id, created_us DESC, id DESC);
CREATE INDEX webhook_deliveries_call ON webhook_deliveries (call_id);
