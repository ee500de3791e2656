-- Automation rules and the webhook outbox (parley_store::automation). A rule's filter and
-- actions are the domain types' JSON. A delivery is one rule action for one call; apart
-- from tests ("send a test"), a rule fires once per call and action, which the partial
-- unique index holds even when two analyses of a call race.
CREATE TABLE automation_rules (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    name            TEXT    NOT NULL,
    enabled         INTEGER NOT NULL,
    filter          TEXT    NOT NULL,
    actions         TEXT    NOT NULL,
    disabled_reason TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    created_us      INTEGER NOT NULL,
    updated_us      INTEGER NOT NULL
);
CREATE INDEX automation_rules_workspace ON automation_rules (workspace_id, created_us, id);

CREATE TABLE webhook_deliveries (
    id         INTEGER PRIMARY KEY,
    rule_id    INTEGER NOT NULL REFERENCES automation_rules (id) ON DELETE CASCADE,
    call_id    INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    action     INTEGER NOT NULL,
    is_test    INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    status     INTEGER,
    latency_ms INTEGER,
    response   TEXT,
    error      TEXT,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (rule_id, call_id, action)
    WHERE is_test = 0;
-- The delivery log of a rule, newest first.
CREATE INDEX webhook_deliveries_rule ON webhook_deliveries (rule_id, created_us DESC, id DESC);
CREATE INDEX webhook_deliveries_call ON webhook_deliveries (call_id);
