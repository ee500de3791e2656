-- Scorecards (issue 14): a workspace's review questionnaires, and the scorecards
-- reviewers filled for calls. Keys (`review_method`, `kind`, `visibility`) are the
-- domain's (`parley_domain::scorecard`).
CREATE TABLE scorecards (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    name            TEXT    NOT NULL,
    enabled         INTEGER NOT NULL,
    review_method   TEXT    NOT NULL,
    created_us      INTEGER NOT NULL,
    creator_user_id INTEGER,
    updated_us      INTEGER NOT NULL,
    updater_user_id INTEGER
);
CREATE UNIQUE INDEX scorecards_name ON scorecards (workspace_id, name);

-- A scorecard's questions in order. `options` is a JSON array of {id, text};
-- `min_range`/`max_range` are set for range questions only.
CREATE TABLE scorecard_questions (
    scorecard_id    INTEGER NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    id              INTEGER NOT NULL,
    revision_id     INTEGER NOT NULL,
    text            TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    mandatory       INTEGER NOT NULL,
    is_overall      INTEGER NOT NULL,
    answer_guide    TEXT,
    min_range       INTEGER,
    max_range       INTEGER,
    options         TEXT    NOT NULL,
    created_us      INTEGER NOT NULL,
    updated_us      INTEGER NOT NULL,
    updater_user_id INTEGER,
    PRIMARY KEY (scorecard_id, position)
) WITHOUT ROWID;
CREATE UNIQUE INDEX scorecard_questions_id ON scorecard_questions (id);

-- A filled scorecard. Its activity event in `activity_events` has the same id.
-- No cascade from `scorecards`: a scorecard with answers is disabled, not deleted.
CREATE TABLE answered_scorecards (
    id               INTEGER PRIMARY KEY,
    scorecard_id     INTEGER NOT NULL REFERENCES scorecards (id),
    call_id          INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    reviewed_user_id INTEGER NOT NULL REFERENCES users (id),
    reviewer_user_id INTEGER NOT NULL REFERENCES users (id),
    reviewed_us      INTEGER NOT NULL,
    visibility       TEXT    NOT NULL
);
CREATE INDEX answered_scorecards_reviewed ON answered_scorecards (reviewed_us, id);
CREATE INDEX answered_scorecards_scorecard ON answered_scorecards (scorecard_id);
CREATE INDEX answered_scorecards_call ON answered_scorecards (call_id);

-- One answer per question. `options`: the chosen option ids, separated by spaces.
CREATE TABLE scorecard_answers (
    answered_id    INTEGER NOT NULL REFERENCES answered_scorecards (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    question_id    INTEGER NOT NULL,
    revision_id    INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    score          INTEGER,
    answer_text    TEXT,
    options        TEXT,
    PRIMARY KEY (answered_id, position)
) WITHOUT ROWID;
