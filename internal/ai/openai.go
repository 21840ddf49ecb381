package ai

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// OpenAI speaks the Chat Completions API with SSE streaming: OpenAI
// itself, Azure OpenAI (deployment URL, api-version, api-key header),
// Ollama's and LM Studio's OpenAI-compatible endpoints, and vLLM.
type OpenAI struct {
	c        *httpClient
	kind     Kind
	endpoint string
	model    string
	maxTok   int
	header   http.Header
}

var _ Provider = (*OpenAI)(nil)

// NewOpenAI checks e and returns the provider. Nothing is sent yet.
func NewOpenAI(e Endpoint) (*OpenAI, error) {
	switch e.Kind {
	case KindOpenAI, KindAzure, KindOllama, KindLMStudio, KindVLLM:
	default:
		return nil, fmt.Errorf("%w: %q is not an OpenAI-compatible provider", dba.ErrInvalid, e.Kind)
	}
	if e.BaseURL == "" {
		e.BaseURL = e.Kind.DefaultBaseURL()
	}
	if e.BaseURL == "" {
		return nil, fmt.Errorf("%w: azure needs base_url, the resource endpoint (https://NAME.openai.azure.com)", dba.ErrInvalid)
	}
	u, err := checkBaseURL(e.Kind, e.BaseURL)
	if err != nil {
		return nil, err
	}
	if e.Kind == KindOllama && !strings.HasSuffix(u.Path, "/v1") {
		// Users write Ollama's own address (http://host:11434); its
		// OpenAI-compatible API lives under /v1.
		u.Path += "/v1"
	}
	if strings.TrimSpace(e.Model) == "" {
		what := "model"
		if e.Kind == KindAzure {
			what = "model (the Azure deployment name)"
		}
		return nil, fmt.Errorf("%w: %s needs a %s: set [ai] model or MYDBA_AI_MODEL", dba.ErrInvalid, e.Kind, what)
	}
	if e.Kind.NeedsKey() && e.APIKey == "" {
		return nil, fmt.Errorf("%w: %s needs an API key: run `mydba ai setup --provider %s --api-key-stdin` or set MYDBA_AI_API_KEY", dba.ErrAuth, e.Kind, e.Kind)
	}
	p := &OpenAI{c: newHTTPClient(e), kind: e.Kind, model: e.Model, maxTok: e.MaxTokens, header: http.Header{}}
	p.header.Set("Content-Type", "application/json")
	p.header.Set("Accept", "text/event-stream")
	if e.Kind == KindAzure {
		v := e.APIVersion
		if v == "" {
			v = DefaultAzureAPIVersion
		}
		u.Path += "/openai/deployments/" + url.PathEscape(e.Model) + "/chat/completions"
		u.RawQuery = url.Values{"api-version": {v}}.Encode()
		p.header.Set("Api-Key", e.APIKey)
	} else {
		u.Path += "/chat/completions"
		if e.APIKey != "" {
			p.header.Set("Authorization", "Bearer "+e.APIKey)
		}
	}
	p.endpoint = u.String()
	return p, nil
}

// Name is the provider's label.
func (p *OpenAI) Name() string { return p.c.name }

// Model is the configured model (Azure: deployment).
func (p *OpenAI) Model() string { return p.model }

// Breaker is the provider's circuit breaker, for status pages.
func (p *OpenAI) Breaker() *Breaker { return p.c.breaker }

type oaiMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type oaiRequest struct {
	Model         string       `json:"model,omitempty"`
	Messages      []oaiMessage `json:"messages"`
	Stream        bool         `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options,omitempty"`
	MaxTokens           int      `json:"max_tokens,omitempty"`
	MaxCompletionTokens int      `json:"max_completion_tokens,omitempty"`
	Temperature         *float64 `json:"temperature,omitempty"`
}

