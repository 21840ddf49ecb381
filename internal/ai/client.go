package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/mydba/mydba/internal/dba"
)

// Kind is a provider's wire format and defaults.
type Kind string

// Provider kinds. OpenAI, Azure OpenAI, Ollama, LM Studio and vLLM all
// speak Chat Completions; they differ in URL shape, authentication and
// defaults. KindNone is the explicit no-provider mode.
const (
	KindOpenAI    Kind = "openai"
	KindAzure     Kind = "azure"
	KindAnthropic Kind = "anthropic"
	KindOllama    Kind = "ollama"
	KindLMStudio  Kind = "lmstudio"
	KindVLLM      Kind = "vllm"
	KindNone      Kind = "none"
)

// Kinds lists every provider kind, for help texts and validation.
func Kinds() []Kind {
	return []Kind{KindOpenAI, KindAzure, KindAnthropic, KindOllama, KindLMStudio, KindVLLM, KindNone}
}

// ParseKind reads a provider kind, case-insensitively.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Kinds() {
		if k == known {
			return k, nil
		}
	}
	names := make([]string, 0, len(Kinds()))
	for _, known := range Kinds() {
		names = append(names, string(known))
	}
	msg := fmt.Sprintf("unknown AI provider %q: want one of %s", s, strings.Join(names, ", "))
	if sug := dba.Suggest(s, names); len(sug) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", sug[0])
	}
	return "", fmt.Errorf("%w: %s", dba.ErrInvalid, msg)
}

// DefaultBaseURL is where a kind answers when no base URL is configured
// ("" for Azure, whose URL names the customer's resource).
func (k Kind) DefaultBaseURL() string {
	switch k {
	case KindOpenAI:
		return "https://api.openai.com/v1"
	case KindAnthropic:
		return "https://api.anthropic.com"
	case KindOllama:
		return OllamaURL + "/v1"
	case KindLMStudio:
		return "http://127.0.0.1:1234/v1"
	case KindVLLM:
		return "http://127.0.0.1:8000/v1"
	}
	return ""
}

// NeedsKey reports whether the kind's hosted service always wants an API
// key. Local servers (Ollama, LM Studio, vLLM) usually do not.
func (k Kind) NeedsKey() bool {
	return k == KindOpenAI || k == KindAzure || k == KindAnthropic
}

// Endpoint configures one provider. Zero values are sensible defaults.
type Endpoint struct {
	Kind Kind
	// Name labels the provider in messages and audit (default the kind).
	Name string
	// BaseURL (default Kind.DefaultBaseURL). For Azure, the resource
	// endpoint, e.g. https://NAME.openai.azure.com.
	BaseURL string
	// Model is the model, or for Azure the deployment name.
	Model string
	// APIKey is sent in the header the provider expects and nowhere else;
	// errors and logs never contain it.
	APIKey string
	// APIVersion is Azure's api-version (default DefaultAzureAPIVersion).
	APIVersion string
	// Timeout bounds the wait for the first byte of an answer and any
	// silence between two chunks (default 60s). The caller's context
	// bounds the whole answer.
	Timeout time.Duration
	// MaxTokens is used when a request sets none (default 4096; Anthropic
	// requires a value).
	MaxTokens int
	// HTTPClient sends the requests (default one with a 10s dial timeout).
	HTTPClient *http.Client
	Retry      RetryPolicy
	// Breaker is this provider's circuit breaker (default a new one).
	Breaker *Breaker
	// Logger receives retries and failures (default discard).
	Logger *slog.Logger
	// Now is the clock for Retry-After dates (default time.Now).
	Now func() time.Time
}

// DefaultAzureAPIVersion is a generally available Azure OpenAI data-plane
// version with streaming and usage in streams.
const DefaultAzureAPIVersion = "2024-10-21"

// New returns the provider for e.Kind.
func New(e Endpoint) (Provider, error) {
	switch e.Kind {
	case KindAnthropic:
		return NewAnthropic(e)
	case KindOpenAI, KindAzure, KindOllama, KindLMStudio, KindVLLM:
		return NewOpenAI(e)
	case KindNone:
		return nil, ErrNoProvider
	}
	_, err := ParseKind(string(e.Kind))
	return nil, err
}

// Error sentinels of provider calls; an *Error wraps one or more of them
// next to the dba kinds (dba.ErrAuth, dba.ErrInvalid, dba.ErrTimeout,
// dba.ErrUnreachable) presenters already map.
var (
	// ErrRateLimited is a 429: the account's quota or rate is exhausted.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable is a provider that failed on its side (5xx, overload,
	// connection lost).
	ErrUnavailable = errors.New("provider unavailable")
	// ErrIncomplete is an answer that stopped before the provider said it
	// was finished. Text received so far is partial and must be presented
	// as such.
	ErrIncomplete = errors.New("answer incomplete")
)

