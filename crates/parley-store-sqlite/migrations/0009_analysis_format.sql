-- The stored analysis gets a format number (parley_store::rows::ANALYSIS_FORMAT): the JSON
-- columns of these tables are the store's own versioned row types, not the analysis
-- engine's structs. Every row written before this migration is format 1, the same JSON.
ALTER TABLE call_analysis ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE call_person_stats ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
