package workbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/secret"
)

// AIOptions configure the AI providers (Options.AI).
type AIOptions struct {
	// Config is the [ai] section of the config file.
	Config ai.Config
	// Getenv supplies the MYDBA_AI_* overrides; nil means none.
	Getenv func(string) string
	// HTTPClient sends provider requests and the Ollama probe (tests);
	// default each provider's own client.
	HTTPClient *http.Client
	// DetectURL is where auto-detection looks for Ollama (default
	// ai.OllamaURL; tests point it at a fake).
	DetectURL string
	// Logger receives provider retries and failures (default discard);
	// it never sees an API key.
	Logger *slog.Logger
}

// aiState lives as long as the Workbench: the circuit breakers must
// outlast one request to mean anything in `mydba serve`, and a failed
// Ollama probe is remembered briefly so every request does not pay it.
type aiState struct {
	mu       sync.Mutex
	breakers map[string]*ai.Breaker
	probe    ollamaProbe
	// kb is the knowledge base, opened on first use and kept: building
	// its index costs tens of milliseconds, too much for every request.
	kb *ai.KB
}

type ollamaProbe struct {
	url    string
	at     time.Time
	models []string
	err    error
}

// probeTTL is how long an Ollama probe result is reused.
const probeTTL = 30 * time.Second

// aiSettingKeyRef is the settings key holding the vault reference of the
// API key stored for a provider name.
func aiSettingKeyRef(name string) string { return "ai.key_ref." + name }

// aiSecretName is the vault name of a provider's API key.
func aiSecretName(name string) string { return "ai-" + name + "/api-key" }

// AIProvider builds the configured AI provider: the [ai] section with the
// MYDBA_AI_* overrides, API keys from the environment or the secret
// vault, the fallbacks chained behind the primary. With nothing
// configured and auto-detection on, a local Ollama with a model pulled is
// used. ai.ErrNoProvider means no provider: callers answer with the
// deterministic findings only. Errors never contain an API key.
func (w *Workbench) AIProvider() (ai.Provider, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	p, _, err := w.aiProvider(ctx)
	return p, err
}

// aiPlan is the resolved configuration before providers are built.
type aiPlan struct {
	cfg       ai.Config
	detected  bool
	detectErr error
}

func (w *Workbench) aiResolve(ctx context.Context) (aiPlan, error) {
	cfg, err := w.opts.AI.Config.WithEnv(w.opts.AI.Getenv)
	if err != nil {
		return aiPlan{}, err
	}
	plan := aiPlan{cfg: cfg}
	if cfg.Off || len(cfg.Endpoints) > 0 || !cfg.AutoDetect {
		return plan, nil
	}
	// No Ollama is not an error: it is the no-provider mode, and the
	// probe's answer is kept for `mydba ai status`.
	models, derr := w.detectOllama(ctx, w.opts.AI.DetectURL)
	plan.detectErr = derr
	if derr == nil {
		plan.detected = true
		plan.cfg.Endpoints = []ai.EndpointConfig{{Kind: ai.KindOllama, BaseURL: w.opts.AI.DetectURL, Model: models[0]}}
	}
	return plan, nil
}

func (w *Workbench) aiProvider(ctx context.Context) (ai.Provider, aiPlan, error) {
	plan, err := w.aiResolve(ctx)
	if err != nil {
		return nil, plan, err
	}
	if plan.cfg.Off || len(plan.cfg.Endpoints) == 0 {
		return nil, plan, ai.ErrNoProvider
	}
	ps := make([]ai.Provider, 0, len(plan.cfg.Endpoints))
	for _, ec := range plan.cfg.Endpoints {
		e, err := w.aiEndpoint(ctx, ec)
		if err != nil {
			return nil, plan, err
		}
		p, err := ai.New(e)
		if err != nil {
			return nil, plan, err
		}
		ps = append(ps, p)
	}
	p, err := ai.NewFallback(ps...)
	return p, plan, err
}

// aiEndpoint turns a configured endpoint into a provider endpoint: the
// key read, an Ollama without a model given its first model, the
// breaker shared across calls.
func (w *Workbench) aiEndpoint(ctx context.Context, ec ai.EndpointConfig) (ai.Endpoint, error) {
	e := ai.Endpoint{Kind: ec.Kind, Name: ec.Label(), BaseURL: ec.BaseURL, Model: ec.Model, APIKey: ec.APIKey,
		APIVersion: ec.APIVersion, Timeout: ec.Timeout, MaxTokens: ec.MaxTokens,
		HTTPClient: w.opts.AI.HTTPClient, Logger: w.opts.AI.Logger, Now: w.opts.Now, Breaker: w.aiBreaker(ec.Label())}
	if e.APIKey == "" {
		key, _, err := w.aiKey(ctx, ec)
		if err != nil {
			return e, err
		}
		e.APIKey = key
	}
	if e.Kind == ai.KindOllama && strings.TrimSpace(e.Model) == "" {
		models, err := w.detectOllama(ctx, strings.TrimSuffix(strings.TrimRight(ec.BaseURL, "/"), "/v1"))
		if err != nil {
			return e, fmt.Errorf("%w: ollama has no model configured and none could be found: %w", dba.ErrInvalid, err)
		}
		e.Model = models[0]
	}
	return e, nil
}

