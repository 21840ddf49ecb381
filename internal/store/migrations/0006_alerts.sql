-- Alerts: one row per time an alert fired, closed when it resolved, so the
-- history and the list of active alerts are one table. The monitor's alert
-- engine produces the firing and resolved events; the rule's condition is
-- copied into the row, so history stays readable after a rule changes.
CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY,
    profile          TEXT NOT NULL,
    rule             TEXT NOT NULL,
    instance         TEXT NOT NULL DEFAULT '', -- collector name for collector_failed
    series           TEXT NOT NULL,
    severity         TEXT NOT NULL,
    op               TEXT NOT NULL,
    threshold        REAL NOT NULL,
    since            TEXT NOT NULL,            -- RFC 3339, UTC: condition first seen
    fired_at         TEXT NOT NULL,
    fired_value      REAL NOT NULL,
    message          TEXT NOT NULL,
    detail           TEXT NOT NULL DEFAULT '',
    resolved_at      TEXT,                     -- NULL while the alert is active
    resolved_value   REAL,
    resolved_message TEXT NOT NULL DEFAULT ''
);
-- At most one active alert per profile, rule and instance: a firing event
-- for an alert already open (mydba restarted while it fired) keeps the row.
CREATE UNIQUE INDEX alerts_active ON alerts (profile, rule, instance) WHERE resolved_at IS NULL;
CREATE INDEX alerts_fired ON alerts (fired_at);
CREATE INDEX alerts_profile ON alerts (profile, fired_at);
