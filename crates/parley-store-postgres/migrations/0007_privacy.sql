-- Data-privacy erasures (SQLite 0021): one row per erase request (or dry run) and its
-- report. `subject` holds the address or number only while the erasure is queued.
CREATE TABLE privacy_erasures (
    id           BIGINT  PRIMARY KEY,
    kind         TEXT COLLATE "C" NOT NULL,
    subject      TEXT COLLATE "C",
    masked       TEXT COLLATE "C" NOT NULL,
    dry_run      BOOLEAN NOT NULL,
    state        TEXT COLLATE "C" NOT NULL,
    requested_by TEXT COLLATE "C" NOT NULL,
    requested_us BIGINT  NOT NULL,
    finished_us  BIGINT,
    job_id       BIGINT,
    report       TEXT COLLATE "C",
    error        TEXT COLLATE "C"
);
CREATE INDEX privacy_erasures_requested ON privacy_erasures (requested_us, id);
