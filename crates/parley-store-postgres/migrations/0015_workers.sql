-- Worker processes as they last reported themselves (every few seconds while they run),
-- for the job queue's health view (`GET /parley/v1/workers`). A worker unseen for a day
-- is forgotten the next time any worker reports.
CREATE TABLE workers (
    name                TEXT COLLATE "C" PRIMARY KEY,
    version             TEXT COLLATE "C" NOT NULL,
    kinds               TEXT COLLATE "C" NOT NULL,  -- job kind keys, comma-separated
    speech_model        TEXT COLLATE "C",
    transcription_slots BIGINT  NOT NULL,
    started_us          BIGINT  NOT NULL,
    last_seen_us        BIGINT  NOT NULL,
    stopped             BOOLEAN NOT NULL,
    running             BIGINT  NOT NULL,
    done                BIGINT  NOT NULL,
    failed              BIGINT  NOT NULL
);
CREATE INDEX workers_seen ON workers (last_seen_us);