// aiKey reads the endpoint's stored key: its api_key_ref, else the key
// `mydba ai setup` stored under its name. A missing key is "" (the
// provider says whether it needs one); source says where it came from.
func (w *Workbench) aiKey(ctx context.Context, ec ai.EndpointConfig) (key, source string, err error) {
	ref := ec.APIKeyRef
	source = "api_key_ref"
	if ref == "" {
		r, ok, err := w.store.Setting(ctx, aiSettingKeyRef(ec.Label()))
		if err != nil {
			return "", "", err
		}
		if !ok || r == "" {
			return "", "", nil
		}
		ref, source = r, "stored"
	}
	b, err := w.vault.Get(ctx, ref)
	if errors.Is(err, secret.ErrNotFound) && ec.APIKeyRef == "" {
		return "", "", nil // the setting outlived its secret; as if none was stored
	}
	if err != nil {
		return "", "", fmt.Errorf("AI provider %s: read the API key: %w", ec.Label(), err)
	}
	return strings.TrimSpace(string(b)), source, nil
}

func (w *Workbench) aiBreaker(name string) *ai.Breaker {
	w.ai.mu.Lock()
	defer w.ai.mu.Unlock()
	if w.ai.breakers == nil {
		w.ai.breakers = map[string]*ai.Breaker{}
	}
	b, ok := w.ai.breakers[name]
	if !ok {
		b = ai.NewBreaker(ai.BreakerOptions{Now: w.opts.Now})
		w.ai.breakers[name] = b
	}
	return b
}

// detectOllama probes url (default the local Ollama), reusing a recent
// answer for the same url.
func (w *Workbench) detectOllama(ctx context.Context, url string) ([]string, error) {
	if url == "" {
		url = ai.OllamaURL
	}
	w.ai.mu.Lock()
	pr := w.ai.probe
	w.ai.mu.Unlock()
	now := w.opts.Now()
	if pr.url == url && now.Sub(pr.at) < probeTTL && now.Sub(pr.at) >= 0 {
		return pr.models, pr.err
	}
	models, err := ai.DetectOllama(ctx, w.opts.AI.HTTPClient, url)
	w.ai.mu.Lock()
	w.ai.probe = ollamaProbe{url: url, at: now, models: models, err: err}
	w.ai.mu.Unlock()
	return models, err
}

// AIKeyInfo says where an API key was stored; it never holds the key.
type AIKeyInfo struct {
	// Name is the provider name the key is filed under.
	Name string `json:"name"`
	// Backend is "keyring" or "encrypted file <path>".
	Backend string `json:"backend"`
	// Configured reports whether an endpoint of that name is configured
	// (if not, the key waits until one is).
	Configured bool `json:"configured"`
	// Deleted is set by DeleteAIKey.
	Deleted bool `json:"deleted,omitempty"`
}

// SetAIKey stores the API key for the provider named name (a kind such as
// "openai", or an endpoint's name) in the secret vault, replacing any
// key stored before.
func (w *Workbench) SetAIKey(ctx context.Context, name, key string) (AIKeyInfo, error) {
	name = strings.TrimSpace(name)
	if err := ai.CheckLabel(name); err != nil {
		return AIKeyInfo{}, err
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return AIKeyInfo{}, fmt.Errorf("%w: the API key is empty", dba.ErrInvalid)
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return AIKeyInfo{}, fmt.Errorf("%w: the API key contains spaces or control characters; paste only the key", dba.ErrInvalid)
	}
	old, hadOld, err := w.store.Setting(ctx, aiSettingKeyRef(name))
	if err != nil {
		return AIKeyInfo{}, err
	}
	ref, err := w.vault.Put(ctx, aiSecretName(name), []byte(key))
	if err != nil {
		return AIKeyInfo{}, fmt.Errorf("store the API key: %w", err)
	}
	if err := w.store.SetSetting(ctx, aiSettingKeyRef(name), ref); err != nil {
		_ = w.vault.Delete(ctx, ref)
		return AIKeyInfo{}, err
	}
	if hadOld && old != "" && old != ref {
		// Best effort: the old secret is unreachable without its ref.
		_ = w.vault.Delete(ctx, old)
	}
	return AIKeyInfo{Name: name, Backend: w.vault.Backend(), Configured: w.aiConfigured(name)}, nil
}

