-- The recording of each call: where it is stored and what probing found.
CREATE TABLE call_media (
    call_id      INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    file_name    TEXT,
    content_type TEXT,
    container    TEXT    NOT NULL,
    codec        TEXT    NOT NULL,
    channels     INTEGER,
    sample_rate  INTEGER,
    duration_ms  INTEGER,
    has_video    INTEGER NOT NULL,
    uploaded_us  INTEGER NOT NULL
);
