-- Conversation analysis: workspace settings (trackers, topics), per-call results, the
-- per-person interaction stats the stats API aggregates, and the activity event log.

-- A keyword tracker; `definition` is the JSON of parley_analysis::trackers::TrackerDef.
CREATE TABLE trackers (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    definition      TEXT    NOT NULL,
    created_us      INTEGER NOT NULL,
    creator_user_id INTEGER,
    updated_us      INTEGER NOT NULL,
    updater_user_id INTEGER
);
CREATE UNIQUE INDEX trackers_name ON trackers (workspace_id, name COLLATE NOCASE);

-- A workspace's topic set (JSON list of parley_analysis::topics::TopicDef); none = defaults.
CREATE TABLE workspace_topics (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    topics       TEXT    NOT NULL,
    updated_us   INTEGER NOT NULL
);

-- The analysis of a call's transcript, as JSON of parley_analysis types, one column per
-- part so that a tracker back-fill rewrites only `trackers`. `transcript_us` is the
-- `created_us` of the transcript analysed: a result for an older transcript is refused.
CREATE TABLE call_analysis (
    call_id       INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    transcript_us INTEGER NOT NULL,
    interaction   TEXT    NOT NULL,
    topics        TEXT    NOT NULL,
    trackers      TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    engine        TEXT    NOT NULL,
    analysed_us   INTEGER NOT NULL
);

-- Each company speaker's interaction stats in a call, keyed for the stats API's
-- "this user, calls started in this range" reads.
CREATE TABLE call_person_stats (
    call_id    INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    started_us INTEGER NOT NULL,
    stats      TEXT    NOT NULL,
    PRIMARY KEY (call_id, user_id)
) WITHOUT ROWID;
CREATE INDEX call_person_stats_user ON call_person_stats (user_id, started_us);

-- What users did with calls. `subject_user_id` is the receiving end (NULL: the host).
CREATE TABLE activity_events (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,
    actor_user_id   INTEGER NOT NULL REFERENCES users (id),
    subject_user_id INTEGER REFERENCES users (id),
    call_id         INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    at_us           INTEGER NOT NULL
);
CREATE INDEX activity_events_at ON activity_events (at_us);