// DeleteAIKey removes the stored key of the provider named name.
func (w *Workbench) DeleteAIKey(ctx context.Context, name string) (AIKeyInfo, error) {
	name = strings.TrimSpace(name)
	if err := ai.CheckLabel(name); err != nil {
		return AIKeyInfo{}, err
	}
	ref, ok, err := w.store.Setting(ctx, aiSettingKeyRef(name))
	if err != nil {
		return AIKeyInfo{}, err
	}
	if !ok || ref == "" {
		return AIKeyInfo{}, fmt.Errorf("%w: no API key is stored for %q", dba.ErrNotFound, name)
	}
	if err := w.vault.Delete(ctx, ref); err != nil {
		return AIKeyInfo{}, err
	}
	// An empty value is "no key": the store has no delete for settings.
	if err := w.store.SetSetting(ctx, aiSettingKeyRef(name), ""); err != nil {
		return AIKeyInfo{}, err
	}
	return AIKeyInfo{Name: name, Backend: w.vault.Backend(), Configured: w.aiConfigured(name), Deleted: true}, nil
}

func (w *Workbench) aiConfigured(name string) bool {
	cfg, err := w.opts.AI.Config.WithEnv(w.opts.AI.Getenv)
	if err != nil {
		return false
	}
	for _, e := range cfg.Endpoints {
		if e.Label() == name {
			return true
		}
	}
	return false
}

// AIStatus describes the AI configuration in force, for `mydba ai
// status` and the web UI. It never holds a key.
type AIStatus struct {
	// Mode is "configured", "auto-detected" (a local Ollama), "none" (no
	// provider: deterministic findings only) or "off" (provider = none).
	Mode      string             `json:"mode"`
	Providers []AIProviderStatus `json:"providers"`
	// AutoDetect is whether a local Ollama is probed when nothing is
	// configured; Detect says what the probe found.
	AutoDetect bool   `json:"auto_detect"`
	Detect     string `json:"detect,omitempty"`
	// Problem is why the configuration cannot be used, if it cannot.
	Problem string `json:"problem,omitempty"`
	// KnowledgeBase is the knowledge base's edition and size.
	KnowledgeBase AIKnowledgeBase `json:"knowledge_base"`
}

// AIProviderStatus is one provider in the chain.
type AIProviderStatus struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Role     string `json:"role"` // "primary" or "fallback N"
	BaseURL  string `json:"base_url"`
	Model    string `json:"model"`
	Key      string `json:"key"`     // environment, stored, api_key_ref, missing, not needed
	Breaker  string `json:"breaker"` // closed, open, half-open
	Problem  string `json:"problem,omitempty"`
	Detected bool   `json:"detected,omitempty"`
}

// AIKnowledgeBase summarises the embedded knowledge base.
type AIKnowledgeBase struct {
	Version string `json:"version"`
	Entries int    `json:"entries"`
}

// AIStatus reports the AI configuration without sending any prompt: the
// providers in order, where each key comes from (never the key), the
// circuit breakers and what auto-detection found.
func (w *Workbench) AIStatus(ctx context.Context) (AIStatus, error) {
	st := AIStatus{Providers: []AIProviderStatus{}}
	if kb, err := ai.NewKB(); err == nil {
		st.KnowledgeBase = AIKnowledgeBase{Version: ai.KnowledgeVersion, Entries: len(kb.Entries())}
		kb.Close()
	}
	plan, err := w.aiResolve(ctx)
	st.AutoDetect = plan.cfg.AutoDetect
	if err != nil {
		// A broken configuration is what status is for: reported, not failed.
		st.Mode, st.Problem = "none", err.Error()
		return st, nil //nolint:nilerr // reported in the result, see above
	}
	switch {
	case plan.cfg.Off:
		st.Mode = "off"
		return st, nil
	case plan.detected:
		st.Mode = "auto-detected"
		st.Detect = "Ollama answered at " + orDefault(w.opts.AI.DetectURL, ai.OllamaURL)
	case len(plan.cfg.Endpoints) == 0:
		st.Mode = "none"
		if plan.detectErr != nil {
			st.Detect = plan.detectErr.Error()
		}
	default:
		st.Mode = "configured"
	}
	for i, ec := range plan.cfg.Endpoints {
		ps := AIProviderStatus{Name: ec.Label(), Kind: string(ec.Kind), Role: "primary", BaseURL: orDefault(ec.BaseURL, ec.Kind.DefaultBaseURL()),
			Model: ec.Model, Detected: plan.detected, Breaker: w.aiBreaker(ec.Label()).State()}
		if i > 0 {
			ps.Role = fmt.Sprintf("fallback %d", i)
		}
		switch key, src, err := w.aiKey(ctx, ec); {
		case ec.APIKey != "":
			ps.Key = "environment (" + ai.EnvAPIKey + ")"
		case err != nil:
			ps.Key, ps.Problem = "unreadable", err.Error()
		case key != "":
			ps.Key = src
		case ec.Kind.NeedsKey():
			ps.Key = "missing"
			ps.Problem = fmt.Sprintf("no API key: run `mydba ai setup --provider %s --api-key-stdin` or set %s", ec.Label(), ai.EnvAPIKey)
		default:
			ps.Key = "not needed"
		}
		if ps.Problem == "" {
			if e, err := w.aiEndpoint(ctx, ec); err != nil {
				ps.Problem = err.Error()
			} else if _, err := ai.New(e); err != nil {
				ps.Problem = err.Error()
			} else {
				ps.Model = e.Model
			}
		}
		if ps.Problem != "" && st.Problem == "" {
			st.Problem = ps.Name + ": " + ps.Problem
		}
		st.Providers = append(st.Providers, ps)
	}
	return st, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// AIProviderTest is one provider's answer to a fixed one-word prompt.
type AIProviderTest struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Role  string `json:"role"`
	Model string `json:"model"`
	OK    bool   `json:"ok"`
	// FirstChunk is the time to the first piece of the answer, Total to
	// its end (0 when the call failed first).
	FirstChunk time.Duration `json:"first_chunk_ns"`
	Total      time.Duration `json:"total_ns"`
	// Answer is the start of what the model said; Error why it failed
	// (never with the key).
	Answer string    `json:"answer,omitempty"`
	Error  string    `json:"error,omitempty"`
	Usage  *ai.Usage `json:"usage,omitempty"`
}

