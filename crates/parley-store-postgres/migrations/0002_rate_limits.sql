-- Rate-limit buckets shared by every node on the database (issue 13), as SQLite's
-- migration 0016: one row per bucket, its theoretical arrival time (GCRA) in
-- microseconds; a bucket whose time has passed is full, the same as no row, so rows past
-- it are pruned. `admitted` is the outcome of the last take, returned by the same
-- statement that made it. `bucket` is a key id or a keyed digest: never a secret or an
-- address.
--
-- UNLOGGED: every API request writes a row here, and a logged write would wait for its
-- WAL flush. What a crash (or a failover to a standby, which has no copy) loses is only
-- how full the buckets were: every bucket starts full again, once.
-- fillfactor 50 leaves room on each page, so that a take's update stays on its page
-- (HOT: no index change, as only the primary key is indexed and it never changes).
CREATE UNLOGGED TABLE rate_limits (
    bucket   TEXT COLLATE "C" PRIMARY KEY,
    tat_us   BIGINT NOT NULL,
    admitted BOOLEAN NOT NULL
) WITH (fillfactor = 50);
