-- The durable job queue shared by every worker (in-process or `parley worker`).
-- A job is claimed by taking a lease; a worker that dies lets its lease expire and the
-- job is claimed again. Writes of a job's result are fenced by (id, attempts).

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    call_id       INTEGER REFERENCES calls (id) ON DELETE CASCADE,
    payload       TEXT    NOT NULL DEFAULT '{}',
    state         TEXT    NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    run_after_us  INTEGER NOT NULL,
    lease_owner   TEXT,
    lease_until_us INTEGER,
    progress      REAL,
    error         TEXT,
    created_us    INTEGER NOT NULL,
    updated_us    INTEGER NOT NULL,
    finished_us   INTEGER
);
CREATE INDEX jobs_ready ON jobs (state, run_after_us);
CREATE INDEX jobs_call ON jobs (call_id, created_us);
