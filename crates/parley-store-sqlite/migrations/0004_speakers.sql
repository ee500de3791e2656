-- Speech recognition results beyond Gong's transcript shape: word timings, the voices
-- found in each recording, and company users' voice profiles.

-- JSON array of [start_ms, end_ms, "word"] per sentence; NULL for imported transcripts.
ALTER TABLE transcript_sentences ADD COLUMN words TEXT;

-- Each voice of a call's recording and the party it was tied to (and why).
CREATE TABLE call_speakers (
    call_id    INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    speaker_id INTEGER NOT NULL,
    channel    INTEGER,
    speech_ms  INTEGER NOT NULL,
    -- 256 little-endian f32: the voice embedding, when the voice was long enough.
    voice      BLOB,
    party_id   INTEGER,
    source     TEXT    NOT NULL,
    PRIMARY KEY (call_id, speaker_id)
) WITHOUT ROWID;

-- A company user's voice: the running mean of embeddings from calls where the user's
-- identity was certain (own channel, a correction) or from an enrollment sample.
CREATE TABLE voice_profiles (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    voice      BLOB    NOT NULL,
    samples    INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
);
