-- Query history: every statement mydba runs for a user. Favourites and
-- tagged entries are never pruned by retention.
CREATE TABLE history (
    id          INTEGER PRIMARY KEY,
    profile     TEXT NOT NULL,
    database    TEXT NOT NULL DEFAULT '',
    statement   TEXT NOT NULL,
    fingerprint TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT 'cli',
    started_at  TEXT NOT NULL,
    duration_us INTEGER NOT NULL DEFAULT 0,
    rows        INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    favourite   INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
    tags        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX history_started ON history (started_at);
CREATE INDEX history_profile ON history (profile, started_at);
CREATE INDEX history_fingerprint ON history (fingerprint);

-- Trigram full-text index: SQL is searched by fragments of identifiers
-- ("order_it"), which word tokenizers split badly.
CREATE VIRTUAL TABLE history_fts USING fts5(
    statement, tags,
    content = 'history', content_rowid = 'id',
    tokenize = 'trigram'
);
CREATE TRIGGER history_ai AFTER INSERT ON history BEGIN
    INSERT INTO history_fts(rowid, statement, tags) VALUES (new.id, new.statement, new.tags);
END;
CREATE TRIGGER history_ad AFTER DELETE ON history BEGIN
    INSERT INTO history_fts(history_fts, rowid, statement, tags) VALUES ('delete', old.id, old.statement, old.tags);
END;
CREATE TRIGGER history_au AFTER UPDATE OF statement, tags ON history BEGIN
    INSERT INTO history_fts(history_fts, rowid, statement, tags) VALUES ('delete', old.id, old.statement, old.tags);
    INSERT INTO history_fts(rowid, statement, tags) VALUES (new.id, new.statement, new.tags);
END;
