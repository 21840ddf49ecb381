package ai

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

const testKey = "sk-test-0123456789abcdefSECRET"

const wantText = "Add an index on orders(customer_id) — café ✓"

func endpointFor(kind Kind, f *fake) Endpoint {
	e := Endpoint{Kind: kind, BaseURL: f.srv.URL, Model: "m1", APIKey: testKey, Timeout: 5 * time.Second,
		Retry: RetryPolicy{Sleep: (&sleeps{}).sleep, Jitter: func() float64 { return 0 }}}
	if kind == KindOpenAI || kind == KindLMStudio || kind == KindVLLM || kind == KindOllama {
		e.BaseURL += "/v1"
	}
	return e
}

// TestStreams reads each provider's real wire format, written at odd
// byte boundaries so events, lines and UTF-8 characters arrive split.
func TestStreams(t *testing.T) {
	tests := []struct {
		name      string
		kind      Kind
		fixture   string
		pieces    []int
		path      string
		query     string
		auth      [2]string // header, value
		wantBody  map[string]any
		wantUsage *Usage
	}{
		{
			name: "openai", kind: KindOpenAI, fixture: "openai-stream.sse", pieces: []int{1, 7, 3, 13, 2},
			path: "/v1/chat/completions", auth: [2]string{"Authorization", "Bearer " + testKey},
			wantBody: map[string]any{"model": "m1", "stream": true, "stream_options": map[string]any{"include_usage": true},
				"max_completion_tokens": float64(300), "messages": []any{
					map[string]any{"role": "system", "content": "You explain MySQL evidence."},
					map[string]any{"role": "user", "content": "Why is this slow?"}}},
			wantUsage: &Usage{InputTokens: 42, OutputTokens: 9},
		},
		{
			name: "azure", kind: KindAzure, fixture: "openai-stream.sse", pieces: []int{5, 1, 11},
			path: "/openai/deployments/m1/chat/completions", query: "api-version=" + DefaultAzureAPIVersion, auth: [2]string{"Api-Key", testKey},
			wantBody: map[string]any{"model": "m1", "stream": true, "stream_options": map[string]any{"include_usage": true},
				"max_completion_tokens": float64(300), "messages": []any{
					map[string]any{"role": "system", "content": "You explain MySQL evidence."},
					map[string]any{"role": "user", "content": "Why is this slow?"}}},
			wantUsage: &Usage{InputTokens: 42, OutputTokens: 9},
		},
		{
			name: "ollama", kind: KindOllama, fixture: "ollama-stream.sse", pieces: []int{2, 9},
			path: "/v1/chat/completions", auth: [2]string{"Authorization", "Bearer " + testKey},
			wantBody: map[string]any{"model": "m1", "stream": true, "max_tokens": float64(300), "messages": []any{
				map[string]any{"role": "system", "content": "You explain MySQL evidence."},
				map[string]any{"role": "user", "content": "Why is this slow?"}}},
		},
		{
			name: "vllm", kind: KindVLLM, fixture: "openai-stream.sse", pieces: []int{64},
			path: "/v1/chat/completions", auth: [2]string{"Authorization", "Bearer " + testKey},
			wantBody: map[string]any{"model": "m1", "stream": true, "max_tokens": float64(300), "messages": []any{
				map[string]any{"role": "system", "content": "You explain MySQL evidence."},
				map[string]any{"role": "user", "content": "Why is this slow?"}}},
			wantUsage: &Usage{InputTokens: 42, OutputTokens: 9},
		},
		{
			name: "anthropic", kind: KindAnthropic, fixture: "anthropic-stream.sse", pieces: []int{3, 1, 17, 4},
			path: "/v1/messages", auth: [2]string{"X-Api-Key", testKey},
			wantBody: map[string]any{"model": "m1", "stream": true, "max_tokens": float64(300), "system": "You explain MySQL evidence.",
				"messages": []any{map[string]any{"role": "user", "content": "Why is this slow?"}}},
			wantUsage: &Usage{InputTokens: 42, OutputTokens: 9},
		},
		{
			name: "anthropic thinking blocks are not text", kind: KindAnthropic, fixture: "anthropic-thinking.sse", pieces: []int{1},
			path: "/v1/messages", auth: [2]string{"X-Api-Key", testKey},
			wantBody: map[string]any{"model": "m1", "stream": true, "max_tokens": float64(300), "system": "You explain MySQL evidence.",
				"messages": []any{map[string]any{"role": "user", "content": "Why is this slow?"}}},
			wantUsage: &Usage{InputTokens: 12, OutputTokens: 30},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, step{body: fixture(t, tt.fixture), pieces: tt.pieces})
			e := endpointFor(tt.kind, f)
			e.MaxTokens = 300
			p, err := New(e)
			if err != nil {
				t.Fatal(err)
			}
			s, err := p.Stream(context.Background(), simpleRequest())
			if err != nil {
				t.Fatal(err)
			}
			got := drain(s)
			if got.Err != nil || !got.Done || got.Text != wantText {
				t.Fatalf("answer %+v", got)
			}
			if diff := cmp.Diff(tt.wantUsage, got.Usage); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Path != tt.path || r.Query != tt.query {
				t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
			}
			if got := r.Header.Get(tt.auth[0]); got != tt.auth[1] {
				t.Errorf("%s header %q", tt.auth[0], got)
			}
			if tt.kind == KindAnthropic && r.Header.Get("Anthropic-Version") != AnthropicVersion {
				t.Errorf("anthropic-version %q", r.Header.Get("Anthropic-Version"))
			}
			if diff := cmp.Diff(tt.wantBody, r.Body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStreamFailures covers what goes wrong on the wire. Each case states
// the error kinds, how many requests reached the fake, the waits of the
// retry policy and the text delivered before a failure.
func TestStreamFailures(t *testing.T) {
	oai := fixture(t, "openai-stream.sse")
	ant := fixture(t, "anthropic-stream.sse")
	oaiHead := before(t, oai, "data: {\"id\":\"chatcmpl-9x1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_483d39d857\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" on")
	antHead := before(t, ant, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" on")
	oaiNoDone := strings.Replace(oai, "data: [DONE]\n\n", "", 1)
	oaiNoFinish := strings.Replace(strings.Replace(oaiNoDone, `"finish_reason":"stop"`, `"finish_reason":null`, 1), "data: [DONE]", "", 1)
	tests := []struct {
		name      string
		kind      Kind
		steps     []step
		timeout   time.Duration
		attempts  int
		wantKinds []error
		notKinds  []error
		wantMsg   string
		requests  int
		waits     []time.Duration
		partial   string // text delivered before the failure
		ok        bool   // the answer completes
	}{
		{name: "openai 401 echoing the key", kind: KindOpenAI,
			steps:     []step{{status: 401, header: map[string]string{"Content-Type": "application/json"}, body: `{"error":{"message":"Incorrect API key provided: ` + testKey + `. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`}},
			wantKinds: []error{dba.ErrAuth}, notKinds: []error{ErrUnavailable}, wantMsg: "HTTP 401 invalid_api_key", requests: 1},
		{name: "anthropic 401", kind: KindAnthropic,
			steps:     []step{{status: 401, header: map[string]string{"Content-Type": "application/json"}, body: `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`}},
			wantKinds: []error{dba.ErrAuth}, wantMsg: "authentication_error: invalid x-api-key", requests: 1},
		{name: "400 is not retried", kind: KindOpenAI,
			steps:     []step{{status: 400, header: map[string]string{"Content-Type": "application/json"}, body: `{"error":{"message":"max_tokens is too large","type":"invalid_request_error","code":null}}`}},
			wantKinds: []error{dba.ErrInvalid}, wantMsg: "max_tokens is too large", requests: 1},
		{name: "404 names the model", kind: KindOllama,
			steps:     []step{{status: 404, header: map[string]string{"Content-Type": "application/json"}, body: `{"error":{"message":"model \"m1\" not found, try pulling it first","type":"api_error","param":null,"code":null}}`}},
			wantKinds: []error{dba.ErrNotFound}, wantMsg: "try pulling it first", requests: 1},
		{name: "429 with Retry-After then success", kind: KindAnthropic,
			steps: []step{{status: 429, header: map[string]string{"Retry-After": "2", "Content-Type": "application/json"}, body: `{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}`},
				{body: ant, pieces: []int{5}}},
			requests: 2, waits: []time.Duration{2 * time.Second}, ok: true},
		{name: "429 with retry-after-ms", kind: KindAzure,
			steps: []step{{status: 429, header: map[string]string{"Retry-After-Ms": "1500", "Retry-After": "2"}, body: `{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation have exceeded call rate limit."}}`},
				{body: oai}},
			requests: 2, waits: []time.Duration{1500 * time.Millisecond}, ok: true},
		{name: "429 asking for too long a wait fails at once", kind: KindOpenAI,
			steps:     []step{{status: 429, header: map[string]string{"Retry-After": "120", "Content-Type": "application/json"}, body: `{"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","code":"rate_limit_exceeded"}}`}},
			wantKinds: []error{ErrRateLimited}, wantMsg: "retry after 2m0s", requests: 1},
		{name: "500 then success", kind: KindOpenAI,
			steps:    []step{{status: 500, body: "upstream exploded"}, {body: oai, pieces: []int{9}}},
			requests: 2, waits: []time.Duration{250 * time.Millisecond}, ok: true},
		{name: "anthropic 529 overloaded three times", kind: KindAnthropic,
			steps:     []step{{status: 529, header: map[string]string{"Content-Type": "application/json"}, body: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`}},
			wantKinds: []error{ErrUnavailable}, wantMsg: "after 3 tries", requests: 3, waits: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond}},
		{name: "proxy HTML error page", kind: KindVLLM,
			steps:     []step{{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html><body><h1>502 Bad Gateway</h1></body></html>"}},
			attempts:  1,
			wantKinds: []error{ErrUnavailable}, wantMsg: "HTTP 502: bad gateway", requests: 1},
		{name: "openai disconnect mid-stream", kind: KindOpenAI,
			steps:     []step{{body: oaiHead, pieces: []int{7}, cut: true}},
			wantKinds: []error{ErrIncomplete, ErrUnavailable}, wantMsg: "only part of the answer", requests: 1, partial: "Add an index"},
		{name: "anthropic disconnect mid-stream", kind: KindAnthropic,
			steps:     []step{{body: antHead, pieces: []int{3}, cut: true}},
			wantKinds: []error{ErrIncomplete}, wantMsg: "only part of the answer", requests: 1, partial: "Add an index"},
		{name: "clean end without terminator or finish reason", kind: KindOpenAI,
			steps:     []step{{body: oaiNoFinish}},
			wantKinds: []error{ErrIncomplete}, wantMsg: "closed the connection before finishing", requests: 1, partial: wantText},
		{name: "clean end after a finish reason is complete", kind: KindOpenAI,
			steps: []step{{body: oaiNoDone}}, requests: 1, ok: true},
		{name: "terminator without its blank line", kind: KindOllama,
			steps: []step{{body: strings.TrimSuffix(fixture(t, "ollama-stream.sse"), "\n\n")}}, requests: 1, ok: true},
		{name: "malformed event", kind: KindOpenAI,
			steps:     []step{{body: "data: {\"choices\":[{\"delta\":{\"content\":\"Add\"}}]}\n\ndata: {not json\n\n"}},
			wantKinds: []error{ErrIncomplete}, wantMsg: "malformed answer stream", requests: 1, partial: "Add"},
		{name: "line longer than the limit", kind: KindOpenAI,
			steps:     []step{{body: "data: " + strings.Repeat("x", maxSSELine+10) + "\n\n"}},
			wantKinds: []error{ErrIncomplete}, wantMsg: "longer than", requests: 1},
		{name: "anthropic overloaded in the stream", kind: KindAnthropic,
			steps:     []step{{body: antHead + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"}},
			wantKinds: []error{ErrUnavailable, ErrIncomplete}, wantMsg: "overloaded_error", requests: 1, partial: "Add an index"},
		{name: "openai-compatible error in the stream", kind: KindVLLM,
			steps:     []step{{body: "data: {\"error\":{\"message\":\"CUDA out of memory\",\"type\":\"InternalServerError\",\"code\":500}}\n\n"}},
			wantKinds: []error{ErrUnavailable, ErrIncomplete}, wantMsg: "CUDA out of memory", requests: 1},
		{name: "silence in the middle of the answer", kind: KindOpenAI, timeout: 150 * time.Millisecond,
			steps:     []step{{body: oaiHead, hang: true}},
			wantKinds: []error{dba.ErrTimeout, ErrIncomplete}, wantMsg: "no data for 150ms", requests: 1, partial: "Add an index"},
		{name: "no headers within the timeout", kind: KindAnthropic, timeout: 100 * time.Millisecond, attempts: 1,
			steps:     []step{{delay: 5 * time.Second}},
			wantKinds: []error{dba.ErrTimeout}, wantMsg: "no answer within 100ms", requests: 1},
		{name: "a server that ignores stream:true", kind: KindOpenAI,
			steps: []step{{header: map[string]string{"Content-Type": "application/json"},
				body: `{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"` + wantText + `"},"finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":9}}`}},
			requests: 1, ok: true},
		{name: "anthropic answering with one JSON message", kind: KindAnthropic,
			steps: []step{{header: map[string]string{"Content-Type": "application/json"},
				body: `{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"` + wantText + `"}],"usage":{"input_tokens":42,"output_tokens":9}}`}},
			requests: 1, ok: true},
		{name: "a JSON document that is no answer", kind: KindOpenAI,
			steps:     []step{{header: map[string]string{"Content-Type": "application/json"}, body: `{"object":"list","data":[]}`}},
			wantKinds: []error{ErrUnavailable}, wantMsg: "the answer is not a chat completion", requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.steps...)
			e := endpointFor(tt.kind, f)
			sl := &sleeps{}
			e.Retry = RetryPolicy{Attempts: tt.attempts, Sleep: sl.sleep, Jitter: func() float64 { return 0 }}
			if tt.timeout > 0 {
				e.Timeout = tt.timeout
			}
			var logs bytes.Buffer
			e.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			p, err := New(e)
			if err != nil {
				t.Fatal(err)
			}
			var got answer
			s, err := p.Stream(context.Background(), simpleRequest())
			if err != nil {
				got.Err = err
			} else {
				got = drain(s)
			}
			if tt.ok {
				if got.Err != nil || !got.Done || got.Text != wantText {
					t.Fatalf("want a complete answer, got %+v", got)
				}
			} else {
				if got.Err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				if got.Done {
					t.Errorf("a failed answer was marked done")
				}
				for _, k := range tt.wantKinds {
					if !errors.Is(got.Err, k) {
						t.Errorf("error %q is not %v", got.Err, k)
					}
				}
				for _, k := range tt.notKinds {
					if errors.Is(got.Err, k) {
						t.Errorf("error %q is %v", got.Err, k)
					}
				}
				if !strings.Contains(got.Err.Error(), tt.wantMsg) {
					t.Errorf("error %q lacks %q", got.Err, tt.wantMsg)
				}
				if got.Text != tt.partial {
					t.Errorf("delivered %q before the error, want %q", got.Text, tt.partial)
				}
			}
			if n := len(f.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if diff := cmp.Diff(tt.waits, sl.all()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			// The key never shows, whatever the provider echoed.
			if got.Err != nil && strings.Contains(got.Err.Error(), testKey) || strings.Contains(logs.String(), testKey) {
				t.Errorf("the API key leaked:\nerror: %v\nlogs: %s", got.Err, logs.String())
			}
		})
	}
}

func TestContextCancelMidStream(t *testing.T) {
	oai := fixture(t, "openai-stream.sse")
	events := strings.SplitAfter(oai, "\n\n")
	f := newFake(t, step{body: events[0] + events[1], hang: true})
	br := NewBreaker(BreakerOptions{Failures: 1})
	e := endpointFor(KindOpenAI, f)
	e.Breaker = br
	p, err := New(e)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := p.Stream(ctx, simpleRequest())
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Next()
	if err != nil || c.Text != "Add an index" {
		t.Fatalf("first chunk %+v %v", c, err)
	}
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err = s.Next()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancel took %s", took)
	}
	if br.State() != "closed" {
		t.Errorf("the caller's cancel counted against the provider: breaker %s", br.State())
	}
	if _, err2 := s.Next(); !errors.Is(err2, context.Canceled) {
		t.Errorf("Next after the error: %v", err2)
	}
}

func TestBadEndpoints(t *testing.T) {
	tests := []struct {
		name string
		e    Endpoint
		kind error
		msg  string
	}{
		{"unknown kind", Endpoint{Kind: "openia"}, dba.ErrInvalid, "did you mean openai"},
		{"none", Endpoint{Kind: KindNone}, ErrNoProvider, "no AI provider"},
		{"azure without url", Endpoint{Kind: KindAzure, Model: "d", APIKey: "k"}, dba.ErrInvalid, "azure needs base_url"},
		{"no model", Endpoint{Kind: KindAnthropic, APIKey: "k"}, dba.ErrInvalid, "needs a model"},
		{"no key", Endpoint{Kind: KindOpenAI, Model: "m"}, dba.ErrAuth, "mydba ai setup"},
		{"credentials in url", Endpoint{Kind: KindVLLM, Model: "m", BaseURL: "http://user:" + testKey + "@10.0.0.1:8000/v1"}, dba.ErrInvalid, "must not contain credentials"},
		{"relative url", Endpoint{Kind: KindOllama, Model: "m", BaseURL: "localhost:11434"}, dba.ErrInvalid, "absolute http"},
		{"ftp url", Endpoint{Kind: KindLMStudio, Model: "m", BaseURL: "ftp://x/v1"}, dba.ErrInvalid, "absolute http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.e)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) || strings.Contains(err.Error(), testKey) {
				t.Errorf("New: %v", err)
			}
		})
	}
	p, err := New(Endpoint{Kind: KindOllama, Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Request{{}, {Messages: []Message{{Role: "tool", Content: "x"}}}} {
		if _, err := p.Stream(context.Background(), r); !errors.Is(err, dba.ErrInvalid) {
			t.Errorf("request %+v: %v", r, err)
		}
	}
}

// TestAnthropicTurns: system messages join the system block, turns of one
// role merge, as the Messages API wants alternating turns.
func TestAnthropicTurns(t *testing.T) {
	p, err := NewAnthropic(Endpoint{Kind: KindAnthropic, Model: "m", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.body(Request{System: "rules", Temperature: 0.2, MaxTokens: 50, Messages: []Message{
		{Role: RoleSystem, Content: "more rules"},
		{Role: RoleUser, Content: "a"}, {Role: RoleUser, Content: "b"},
		{Role: RoleAssistant, Content: "c"}, {Role: RoleUser, Content: "d"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model":"m","max_tokens":50,"system":"rules\n\nmore rules","messages":[{"role":"user","content":"a\n\nb"},{"role":"assistant","content":"c"},{"role":"user","content":"d"}],"stream":true,"temperature":0.2}`
	if string(b) != want {
		t.Errorf("body\n got %s\nwant %s", b, want)
	}
	if _, err := p.body(Request{Messages: []Message{{Role: RoleSystem, Content: "only rules"}}}); !errors.Is(err, dba.ErrInvalid) {
		t.Errorf("system-only request: %v", err)
	}
}

func TestBreakerStopsCalls(t *testing.T) {
	f := newFake(t, step{status: 503, body: "down"})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	br := NewBreaker(BreakerOptions{Failures: 2, Cooldown: time.Minute, Now: func() time.Time { return now }})
	e := endpointFor(KindOpenAI, f)
	e.Breaker = br
	e.Retry.Attempts = 1
	p, err := New(e)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := p.Stream(context.Background(), simpleRequest()); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err = p.Stream(context.Background(), simpleRequest())
	if !errors.Is(err, ErrCircuitOpen) || !strings.Contains(err.Error(), "next try in 1m0s") {
		t.Fatalf("open circuit: %v", err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("the open circuit still sent: %d requests", n)
	}
	// After the cooldown one trial goes through; a good answer closes it.
	now = now.Add(61 * time.Second)
	f.mu.Lock()
	f.steps = []step{{status: 503}, {status: 503}, {body: fixture(t, "openai-stream.sse")}}
	f.mu.Unlock()
	if br.State() != "half-open" {
		t.Errorf("state %s", br.State())
	}
	s, err := p.Stream(context.Background(), simpleRequest())
	if err != nil {
		t.Fatal(err)
	}
	if a := drain(s); a.Err != nil || !a.Done {
		t.Fatalf("trial %+v", a)
	}
	if br.State() != "closed" {
		t.Errorf("after a good trial: %s", br.State())
	}
}

func TestBreakerStates(t *testing.T) {
	now := time.Unix(0, 0)
	b := NewBreaker(BreakerOptions{Failures: 3, Cooldown: 10 * time.Second, Now: func() time.Time { return now }})
	type obs struct {
		State string
		Open  bool
	}
	look := func() obs { return obs{b.State(), errors.Is(b.Allow(), ErrCircuitOpen)} }
	var got []obs
	b.Failure()
	b.Failure()
	got = append(got, look())
	b.Success() // a success resets the count
	b.Failure()
	b.Failure()
	got = append(got, look())
	b.Failure()
	got = append(got, look())
	now = now.Add(10 * time.Second)
	got = append(got, look())
	b.Failure() // the trial failed: open again at once
	got = append(got, look())
	now = now.Add(11 * time.Second)
	b.Success()
	got = append(got, look())
	want := []obs{{"closed", false}, {"closed", false}, {"open", true}, {"half-open", false}, {"open", true}, {"closed", false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		h    map[string]string
		want time.Duration
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond},
		{map[string]string{"Retry-After": now.Add(7 * time.Second).Format(http.TimeFormat)}, 7 * time.Second},
		{map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{"Retry-After": "-4"}, 0},
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond},
		{map[string]string{"Retry-After-Ms": "x", "Retry-After": "9"}, 9 * time.Second},
		{nil, 0},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.h {
			h.Set(k, v)
		}
		if got := retryAfter(h, now); got != tt.want {
			t.Errorf("%v: %s, want %s", tt.h, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: time.Second, MaxDelay: 5 * time.Second}.withDefaults()
	for _, j := range []float64{0, 0.999} {
		p.Jitter = func() float64 { return j }
		var got []time.Duration
		for a := 1; a <= 5; a++ {
			got = append(got, p.backoff(a).Round(10*time.Millisecond))
		}
		want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 2500 * time.Millisecond, 2500 * time.Millisecond}
		if j > 0 {
			want = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("jitter %v (-want +got):\n%s", j, diff)
		}
	}
}

func TestFallback(t *testing.T) {
	oai := fixture(t, "openai-stream.sse")
	ant := fixture(t, "anthropic-stream.sse")
	tests := []struct {
		name        string
		first       []step
		firstKind   Kind
		second      []step
		wantText    string
		wantErr     []error
		wantAnswer  string
		secondCalls int
	}{
		{name: "first down, second answers", firstKind: KindOpenAI, first: []step{{status: 503}},
			second: []step{{body: ant}}, wantText: wantText, wantAnswer: "second", secondCalls: 1},
		{name: "first refuses the key", firstKind: KindOpenAI, first: []step{{status: 401, body: `{"error":{"message":"bad key"}}`}},
			second: []step{{body: ant}}, wantText: wantText, wantAnswer: "second", secondCalls: 1},
		{name: "first breaks before any text", firstKind: KindOpenAI, first: []step{{body: "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n", cut: true}},
			second: []step{{body: ant}}, wantText: wantText, wantAnswer: "second", secondCalls: 1},
		{name: "first breaks after text: no splicing", firstKind: KindOpenAI, first: []step{{body: before(t, oai, "data: {\"id\":\"chatcmpl-9x1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_483d39d857\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" on"), cut: true}},
			second: []step{{body: ant}}, wantText: "Add an index", wantErr: []error{ErrIncomplete}, secondCalls: 0},
		{name: "both fail", firstKind: KindOpenAI, first: []step{{status: 500}},
			second:  []step{{status: 401, header: map[string]string{"Content-Type": "application/json"}, body: `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`}},
			wantErr: []error{ErrUnavailable, dba.ErrAuth}, secondCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f1, f2 := newFake(t, tt.first...), newFake(t, tt.second...)
			e1 := endpointFor(tt.firstKind, f1)
			e1.Name, e1.Retry.Attempts = "first", 1
			e2 := endpointFor(KindAnthropic, f2)
			e2.Name = "second"
			p1, err := New(e1)
			if err != nil {
				t.Fatal(err)
			}
			p2, err := New(e2)
			if err != nil {
				t.Fatal(err)
			}
			fb, err := NewFallback(p1, p2)
			if err != nil {
				t.Fatal(err)
			}
			if fb.Name() != "first" || fb.Model() != "m1" {
				t.Errorf("chain %s %s", fb.Name(), fb.Model())
			}
			var got answer
			s, err := fb.Stream(context.Background(), simpleRequest())
			if err != nil {
				got.Err = err
			} else {
				got = drain(s)
				if a, ok := s.(Answerer); !ok || (tt.wantAnswer != "" && a.Answerer() != tt.wantAnswer) {
					t.Errorf("answerer %v", s)
				}
			}
			if got.Text != tt.wantText {
				t.Errorf("text %q", got.Text)
			}
			for _, k := range tt.wantErr {
				if !errors.Is(got.Err, k) {
					t.Errorf("error %v is not %v", got.Err, k)
				}
			}
			if len(tt.wantErr) == 0 && (got.Err != nil || !got.Done) {
				t.Errorf("answer %+v", got)
			}
			if n := len(f2.requests()); n != tt.secondCalls {
				t.Errorf("second provider called %d times", n)
			}
		})
	}
	if _, err := NewFallback(); !errors.Is(err, ErrNoProvider) {
		t.Errorf("empty chain: %v", err)
	}
}

func TestFallbackStopsOnCancel(t *testing.T) {
	f1 := newFake(t, step{delay: 5 * time.Second})
	f2 := newFake(t, step{body: fixture(t, "anthropic-stream.sse")})
	p1, _ := New(endpointFor(KindOpenAI, f1))
	p2, _ := New(endpointFor(KindAnthropic, f2))
	fb, _ := NewFallback(p1, p2)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := fb.Stream(ctx, simpleRequest()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v", err)
	}
	if n := len(f2.requests()); n != 0 {
		t.Errorf("the caller gave up, yet the next provider was asked")
	}
}

func TestDetectOllama(t *testing.T) {
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}()
	tests := []struct {
		name   string
		url    string
		step   *step
		models []string
		msg    string
	}{
		{name: "models", step: &step{header: map[string]string{"Content-Type": "application/json"},
			body: `{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest","modified_at":"2025-01-01T00:00:00Z","size":2019393189,"digest":"a80c4f17acd5","details":{"format":"gguf","family":"llama","parameter_size":"3.2B","quantization_level":"Q4_K_M"}},{"name":"qwen2.5-coder:7b","model":"qwen2.5-coder:7b"}]}`},
			models: []string{"llama3.2:latest", "qwen2.5-coder:7b"}},
		{name: "no models", step: &step{body: `{"models":[]}`}, msg: "ollama pull"},
		{name: "not ollama", step: &step{body: `<html>hello</html>`}, msg: "does not look like Ollama"},
		{name: "error status", step: &step{status: 500}, msg: "HTTP 500"},
		{name: "too slow", step: &step{delay: 2 * time.Second}, msg: "not answering"},
		{name: "nothing listening", url: closed, msg: "not answering"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.url
			var f *fake
			if tt.step != nil {
				f = newFake(t, *tt.step)
				u = f.srv.URL
			}
			start := time.Now()
			got, err := DetectOllama(context.Background(), nil, u)
			if took := time.Since(start); took > DetectTimeout+500*time.Millisecond {
				t.Errorf("detection took %s", took)
			}
			if tt.msg == "" {
				if err != nil || !cmp.Equal(got, tt.models) {
					t.Errorf("models %v %v", got, err)
				}
				if r := f.requests(); len(r) != 1 || r[0].Method != http.MethodGet || r[0].Path != "/api/tags" {
					t.Errorf("requests %+v", r)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestRedactKey(t *testing.T) {
	tests := []struct{ in, key, want string }{
		{"Incorrect API key provided: sk-proj-abcdefghijklmnop.", "", "Incorrect API key provided: [redacted]."},
		{"key k3y-very-secret-value rejected", "k3y-very-secret-value", "key [redacted] rejected"},
		{"Authorization: Bearer abcdefgh12345678", "", "Authorization: [redacted]"},
		{"api_key=abcdefgh12345678&x=1", "", "[redacted]&x=1"},
		{"nothing secret here", "", "nothing secret here"},
	}
	for _, tt := range tests {
		if got := redactKey(tt.in, tt.key); got != tt.want {
			t.Errorf("redactKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// before returns s up to marker, which the fixture must contain.
func before(t *testing.T, s, marker string) string {
	t.Helper()
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("fixture lacks %q", marker)
	}
	return s[:i]
}
