-- AI chat: conversations of the web chat panel, one per connection and
-- topic. content is what the user reads (values restored); sent is what
-- left the machine for that turn (anonymised: literals as @v1..., hosts
-- redacted), replayed as the conversation's history so a later turn sends
-- nothing new about earlier ones. literals is the conversation's
-- placeholder mapping; like the query history, it stays in this file.
CREATE TABLE chat_conversations (
    id         INTEGER PRIMARY KEY,
    profile    TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    literals   TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX chat_conversations_profile ON chat_conversations (profile, updated_at);

CREATE TABLE chat_messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES chat_conversations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    command         TEXT NOT NULL DEFAULT '',
    content         TEXT NOT NULL,
    sent            TEXT NOT NULL DEFAULT '',
    answer          TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
);
CREATE INDEX chat_messages_conversation ON chat_messages (conversation_id, id);