// body is the JSON sent for r: the system block first, then the turns.
func (p *OpenAI) body(r Request) ([]byte, error) {
	if len(r.Messages) == 0 {
		return nil, fmt.Errorf("%w: an AI request needs at least one message", dba.ErrInvalid)
	}
	q := oaiRequest{Model: p.model, Stream: true}
	if r.Model != "" {
		q.Model = r.Model
	}
	if r.System != "" {
		q.Messages = append(q.Messages, oaiMessage{Role: string(RoleSystem), Content: r.System})
	}
	for _, m := range r.Messages {
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant:
		default:
			return nil, fmt.Errorf("%w: message role %q", dba.ErrInvalid, m.Role)
		}
		q.Messages = append(q.Messages, oaiMessage{Role: string(m.Role), Content: m.Content})
	}
	maxTok := r.MaxTokens
	if maxTok == 0 {
		maxTok = p.maxTok
	}
	switch p.kind {
	case KindOpenAI, KindAzure:
		// The hosted services report usage in the stream when asked, and
		// their newer models accept only max_completion_tokens.
		q.StreamOptions = &struct {
			IncludeUsage bool `json:"include_usage"`
		}{true}
		q.MaxCompletionTokens = maxTok
	default:
		q.MaxTokens = maxTok
	}
	if r.Temperature != 0 {
		t := r.Temperature
		q.Temperature = &t
	}
	return json.Marshal(q)
}

// Stream sends r and returns the answer as it is generated.
func (p *OpenAI) Stream(ctx context.Context, r Request) (Stream, error) {
	body, err := p.body(r)
	if err != nil {
		return nil, err
	}
	return p.c.stream(ctx, p.endpoint, p.header, body, &oaiDecoder{}, "a chat completion", oaiWhole)
}

// oaiWhole reads a non-streamed completion (a server that ignored "stream").
func oaiWhole(raw []byte) (string, *Usage, bool) {
	var v struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
		Usage *oaiUsage `json:"usage"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || len(v.Choices) == 0 {
		return "", nil, false
	}
	return v.Choices[0].Message.Content, v.Usage.usage(), true
}

type oaiUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

func (u *oaiUsage) usage() *Usage {
	if u == nil {
		return nil
	}
	return &Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens}
}

// oaiDecoder reads chat.completion.chunk events; "[DONE]" ends the stream.
type oaiDecoder struct {
	finishReason string
	use          *oaiUsage
}

func (d *oaiDecoder) decode(ev sseEvent) (string, bool, error) {
	data := strings.TrimSpace(ev.Data)
	if data == "[DONE]" {
		return "", true, nil
	}
	var v struct {
		Choices []struct {
			Delta struct {
				Content *string `json:"content"`
			} `json:"delta"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
		Usage *oaiUsage     `json:"usage"`
		Error *oaiStreamErr `json:"error"`
	}
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return "", false, fmt.Errorf("event is not JSON: %s", clip(oneLine(data), 80))
	}
	if v.Error != nil {
		return "", false, v.Error.asError()
	}
	if v.Usage != nil {
		d.use = v.Usage
	}
	var text strings.Builder
	for _, c := range v.Choices {
		if c.Delta.Content != nil {
			text.WriteString(*c.Delta.Content)
		}
		if c.FinishReason != nil && *c.FinishReason != "" {
			d.finishReason = *c.FinishReason
		}
	}
	return text.String(), false, nil
}

// completeAtEOF accepts a stream without "[DONE]" once the model gave a
// finish reason: some compatible servers end the stream there.
func (d *oaiDecoder) completeAtEOF(partial sseEvent) bool {
	return d.finishReason != "" || strings.TrimSpace(partial.Data) == "[DONE]"
}

func (d *oaiDecoder) usage() *Usage { return d.use.usage() }

// oaiStreamErr is an error sent inside the stream (vLLM, proxies).
type oaiStreamErr struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    any    `json:"code"`
}

func (e *oaiStreamErr) asError() *Error {
	code := e.Type
	if c, ok := e.Code.(string); ok && c != "" {
		code = c
	}
	kind := ErrUnavailable
	if strings.Contains(strings.ToLower(code), "rate") {
		kind = ErrRateLimited
	}
	msg := oneLine(e.Message)
	if msg == "" {
		msg = "the provider reported an error in the middle of the answer"
	}
	return &Error{Code: code, Message: msg, kinds: []error{kind}}
}
