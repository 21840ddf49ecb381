package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// DefaultChatConversations is how many conversations the chat keeps; the
// oldest beyond it are pruned with their messages.
const DefaultChatConversations = 200

// CreateChat starts a conversation on a connection.
func (s *Store) CreateChat(ctx context.Context, profile, title string) (dba.ChatConversation, error) {
	now := s.now().UTC()
	at := now.Format(time.RFC3339Nano)
	res, err := s.db.ExecContext(ctx, "INSERT INTO chat_conversations(profile, title, created_at, updated_at) VALUES (?,?,?,?)", profile, title, at, at)
	if err != nil {
		return dba.ChatConversation{}, s.classify("start a conversation", err)
	}
	id, _ := res.LastInsertId()
	return dba.ChatConversation{ID: id, Profile: profile, Title: title, Created: now, Updated: now}, nil
}

// Chat returns a conversation and its placeholder mapping.
func (s *Store) Chat(ctx context.Context, id int64) (dba.ChatConversation, map[string]string, error) {
	var c dba.ChatConversation
	var lits, created, updated string
	err := s.db.QueryRowContext(ctx, `SELECT c.id, c.profile, c.title, c.literals, c.created_at, c.updated_at,
		(SELECT count(*) FROM chat_messages m WHERE m.conversation_id = c.id) FROM chat_conversations c WHERE c.id = ?`, id).
		Scan(&c.ID, &c.Profile, &c.Title, &lits, &created, &updated, &c.Messages)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil, fmt.Errorf("%w: conversation %d", dba.ErrNotFound, id)
	}
	if err != nil {
		return c, nil, s.classify("read a conversation", err)
	}
	c.Created, _ = time.Parse(time.RFC3339Nano, created)
	c.Updated, _ = time.Parse(time.RFC3339Nano, updated)
	m := map[string]string{}
	if err := json.Unmarshal([]byte(lits), &m); err != nil {
		return c, nil, fmt.Errorf("read a conversation: its literal mapping is damaged: %w", err)
	}
	return c, m, nil
}

// Chats lists a connection's conversations, most recent first.
func (s *Store) Chats(ctx context.Context, profile string, limit int) ([]dba.ChatConversation, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.profile, c.title, c.created_at, c.updated_at,
		(SELECT count(*) FROM chat_messages m WHERE m.conversation_id = c.id)
		FROM chat_conversations c WHERE c.profile = ? ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`, profile, limit)
	if err != nil {
		return nil, s.classify("list conversations", err)
	}
	defer rows.Close()
	out := []dba.ChatConversation{}
	for rows.Next() {
		var c dba.ChatConversation
		var created, updated string
		if err := rows.Scan(&c.ID, &c.Profile, &c.Title, &created, &updated, &c.Messages); err != nil {
			return nil, s.classify("list conversations", err)
		}
		c.Created, _ = time.Parse(time.RFC3339Nano, created)
		c.Updated, _ = time.Parse(time.RFC3339Nano, updated)
		out = append(out, c)
	}
	return out, s.classifyNil("list conversations", rows.Err())
}

// AddChatMessages appends turns to a conversation, saves its placeholder
// mapping and applies retention, in one transaction: a turn is never kept
// without the mapping that restores it.
func (s *Store) AddChatMessages(ctx context.Context, conversation int64, literals map[string]string, msgs ...dba.ChatMessage) error {
	lits, err := json.Marshal(literals)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.classify("save the conversation", err)
	}
	defer tx.Rollback()
	now := s.now().UTC().Format(time.RFC3339Nano)
	res, err := tx.ExecContext(ctx, "UPDATE chat_conversations SET updated_at = ?, literals = ? WHERE id = ?", now, string(lits), conversation)
	if err != nil {
		return s.classify("save the conversation", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: conversation %d", dba.ErrNotFound, conversation)
	}
	for _, m := range msgs {
		if m.Role != dba.ChatUser && m.Role != dba.ChatAssistant {
			return fmt.Errorf("%w: chat role %q", dba.ErrInvalid, m.Role)
		}
		at := now
		if !m.Created.IsZero() {
			at = m.Created.UTC().Format(time.RFC3339Nano)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO chat_messages(conversation_id, role, command, content, sent, answer, created_at) VALUES (?,?,?,?,?,?,?)",
			conversation, m.Role, m.Command, m.Content, m.Sent, m.Answer, at); err != nil {
			return s.classify("save the conversation", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM chat_conversations WHERE id IN (
		SELECT id FROM chat_conversations ORDER BY updated_at DESC, id DESC LIMIT -1 OFFSET ?)`, DefaultChatConversations); err != nil {
		return s.classify("prune conversations", err)
	}
	return s.classifyNil("save the conversation", tx.Commit())
}

// ChatMessages returns a conversation's turns in order.
func (s *Store) ChatMessages(ctx context.Context, conversation int64) ([]dba.ChatMessage, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, conversation_id, role, command, content, sent, answer, created_at FROM chat_messages WHERE conversation_id = ? ORDER BY id", conversation)
	if err != nil {
		return nil, s.classify("read the conversation", err)
	}
	defer rows.Close()
	out := []dba.ChatMessage{}
	for rows.Next() {
		var m dba.ChatMessage
		var at string
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Role, &m.Command, &m.Content, &m.Sent, &m.Answer, &at); err != nil {
			return nil, s.classify("read the conversation", err)
		}
		m.Created, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, m)
	}
	return out, s.classifyNil("read the conversation", rows.Err())
}

// DeleteChat removes a conversation and its messages.
func (s *Store) DeleteChat(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM chat_conversations WHERE id = ?", id)
	if err != nil {
		return s.classify("delete the conversation", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: conversation %d", dba.ErrNotFound, id)
	}
	return nil
}
