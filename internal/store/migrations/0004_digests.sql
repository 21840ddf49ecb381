-- Snapshots of performance_schema.events_statements_summary_by_digest, on
-- demand (mydba top --snapshot) and on a schedule, so per-digest trends
-- survive TRUNCATE of the summary table and server restarts.
--
-- A snapshot stores every row of the server's table (full = 1) or only the
-- rows that changed since the profile's previous snapshot (full = 0); the
-- table as it was at snapshot N is the newest row of each digest among
-- snapshots from the last full one up to N. A snapshot is full when it is
-- the profile's first, when the server's table was reset since the
-- previous one (rows vanished or restarted counting), or periodically, to
-- bound that reconstruction.
CREATE TABLE digest_snapshots (
    id         INTEGER PRIMARY KEY,
    profile    TEXT NOT NULL,
    at         TEXT NOT NULL,            -- RFC 3339, UTC, mydba's clock
    uptime_s   INTEGER NOT NULL,         -- the server's Uptime at the reading
    server     TEXT NOT NULL DEFAULT '', -- flavour and version
    full       INTEGER NOT NULL CHECK (full IN (0, 1)),
    digests    INTEGER NOT NULL,         -- rows in the server's table
    stored     INTEGER NOT NULL,         -- rows stored by this snapshot
    lost_count INTEGER NOT NULL DEFAULT 0, -- statements counted without a digest (table full)
    lost_ns    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX digest_snapshots_profile ON digest_snapshots (profile, id);

-- Cumulative counters of one digest row at one snapshot. Times are in
-- nanoseconds; first_seen/last_seen in Unix microseconds.
CREATE TABLE digest_counters (
    snapshot_id       INTEGER NOT NULL REFERENCES digest_snapshots (id) ON DELETE CASCADE,
    schema_name       TEXT NOT NULL,
    digest            TEXT NOT NULL,
    count             INTEGER NOT NULL,
    total_ns          INTEGER NOT NULL,
    min_ns            INTEGER NOT NULL,
    max_ns            INTEGER NOT NULL,
    lock_ns           INTEGER NOT NULL,
    cpu_ns            INTEGER,
    errors            INTEGER NOT NULL,
    warnings          INTEGER NOT NULL,
    rows_affected     INTEGER NOT NULL,
    rows_sent         INTEGER NOT NULL,
    rows_examined     INTEGER NOT NULL,
    tmp_tables        INTEGER NOT NULL,
    tmp_disk_tables   INTEGER NOT NULL,
    full_joins        INTEGER NOT NULL,
    full_range_joins  INTEGER NOT NULL,
    full_scans        INTEGER NOT NULL,
    sort_merge_passes INTEGER NOT NULL,
    sort_rows         INTEGER NOT NULL,
    no_index          INTEGER NOT NULL,
    no_good_index     INTEGER NOT NULL,
    first_seen_us     INTEGER NOT NULL,
    last_seen_us      INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, schema_name, digest)
) WITHOUT ROWID;

-- The normalized text of each digest seen on a profile, and the latest
-- example statement and own-statement mark found for it. Texts do not
-- change; examples are replaced by newer ones.
CREATE TABLE digest_texts (
    profile        TEXT NOT NULL,
    schema_name    TEXT NOT NULL,
    digest         TEXT NOT NULL,
    digest_text    TEXT NOT NULL,
    example        TEXT,
    example_source TEXT NOT NULL DEFAULT '',
    example_trunc  INTEGER NOT NULL DEFAULT 0,
    own            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (profile, schema_name, digest)
) WITHOUT ROWID;
