-- An event id is unique per reporting system *within a workspace*: without workspace_id one
-- workspace's report made another's with the same (kind, source, event id) a conflict, which
-- both lost that event and told the second workspace what the first one had reported.
-- (0022 is taken by another branch.)
DROP INDEX engagement_events_once;
CREATE UNIQUE INDEX engagement_events_once
    ON engagement_events (workspace_id, kind, source, event_id);
