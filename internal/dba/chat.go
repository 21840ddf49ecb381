package dba

import "time"

// ChatConversation is one conversation of the AI chat panel, kept in the
// local store.
type ChatConversation struct {
	ID      int64     `json:"id"`
	Profile string    `json:"profile"`
	Title   string    `json:"title"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Messages counts the conversation's turns (user and assistant).
	Messages int `json:"messages"`
}

// ChatMessage is one turn of a conversation.
type ChatMessage struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Role           string `json:"role"`
	// Command is the slash command of a user turn ("explain"), empty for a
	// plain question.
	Command string `json:"command,omitempty"`
	// Content is what the user reads: values restored.
	Content string `json:"content"`
	// Sent is what left the machine for this turn (anonymised), empty when
	// nothing was sent.
	Sent string `json:"-"`
	// Answer is an assistant turn's structured answer (points, citations,
	// proposals) as JSON.
	Answer  string    `json:"-"`
	Created time.Time `json:"created"`
}

// Chat roles.
const (
	ChatUser      = "user"
	ChatAssistant = "assistant"
)
