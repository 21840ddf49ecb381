-- Monitoring history (mydba serve): the derived series of each monitored
-- connection (rates, ratios, gauges; names in docs/monitoring.md), kept in
-- three tiers so a 90-day chart reads as few rows as a 5-minute one:
--   tier 0: every sample (1 s by default), kept 1 hour;
--   tier 1: one-minute rollups (average, minimum, maximum), kept 7 days;
--   tier 2: one-hour rollups of those, kept 90 days.
-- Retentions are configurable ([monitor] in config.toml). Rollups are
-- computed from the tier below once a bucket is complete, so they survive
-- restarts of mydba; pruning bounds the rows per connection.

-- Series names, numbered once, so each sample stores small ids.
CREATE TABLE monitor_series (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- One row per connection, tier and time. data holds the values: see the
-- encoding in internal/store/samples.go.
CREATE TABLE monitor_samples (
    profile TEXT NOT NULL,
    tier    INTEGER NOT NULL CHECK (tier IN (0, 1, 2)),
    ts      INTEGER NOT NULL,  -- Unix milliseconds: the sample, or its bucket's start
    n       INTEGER NOT NULL,  -- samples in the bucket (1 in tier 0)
    data    BLOB NOT NULL,
    PRIMARY KEY (profile, tier, ts)
) WITHOUT ROWID;

-- What happened on a monitored server, drawn as annotations: a restart,
-- a variable changed, a gap in monitoring, a clock jump.
CREATE TABLE monitor_events (
    id      INTEGER PRIMARY KEY,
    profile TEXT NOT NULL,
    ts      INTEGER NOT NULL,  -- Unix milliseconds
    kind    TEXT NOT NULL,
    title   TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX monitor_events_profile_ts ON monitor_events (profile, ts);
