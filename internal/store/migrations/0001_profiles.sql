-- Connection profiles. Secrets are never stored here: password_ref and
-- ssh_passphrase_ref point into the secret store (OS keyring or encrypted file).
CREATE TABLE profiles (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE COLLATE NOCASE,
    env                TEXT NOT NULL CHECK (env IN ('dev', 'staging', 'prod')),
    label              TEXT NOT NULL DEFAULT '',
    color              TEXT NOT NULL DEFAULT '',
    target             TEXT NOT NULL CHECK (json_valid(target)),
    password_ref       TEXT NOT NULL DEFAULT '',
    password_command   TEXT NOT NULL DEFAULT '',
    ssh_passphrase_ref TEXT NOT NULL DEFAULT '',
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

-- Small key/value facts about this state directory (for example which
-- secret backend notice was already shown).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
