-- Worker processes as they last reported themselves (every few seconds while they run),
-- for the job queue's health view (`GET /parley/v1/workers`). A worker unseen for a day
-- is forgotten the next time any worker reports.
CREATE TABLE workers (
    name                TEXT    PRIMARY KEY,
    version             TEXT    NOT NULL,
    kinds               TEXT    NOT NULL,  -- job kind keys, comma-separated
    speech_model        TEXT,
    transcription_slots INTEGER NOT NULL,
    started_us          INTEGER NOT NULL,
    last_seen_us        INTEGER NOT NULL,
    stopped             INTEGER NOT NULL,
    running             INTEGER NOT NULL,
    done                INTEGER NOT NULL,
    failed              INTEGER NOT NULL
);
CREATE INDEX workers_seen ON workers (last_seen_us);