// TestAIProviders sends a fixed one-word prompt to each configured
// provider in turn (each alone, not as a fallback chain, and past its
// circuit breaker) and reports which answer, how fast, and why the others
// fail: a wrong key, an unknown model, an unreachable URL. Nothing of the
// user's data is sent. perCall bounds each provider (default 60s).
func (w *Workbench) TestAIProviders(ctx context.Context, perCall time.Duration) ([]AIProviderTest, error) {
	if perCall <= 0 {
		perCall = time.Minute
	}
	plan, err := w.aiResolve(ctx)
	if err != nil {
		return nil, err
	}
	if plan.cfg.Off || len(plan.cfg.Endpoints) == 0 {
		return nil, fmt.Errorf("%w: nothing to test (mydba ai status shows why)", ai.ErrNoProvider)
	}
	out := make([]AIProviderTest, 0, len(plan.cfg.Endpoints))
	for i, ec := range plan.cfg.Endpoints {
		r := AIProviderTest{Name: ec.Label(), Kind: string(ec.Kind), Role: "primary", Model: ec.Model}
		if i > 0 {
			r.Role = fmt.Sprintf("fallback %d", i)
		}
		w.testAIEndpoint(ctx, ec, perCall, &r)
		out = append(out, r)
	}
	return out, nil
}

func (w *Workbench) testAIEndpoint(ctx context.Context, ec ai.EndpointConfig, perCall time.Duration, r *AIProviderTest) {
	ctx, cancel := context.WithTimeout(ctx, perCall)
	defer cancel()
	e, err := w.aiEndpoint(ctx, ec)
	if err != nil {
		r.Error = err.Error()
		return
	}
	// A fresh breaker and one attempt: the test is about this call, not
	// about what earlier ones did, and a retry would hide a slow failure.
	e.Breaker, e.Retry = nil, ai.RetryPolicy{Attempts: 1}
	if e.Timeout <= 0 || e.Timeout > perCall {
		e.Timeout = perCall
	}
	r.Model = e.Model
	p, err := ai.New(e)
	if err != nil {
		r.Error = err.Error()
		return
	}
	// Nothing of the user's: no server, no statement.
	req := ai.Request{System: "You are checking that an API connection works.",
		Messages: []ai.Message{{Role: "user", Content: "Reply with the single word OK."}}, MaxTokens: 16}
	start := time.Now()
	fail := func(err error) {
		r.Error = err.Error()
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			r.Error = fmt.Sprintf("%s: no complete answer within %s", r.Name, perCall)
		}
	}
	st, err := p.Stream(ctx, req)
	if err != nil {
		fail(err)
		return
	}
	defer st.Close()
	var text strings.Builder
	for {
		c, err := st.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fail(err)
			return
		}
		if r.FirstChunk == 0 && c.Text != "" {
			r.FirstChunk = time.Since(start)
		}
		if text.Len() < 200 {
			text.WriteString(c.Text)
		}
		if c.Usage != nil {
			r.Usage = c.Usage
		}
		if c.Done {
			break
		}
	}
	r.Total = time.Since(start)
	r.Answer = strings.TrimSpace(text.String())
	if r.Answer == "" {
		r.Error = "the provider answered with no text"
		return
	}
	r.OK = true
}
