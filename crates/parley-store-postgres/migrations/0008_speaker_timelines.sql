-- Who spoke when, as the system that recorded a call sent it on creation
-- (`speakersTimeline`); the transcription worker uses it to name the transcript's speakers.
CREATE TABLE call_speaker_timelines (
    call_id  BIGINT PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    precise  BOOLEAN NOT NULL,
    -- JSON array of [from_ms, to_ms, [party_id, ...]] in the order sent.
    segments TEXT    NOT NULL
);
