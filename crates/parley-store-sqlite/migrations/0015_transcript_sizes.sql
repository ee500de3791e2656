-- Each transcript's size, written with it: a page of transcripts is planned by size before
-- any sentence is read, so a request's working set stays within request_memory_bytes
-- (issue 12) without reading every sentence twice. Transcripts stored before this are
-- measured once here.
ALTER TABLE transcripts ADD COLUMN monologues INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transcripts ADD COLUMN sentences INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transcripts ADD COLUMN text_bytes INTEGER NOT NULL DEFAULT 0;

UPDATE transcripts SET
    monologues = (SELECT COUNT(DISTINCT monologue) FROM transcript_sentences s
                  WHERE s.call_id = transcripts.call_id),
    sentences = (SELECT COUNT(*) FROM transcript_sentences s
                 WHERE s.call_id = transcripts.call_id),
    text_bytes = (SELECT IFNULL(SUM(length(CAST(text AS BLOB))), 0) FROM transcript_sentences s
                  WHERE s.call_id = transcripts.call_id);
