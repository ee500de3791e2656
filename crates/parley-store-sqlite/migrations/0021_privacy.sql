-- Data-privacy erasures: one row per erase request (or dry run) and its report.
-- `subject` holds the address or number only while the erasure is queued (its job needs
-- it); the job clears it and keeps `masked` (c***@example.com).
CREATE TABLE privacy_erasures (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,              -- 'email' | 'phone'
    subject      TEXT,
    masked       TEXT    NOT NULL,
    dry_run      INTEGER NOT NULL,
    state        TEXT    NOT NULL,              -- 'queued' | 'done' | 'failed'
    requested_by TEXT    NOT NULL,              -- 'key:<access key>' | 'user:<id>' | 'cli:<os user>'
    requested_us INTEGER NOT NULL,
    finished_us  INTEGER,
    job_id       INTEGER,
    report       TEXT,                          -- JSON (parley_domain::privacy::ErasureReport)
    error        TEXT
);
CREATE INDEX privacy_erasures_requested ON privacy_erasures (requested_us, id);