// Error is a failed provider call in words safe to show: the API key is
// never part of it.
type Error struct {
	Provider string
	// Status is the HTTP status; 0 when there was no response.
	Status int
	// Code is the provider's error type or code ("rate_limit_exceeded").
	Code string
	// Message is the provider's explanation, redacted and shortened.
	Message string
	// RetryAfter is the provider's wait hint, when it gave one.
	RetryAfter time.Duration
	// Attempts is how many tries were made.
	Attempts int
	kinds    []error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	b.WriteString(": ")
	var head []string
	if e.Status != 0 {
		head = append(head, fmt.Sprintf("HTTP %d", e.Status))
	}
	if e.Code != "" {
		head = append(head, e.Code)
	}
	if len(head) > 0 {
		b.WriteString(strings.Join(head, " "))
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (provider asks to retry after %s)", e.RetryAfter.Round(time.Second))
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d tries)", e.Attempts)
	}
	return b.String()
}

// Unwrap exposes the error kinds for errors.Is.
func (e *Error) Unwrap() []error { return e.kinds }

// httpClient is what the providers share: one endpoint, its HTTP client,
// retries, breaker and the redaction of its key.
type httpClient struct {
	name    string
	key     string
	client  *http.Client
	timeout time.Duration
	retry   RetryPolicy
	breaker *Breaker
	log     *slog.Logger
	now     func() time.Time
}

func newHTTPClient(e Endpoint) *httpClient {
	c := &httpClient{name: e.Name, key: e.APIKey, client: e.HTTPClient, timeout: e.Timeout,
		retry: e.Retry.withDefaults(), breaker: e.Breaker, log: e.Logger, now: e.Now}
	if c.name == "" {
		c.name = string(e.Kind)
	}
	if c.client == nil {
		c.client = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        4,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	if c.timeout <= 0 {
		c.timeout = 60 * time.Second
	}
	if c.breaker == nil {
		c.breaker = NewBreaker(BreakerOptions{Now: e.Now})
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// checkBaseURL accepts an absolute http(s) URL without credentials or a
// query; the error never echoes the URL's user info.
func checkBaseURL(kind Kind, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %s base URL must be an absolute http or https URL", dba.ErrInvalid, kind)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: %s base URL must not contain credentials; store the API key with `mydba ai setup`", dba.ErrInvalid, kind)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: %s base URL must not have a query or fragment", dba.ErrInvalid, kind)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// post sends body and returns a 2xx response whose body is watched for
// silence. It retries 429/5xx and connection failures (never once a 2xx
// arrived) and honours the breaker. The returned watchdog must be stopped.
func (c *httpClient) post(ctx context.Context, target string, header http.Header, body []byte) (*http.Response, *watchdog, error) {
	for attempt := 1; ; attempt++ {
		if err := c.breaker.Allow(); err != nil {
			return nil, nil, &Error{Provider: c.name, Message: err.Error(), kinds: []error{ErrCircuitOpen, ErrUnavailable}}
		}
		wctx, wd := startWatchdog(ctx, c.timeout)
		req, err := http.NewRequestWithContext(wctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			wd.stop()
			return nil, nil, fmt.Errorf("%s: build request: %w", c.name, err)
		}
		req.Header = header.Clone()
		resp, err := c.client.Do(req)
		if err != nil {
			wd.stop()
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("%s: %w", c.name, ctx.Err())
			}
			e := c.networkError(err, wd.timedOut(), attempt)
			if attempt < c.retry.Attempts {
				wait := c.retry.backoff(attempt)
				c.log.Info("ai: retrying", "provider", c.name, "attempt", attempt, "wait", wait, "error", e.Error())
				if err := c.retry.Sleep(ctx, wait); err != nil {
					return nil, nil, fmt.Errorf("%s: %w", c.name, err)
				}
				continue
			}
			c.breaker.Failure()
			return nil, nil, e
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			resp.Body = &watchedBody{rc: resp.Body, wd: wd}
			return resp, wd, nil
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		wd.stop()
		e := c.statusError(resp, raw, attempt)
		if !retryable(resp.StatusCode) {
			return nil, nil, e
		}
		if attempt >= c.retry.Attempts || e.RetryAfter > c.retry.MaxDelay {
			c.breaker.Failure()
			return nil, nil, e
		}
		wait := e.RetryAfter
		if wait <= 0 {
			wait = c.retry.backoff(attempt)
		}
		c.log.Info("ai: retrying", "provider", c.name, "status", resp.StatusCode, "attempt", attempt, "wait", wait)
		if err := c.retry.Sleep(ctx, wait); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.name, err)
		}
	}
}

func (c *httpClient) networkError(err error, timedOut bool, attempt int) *Error {
	if timedOut {
		return &Error{Provider: c.name, Attempts: attempt, Message: fmt.Sprintf("no answer within %s", c.timeout),
			kinds: []error{dba.ErrTimeout, ErrUnavailable}}
	}
	msg := "could not reach the provider"
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		msg = "connection refused or host unreachable"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		msg = "unknown host " + dnsErr.Name
	}
	return &Error{Provider: c.name, Attempts: attempt, Message: c.redact(msg + ": " + rootCause(err)),
		kinds: []error{dba.ErrUnreachable, ErrUnavailable}}
}

