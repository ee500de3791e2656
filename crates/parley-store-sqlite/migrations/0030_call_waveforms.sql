-- A recording's peaks for the call page's waveform (`GET /parley/v1/calls/{id}/waveform`):
-- one byte per `bucket_ms`, made from the recording whose SHA-256 is `media_sha256`, and
-- shown only while that recording is the call's (a replacement deletes the row).
CREATE TABLE call_waveforms (
    call_id      INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    media_sha256 TEXT    NOT NULL,
    bucket_ms    INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    peaks        BLOB    NOT NULL
);
