-- Rate-limit buckets shared by every process on the database (issue 13): one row per
-- bucket, its theoretical arrival time (GCRA) in microseconds. A bucket whose time has
-- passed is full, the same as no row, so rows past it are pruned. `admitted` is the
-- outcome of the last take, returned by the same statement that made it.
-- `bucket` is a key id or a keyed digest: never a secret or an address.
CREATE TABLE rate_limits (
    bucket   TEXT PRIMARY KEY,
    tat_us   INTEGER NOT NULL,
    admitted INTEGER NOT NULL
) WITHOUT ROWID;
