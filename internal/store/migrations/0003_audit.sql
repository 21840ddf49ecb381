-- The audit log of the safety gate: every change mydba was asked to make,
-- approved, refused, dry-run or failed. The product only ever inserts into
-- it; the triggers refuse updates, and deletes happen only through
-- retention (which marks itself by setting audit_prune).
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    profile     TEXT NOT NULL,
    env         TEXT NOT NULL,
    statement   TEXT NOT NULL,
    class       TEXT NOT NULL DEFAULT '',
    risk        TEXT NOT NULL DEFAULT '',
    plan        TEXT NOT NULL DEFAULT '',
    verdict     TEXT NOT NULL DEFAULT '',
    confirmed   INTEGER NOT NULL DEFAULT 0,
    typed_name  INTEGER NOT NULL DEFAULT 0,
    reason      TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    rows        INTEGER NOT NULL DEFAULT 0,
    duration_us INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_profile ON audit (profile, at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Undo history of variable changes made through the gate: the value before
-- each change, so `mydba set --undo` can put it back.
CREATE TABLE variable_changes (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    profile   TEXT NOT NULL,
    name      TEXT NOT NULL,
    scope     TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    undone    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX variable_changes_profile ON variable_changes (profile, id);
