-- Runs of a job that ended with the speech engine's process dying (a signal, an abort, a
-- deadline). Counted apart from attempts so that a recording that crashes the engine ends
-- `failed` after a few crashes instead of crash-looping, whatever else its attempts met.
ALTER TABLE jobs ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