// rootCause is the innermost message, without the URL net/http prefixes.
func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

func (c *httpClient) statusError(resp *http.Response, body []byte, attempt int) *Error {
	code, msg := providerMessage(body)
	e := &Error{Provider: c.name, Status: resp.StatusCode, Code: clip(c.redact(code), 60), Message: clip(c.redact(msg), 300), Attempts: attempt}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		e.RetryAfter = retryAfter(resp.Header, c.now())
		e.kinds = []error{ErrRateLimited}
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		e.kinds = []error{dba.ErrAuth}
		if e.Message == "" {
			e.Message = "the provider refused the API key"
		}
		e.Message += " — check the key (mydba ai setup) and its permissions"
	case s == http.StatusNotFound:
		e.kinds = []error{dba.ErrNotFound}
		e.Message += " — check the base URL and model (or Azure deployment) name"
	case s == http.StatusRequestTimeout:
		e.kinds = []error{dba.ErrTimeout, ErrUnavailable}
	case s >= 500:
		e.RetryAfter = retryAfter(resp.Header, c.now())
		e.kinds = []error{ErrUnavailable}
	default:
		e.kinds = []error{dba.ErrInvalid}
	}
	if e.Message == "" {
		e.Message = strings.ToLower(http.StatusText(resp.StatusCode))
	}
	return e
}

// providerMessage extracts the error type and message from the error
// bodies providers send: OpenAI {"error":{"message","type","code"}},
// Anthropic {"type":"error","error":{"type","message"}}, Ollama
// {"error":"..."}, or plain text.
func providerMessage(body []byte) (code, msg string) {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  string          `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var inner struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    any    `json:"code"`
		}
		var s string
		switch {
		case json.Unmarshal(v.Error, &inner) == nil && (inner.Message != "" || inner.Type != ""):
			code = inner.Type
			if c, ok := inner.Code.(string); ok && c != "" {
				code = c
			}
			return code, oneLine(inner.Message)
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return "", oneLine(s)
		case v.Message != "":
			return "", oneLine(v.Message)
		case v.Detail != "":
			return "", oneLine(v.Detail)
		}
	}
	text := string(body)
	if strings.Contains(strings.ToLower(text), "<html") {
		return "", "" // a proxy's error page says nothing useful
	}
	return "", oneLine(text)
}

// oneLine collapses whitespace and drops control characters, so a
// provider message cannot forge extra output lines.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// keyShapes are strings that look like API keys of the common providers
// (OpenAI sk-..., Anthropic sk-ant-..., bearer tokens). Providers echo
// parts of a wrong key in their errors; mydba never repeats them.
var keyShapes = regexp.MustCompile(`(?i)(sk-[a-z0-9_\-]{8,}|bearer\s+[a-z0-9._\-]{8,}|api[-_]?key[=:]\s*[a-z0-9._\-]{8,})`)

// redact removes the configured key and anything shaped like a key.
func (c *httpClient) redact(s string) string { return redactKey(s, c.key) }

func redactKey(s, key string) string {
	if key != "" {
		s = strings.ReplaceAll(s, key, "[redacted]")
	}
	return keyShapes.ReplaceAllString(s, "[redacted]")
}

// errSilence cancels a request that went quiet for longer than the timeout.
var errSilence = errors.New("provider went silent")

// watchdog cancels a request when no byte arrived for its period: the wait
// for the response headers and every gap between two reads of the body.
type watchdog struct {
	period time.Duration
	timer  *time.Timer
	cancel context.CancelCauseFunc
	fired  atomic.Bool
	once   sync.Once
}

func startWatchdog(parent context.Context, d time.Duration) (context.Context, *watchdog) {
	ctx, cancel := context.WithCancelCause(parent)
	w := &watchdog{period: d, cancel: cancel}
	w.timer = time.AfterFunc(d, func() {
		w.fired.Store(true)
		cancel(errSilence)
	})
	return ctx, w
}

func (w *watchdog) kick() { w.timer.Reset(w.period) }

func (w *watchdog) timedOut() bool { return w.fired.Load() }

func (w *watchdog) stop() {
	w.once.Do(func() {
		w.timer.Stop()
		w.cancel(nil)
	})
}

type watchedBody struct {
	rc io.ReadCloser
	wd *watchdog
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 && err == nil {
		b.wd.kick()
	}
	return n, err
}

func (b *watchedBody) Close() error { return b.rc.Close() }
