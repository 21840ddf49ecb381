package ai

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// AnthropicVersion is the Messages API version mydba speaks.
const AnthropicVersion = "2023-06-01"

// Anthropic speaks the Messages API with its SSE event stream.
type Anthropic struct {
	c        *httpClient
	endpoint string
	model    string
	maxTok   int
	header   http.Header
}

var _ Provider = (*Anthropic)(nil)

// NewAnthropic checks e and returns the provider. Nothing is sent yet.
func NewAnthropic(e Endpoint) (*Anthropic, error) {
	if e.Kind != KindAnthropic {
		return nil, fmt.Errorf("%w: %q is not anthropic", dba.ErrInvalid, e.Kind)
	}
	if e.BaseURL == "" {
		e.BaseURL = KindAnthropic.DefaultBaseURL()
	}
	u, err := checkBaseURL(e.Kind, e.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(e.Model) == "" {
		return nil, fmt.Errorf("%w: anthropic needs a model: set [ai] model or MYDBA_AI_MODEL", dba.ErrInvalid)
	}
	if e.APIKey == "" {
		return nil, fmt.Errorf("%w: anthropic needs an API key: run `mydba ai setup --provider anthropic --api-key-stdin` or set MYDBA_AI_API_KEY", dba.ErrAuth)
	}
	// The base URL may or may not carry the /v1 of the API's paths.
	if !strings.HasSuffix(u.Path, "/v1") {
		u.Path += "/v1"
	}
	u.Path += "/messages"
	p := &Anthropic{c: newHTTPClient(e), endpoint: u.String(), model: e.Model, maxTok: e.MaxTokens, header: http.Header{}}
	if p.maxTok <= 0 {
		p.maxTok = 4096
	}
	p.header.Set("Content-Type", "application/json")
	p.header.Set("Accept", "text/event-stream")
	p.header.Set("Anthropic-Version", AnthropicVersion)
	p.header.Set("X-Api-Key", e.APIKey)
	return p, nil
}

// Name is the provider's label.
func (p *Anthropic) Name() string { return p.c.name }

// Model is the configured model.
func (p *Anthropic) Model() string { return p.model }

// Breaker is the provider's circuit breaker, for status pages.
func (p *Anthropic) Breaker() *Breaker { return p.c.breaker }

type antMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type antRequest struct {
	Model       string       `json:"model"`
	MaxTokens   int          `json:"max_tokens"`
	System      string       `json:"system,omitempty"`
	Messages    []antMessage `json:"messages"`
	Stream      bool         `json:"stream"`
	Temperature *float64     `json:"temperature,omitempty"`
}

// body is the JSON sent for r. The Messages API takes the instructions in
// "system" and wants turns that alternate between user and assistant, so
// system messages move into the system block and consecutive turns of one
// role are joined.
func (p *Anthropic) body(r Request) ([]byte, error) {
	if len(r.Messages) == 0 {
		return nil, fmt.Errorf("%w: an AI request needs at least one message", dba.ErrInvalid)
	}
	q := antRequest{Model: p.model, MaxTokens: p.maxTok, Stream: true}
	if r.Model != "" {
		q.Model = r.Model
	}
	if r.MaxTokens > 0 {
		q.MaxTokens = r.MaxTokens
	}
	system := []string{}
	if r.System != "" {
		system = append(system, r.System)
	}
	for _, m := range r.Messages {
		switch m.Role {
		case RoleSystem:
			system = append(system, m.Content)
		case RoleUser, RoleAssistant:
			if n := len(q.Messages); n > 0 && q.Messages[n-1].Role == string(m.Role) {
				q.Messages[n-1].Content += "\n\n" + m.Content
				continue
			}
			q.Messages = append(q.Messages, antMessage{Role: string(m.Role), Content: m.Content})
		default:
			return nil, fmt.Errorf("%w: message role %q", dba.ErrInvalid, m.Role)
		}
	}
	if len(q.Messages) == 0 {
		return nil, fmt.Errorf("%w: an AI request needs a user message", dba.ErrInvalid)
	}
	q.System = strings.Join(system, "\n\n")
	if r.Temperature != 0 {
		t := r.Temperature
		q.Temperature = &t
	}
	return json.Marshal(q)
}

// Stream sends r and returns the answer as it is generated.
func (p *Anthropic) Stream(ctx context.Context, r Request) (Stream, error) {
	body, err := p.body(r)
	if err != nil {
		return nil, err
	}
	return p.c.stream(ctx, p.endpoint, p.header, body, &antDecoder{}, "a message", antWhole)
}

// antWhole reads a non-streamed Messages answer.
func antWhole(raw []byte) (string, *Usage, bool) {
	var v struct {
		Type    string `json:"type"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		Usage *antUsage `json:"usage"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Type != "message" {
		return "", nil, false
	}
	var text strings.Builder
	for _, c := range v.Content {
		if c.Type == "text" {
			text.WriteString(c.Text)
		}
	}
	var u *Usage
	if v.Usage != nil {
		u = &Usage{InputTokens: v.Usage.InputTokens, OutputTokens: v.Usage.OutputTokens}
	}
	return text.String(), u, true
}

type antUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// antDecoder follows the event sequence message_start, content_block_*,
// message_delta, message_stop; "error" events carry overloads and other
// faults in the middle of a stream.
type antDecoder struct {
	in, out    int
	seenUsage  bool
	stopReason string
}

func (d *antDecoder) decode(ev sseEvent) (string, bool, error) {
	var v struct {
		Type    string `json:"type"`
		Message struct {
			Usage *antUsage `json:"usage"`
		} `json:"message"`
		Delta struct {
			Type       string `json:"type"`
			Text       string `json:"text"`
			StopReason string `json:"stop_reason"`
		} `json:"delta"`
		Usage *antUsage `json:"usage"`
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(ev.Data), &v); err != nil {
		return "", false, fmt.Errorf("event %q is not JSON: %s", ev.Event, clip(oneLine(ev.Data), 80))
	}
	typ := v.Type
	if typ == "" {
		typ = ev.Event
	}
	switch typ {
	case "message_start":
		if u := v.Message.Usage; u != nil {
			d.in, d.out, d.seenUsage = u.InputTokens, u.OutputTokens, true
		}
	case "content_block_delta":
		// Only text is shown; thinking and tool-input deltas are not
		// part of the answer.
		if v.Delta.Type == "text_delta" {
			return v.Delta.Text, false, nil
		}
	case "message_delta":
		if v.Delta.StopReason != "" {
			d.stopReason = v.Delta.StopReason
		}
		if u := v.Usage; u != nil {
			d.out, d.seenUsage = u.OutputTokens, true
			if u.InputTokens > 0 {
				d.in = u.InputTokens
			}
		}
	case "message_stop":
		return "", true, nil
	case "error":
		code, msg := "", "the provider reported an error in the middle of the answer"
		if v.Error != nil {
			code = v.Error.Type
			if m := oneLine(v.Error.Message); m != "" {
				msg = m
			}
		}
		kind := ErrUnavailable
		if code == "rate_limit_error" {
			kind = ErrRateLimited
		}
		return "", false, &Error{Code: code, Message: msg, kinds: []error{kind}}
	}
	// ping, content_block_start/stop and future event types carry no text.
	return "", false, nil
}

func (d *antDecoder) completeAtEOF(partial sseEvent) bool {
	return d.stopReason != "" || partial.Event == "message_stop"
}

func (d *antDecoder) usage() *Usage {
	if !d.seenUsage {
		return nil
	}
	return &Usage{InputTokens: d.in, OutputTokens: d.out}
}
