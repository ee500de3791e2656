-- Scorecards (issue 14), as SQLite's migration 0017: a workspace's review
-- questionnaires, and the scorecards reviewers filled for calls.
CREATE TABLE scorecards (
    id              BIGINT PRIMARY KEY,
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    name            TEXT COLLATE "C" NOT NULL,
    enabled         BOOLEAN NOT NULL,
    review_method   TEXT COLLATE "C" NOT NULL,
    created_us      BIGINT NOT NULL,
    creator_user_id BIGINT,
    updated_us      BIGINT NOT NULL,
    updater_user_id BIGINT
);
CREATE UNIQUE INDEX scorecards_name ON scorecards (workspace_id, name);

CREATE TABLE scorecard_questions (
    scorecard_id    BIGINT NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    position        BIGINT NOT NULL,
    id              BIGINT NOT NULL,
    revision_id     BIGINT NOT NULL,
    text            TEXT COLLATE "C" NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,
    mandatory       BOOLEAN NOT NULL,
    is_overall      BOOLEAN NOT NULL,
    answer_guide    TEXT COLLATE "C",
    min_range       BIGINT,
    max_range       BIGINT,
    options         TEXT COLLATE "C" NOT NULL,
    created_us      BIGINT NOT NULL,
    updated_us      BIGINT NOT NULL,
    updater_user_id BIGINT,
    PRIMARY KEY (scorecard_id, position)
);
CREATE UNIQUE INDEX scorecard_questions_id ON scorecard_questions (id);

CREATE TABLE answered_scorecards (
    id               BIGINT PRIMARY KEY,
    scorecard_id     BIGINT NOT NULL REFERENCES scorecards (id),
    call_id          BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    reviewed_user_id BIGINT NOT NULL REFERENCES users (id),
    reviewer_user_id BIGINT NOT NULL REFERENCES users (id),
    reviewed_us      BIGINT NOT NULL,
    visibility       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX answered_scorecards_reviewed ON answered_scorecards (reviewed_us, id);
CREATE INDEX answered_scorecards_scorecard ON answered_scorecards (scorecard_id);
CREATE INDEX answered_scorecards_call ON answered_scorecards (call_id);

CREATE TABLE scorecard_answers (
    answered_id    BIGINT NOT NULL REFERENCES answered_scorecards (id) ON DELETE CASCADE,
    position       BIGINT NOT NULL,
    question_id    BIGINT NOT NULL,
    revision_id    BIGINT NOT NULL,
    not_applicable BOOLEAN NOT NULL,
    score          BIGINT,
    answer_text    TEXT COLLATE "C",
    options        TEXT COLLATE "C",
    PRIMARY KEY (answered_id, position)
);
