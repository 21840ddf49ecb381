// Package ai is mydba's assistant: small clients for AI providers
// (OpenAI-compatible Chat Completions and Anthropic Messages) on net/http,
// the embedded knowledge base and its retrieval, and the prompts built from
// mydba's own findings. It explains evidence; it never executes anything
// and cannot import the adapter or the safety gate. Everything that leaves
// the machine is anonymised and fenced before it gets here.
package ai

import (
	"context"
	"errors"
)

// Role of a chat message.
type Role string

// Message roles.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role   `json:"role"`
	Content string `json:"content"`
}

// Request is one completion request, provider-neutral.
type Request struct {
	// System is the instruction block; providers place it where their wire
	// format wants it.
	System   string    `json:"system"`
	Messages []Message `json:"messages"`
	// Model overrides the provider's configured model ("" keeps it).
	Model       string  `json:"model,omitempty"`
	MaxTokens   int     `json:"max_tokens,omitempty"`
	Temperature float64 `json:"temperature,omitempty"`
}

// Chunk is a piece of a streamed answer. Done is set on the last one,
// with Usage when the provider reports it.
type Chunk struct {
	Text  string `json:"text,omitempty"`
	Done  bool   `json:"done,omitempty"`
	Usage *Usage `json:"usage,omitempty"`
}

// Usage is what a provider reports it consumed.
type Usage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// Stream delivers an answer as it is generated. Next returns io.EOF after
// the last chunk; Close releases the connection early.
type Stream interface {
	Next() (Chunk, error)
	Close() error
}

// Provider is one AI backend.
type Provider interface {
	// Name identifies the provider in messages and audit ("openai",
	// "anthropic", "ollama", or a configured label).
	Name() string
	// Model is the model used when a request sets none.
	Model() string
	// Stream starts a completion. Errors before the first chunk are
	// returned here; errors mid-stream come from Next.
	Stream(ctx context.Context, r Request) (Stream, error)
}

// ErrNoProvider is the no-provider mode: callers return the deterministic
// findings and knowledge-base citations, labelled as such, never fake AI
// text.
var ErrNoProvider = errors.New("no AI provider configured")
