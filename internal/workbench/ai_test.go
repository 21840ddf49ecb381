package workbench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/dba"
)

const aiTestKey = "sk-test-4f9a8b7c6d5e4f3a2b1c"

// aiFake is an OpenAI-compatible endpoint (and Ollama's /api/tags) that
// records the Authorization header of every completion request.
type aiFake struct {
	srv    *httptest.Server
	mu     sync.Mutex
	auth   []string
	status int // non-zero: answer every completion with this status
}

func newAIFake(t *testing.T, status int) *aiFake {
	t.Helper()
	f := &aiFake{status: status}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/tags":
			fmt.Fprint(w, `{"models":[{"name":"llama3.2:latest"},{"name":"qwen2.5:7b"}]}`)
			return
		case "/v1/chat/completions":
		default:
			http.NotFound(w, r)
			return
		}
		io.Copy(io.Discard, r.Body)
		f.mu.Lock()
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		if f.status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.status)
			// Providers echo part of a wrong key; mydba must not repeat it.
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error","code":"invalid_api_key"}}`, aiTestKey)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"delta\":{\"content\":\"hello\"}}]}\n\n")
		fmt.Fprint(w, "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *aiFake) seenAuth() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auth...)
}

func openAIWB(t *testing.T, o AIOptions) *Workbench {
	t.Helper()
	w, err := Open(context.Background(), Options{StateDir: t.TempDir(), DisableKeyring: true, AI: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func askAI(t *testing.T, p ai.Provider) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := p.Stream(ctx, ai.Request{Messages: []ai.Message{{Role: ai.RoleUser, Content: "hi"}}})
	if err != nil {
		return "", err
	}
	defer s.Close()
	var b strings.Builder
	for {
		c, err := s.Next()
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
		b.WriteString(c.Text)
	}
}

// deadURL is an address nothing listens on.
func deadURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

func TestAIProviderNoneAndDetect(t *testing.T) {
	f := newAIFake(t, 0)
	tests := []struct {
		name      string
		o         AIOptions
		wantErr   error
		wantName  string
		wantModel string
	}{
		{name: "nothing configured, no auto-detect", o: AIOptions{}, wantErr: ai.ErrNoProvider},
		{name: "off in the config", o: AIOptions{Config: ai.Config{Off: true, AutoDetect: true}, DetectURL: f.srv.URL}, wantErr: ai.ErrNoProvider},
		{name: "env none beats the config", o: AIOptions{Config: ai.Config{Endpoints: []ai.EndpointConfig{{Kind: ai.KindOllama, BaseURL: f.srv.URL, Model: "x"}}},
			Getenv: envOf(map[string]string{ai.EnvProvider: "none"})}, wantErr: ai.ErrNoProvider},
		{name: "auto-detect finds nothing", o: AIOptions{Config: ai.Config{AutoDetect: true}, DetectURL: deadURL(t)}, wantErr: ai.ErrNoProvider},
		{name: "auto-detect finds Ollama", o: AIOptions{Config: ai.Config{AutoDetect: true}, DetectURL: f.srv.URL}, wantName: "ollama", wantModel: "llama3.2:latest"},
		{name: "ollama without a model takes its first", o: AIOptions{Config: ai.Config{Endpoints: []ai.EndpointConfig{{Kind: ai.KindOllama, Name: "local", BaseURL: f.srv.URL}}}},
			wantName: "local", wantModel: "llama3.2:latest"},
		{name: "bad env provider", o: AIOptions{Getenv: envOf(map[string]string{ai.EnvProvider: "opnai"})}, wantErr: dba.ErrInvalid},
		{name: "env model without a provider", o: AIOptions{Getenv: envOf(map[string]string{ai.EnvModel: "gpt-4o"})}, wantErr: dba.ErrInvalid},
		{name: "hosted provider without a key", o: AIOptions{Getenv: envOf(map[string]string{ai.EnvProvider: "anthropic", ai.EnvModel: "claude"})}, wantErr: dba.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := openAIWB(t, tt.o)
			start := time.Now()
			p, err := w.AIProvider()
			if time.Since(start) > 3*time.Second {
				t.Errorf("AIProvider took %s; the probe must be short", time.Since(start))
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name() != tt.wantName || p.Model() != tt.wantModel {
				t.Errorf("provider %s/%s, want %s/%s", p.Name(), p.Model(), tt.wantName, tt.wantModel)
			}
			got, err := askAI(t, p)
			if err != nil || got != "hello" {
				t.Errorf("answer %q, %v", got, err)
			}
		})
	}
}

// TestAIKeyFromVaultAndEnv: the key reaches the provider's header from
// the vault (mydba ai setup) or the environment, and never an error or a
// log line, even when the provider echoes it back.
func TestAIKeyFromVaultAndEnv(t *testing.T) {
	ok := newAIFake(t, 0)
	refused := newAIFake(t, http.StatusUnauthorized)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	cfg := func(url string) ai.Config {
		return ai.Config{Endpoints: []ai.EndpointConfig{{Kind: ai.KindOpenAI, BaseURL: url + "/v1", Model: "gpt-test"}}}
	}
	w := openAIWB(t, AIOptions{Config: cfg(ok.srv.URL), Logger: logger})
	ctx := context.Background()
	if _, err := w.AIProvider(); !errors.Is(err, dba.ErrAuth) || strings.Contains(err.Error(), aiTestKey) {
		t.Fatalf("no key: err = %v, want ErrAuth", err)
	}
	info, err := w.SetAIKey(ctx, "openai", "  "+aiTestKey+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(AIKeyInfo{Name: "openai", Backend: w.SecretBackend(), Configured: true}, info); diff != "" {
		t.Errorf("SetAIKey (-want +got):\n%s", diff)
	}
	p, err := w.AIProvider()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := askAI(t, p); err != nil || got != "hello" {
		t.Fatalf("answer %q, %v", got, err)
	}
	if diff := cmp.Diff([]string{"Bearer " + aiTestKey}, ok.seenAuth()); diff != "" {
		t.Errorf("Authorization (-want +got):\n%s", diff)
	}
	st, err := w.AIStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != "configured" || len(st.Providers) != 1 || st.Providers[0].Key != "stored" || st.Problem != "" {
		t.Errorf("status = %+v", st)
	}
	if b, _ := json.Marshal(st); bytes.Contains(b, []byte(aiTestKey)) {
		t.Errorf("status JSON contains the key: %s", b)
	}

	// A provider refusing the key echoes it; the error must not.
	w.opts.AI.Config = cfg(refused.srv.URL)
	p, err = w.AIProvider()
	if err != nil {
		t.Fatal(err)
	}
	_, err = askAI(t, p)
	if !errors.Is(err, dba.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), aiTestKey) || strings.Contains(err.Error(), "sk-test") {
		t.Errorf("error shows the key: %v", err)
	}

	// The environment's key wins over the stored one.
	w.opts.AI.Config = cfg(ok.srv.URL)
	w.opts.AI.Getenv = envOf(map[string]string{ai.EnvAPIKey: "sk-env-0123456789"})
	p, err = w.AIProvider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := askAI(t, p); err != nil {
		t.Fatal(err)
	}
	if got := ok.seenAuth(); got[len(got)-1] != "Bearer sk-env-0123456789" {
		t.Errorf("Authorization = %q, want the environment's key", got[len(got)-1])
	}
	st, _ = w.AIStatus(ctx)
	if st.Providers[0].Key != "environment (MYDBA_AI_API_KEY)" {
		t.Errorf("key source = %q", st.Providers[0].Key)
	}

	w.opts.AI.Getenv = nil
	if info, err := w.DeleteAIKey(ctx, "openai"); err != nil || !info.Deleted {
		t.Fatalf("DeleteAIKey = %+v, %v", info, err)
	}
	if _, err := w.DeleteAIKey(ctx, "openai"); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
	if _, err := w.AIProvider(); !errors.Is(err, dba.ErrAuth) {
		t.Errorf("after delete: err = %v, want ErrAuth", err)
	}
	if strings.Contains(logs.String(), aiTestKey) || strings.Contains(logs.String(), "sk-env-0123456789") {
		t.Errorf("log shows a key:\n%s", logs.String())
	}
}

func TestSetAIKeyRejects(t *testing.T) {
	w := openAIWB(t, AIOptions{})
	for _, tt := range []struct{ name, key string }{
		{"", aiTestKey},
		{"Open AI", aiTestKey},
		{"../x", aiTestKey},
		{"openai", ""},
		{"openai", "sk-a b"},
		{"openai", "sk-a\x00b"},
	} {
		if _, err := w.SetAIKey(context.Background(), tt.name, tt.key); !errors.Is(err, dba.ErrInvalid) {
			t.Errorf("SetAIKey(%q, %q) err = %v, want ErrInvalid", tt.name, tt.key, err)
		}
	}
	if _, ok, _ := w.store.Setting(context.Background(), aiSettingKeyRef("openai")); ok {
		t.Error("a rejected key was recorded")
	}
}

// TestAIFallbackChain: the primary refuses (401, not retried) and the
// configured fallback answers; the breaker of each provider is kept
// across calls.
func TestAIFallbackChain(t *testing.T) {
	refused := newAIFake(t, http.StatusUnauthorized)
	ok := newAIFake(t, 0)
	w := openAIWB(t, AIOptions{Config: ai.Config{Endpoints: []ai.EndpointConfig{
		{Kind: ai.KindOpenAI, BaseURL: refused.srv.URL + "/v1", Model: "gpt-test", APIKey: aiTestKey},
		{Kind: ai.KindVLLM, Name: "local", BaseURL: ok.srv.URL + "/v1", Model: "qwen"},
	}}})
	p, err := w.AIProvider()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := askAI(t, p); err != nil || got != "hello" {
		t.Fatalf("answer %q, %v", got, err)
	}
	if len(refused.seenAuth()) != 1 || len(ok.seenAuth()) != 1 {
		t.Errorf("calls: primary %d, fallback %d; want 1 and 1", len(refused.seenAuth()), len(ok.seenAuth()))
	}
	b1 := w.aiBreaker("openai")
	if b2 := w.aiBreaker("openai"); b1 != b2 {
		t.Error("breaker not kept across calls")
	}
	st, err := w.AIStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, p := range st.Providers {
		roles = append(roles, p.Role+" "+p.Name+" "+p.Key)
	}
	if diff := cmp.Diff([]string{"primary openai environment (MYDBA_AI_API_KEY)", "fallback 1 local not needed"}, roles); diff != "" {
		t.Errorf("status providers (-want +got):\n%s", diff)
	}
}

func TestAIStatusModes(t *testing.T) {
	f := newAIFake(t, 0)
	tests := []struct {
		name string
		o    AIOptions
		mode string
		prob bool
	}{
		{"none", AIOptions{}, "none", false},
		{"off", AIOptions{Config: ai.Config{Off: true}}, "off", false},
		{"detected", AIOptions{Config: ai.Config{AutoDetect: true}, DetectURL: f.srv.URL}, "auto-detected", false},
		{"missing key", AIOptions{Getenv: envOf(map[string]string{ai.EnvProvider: "openai", ai.EnvModel: "gpt"})}, "configured", true},
		{"bad env", AIOptions{Getenv: envOf(map[string]string{ai.EnvProvider: "bogus"})}, "none", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := openAIWB(t, tt.o).AIStatus(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode != tt.mode || (st.Problem != "") != tt.prob {
				t.Errorf("mode %q problem %q; want %q, problem %v", st.Mode, st.Problem, tt.mode, tt.prob)
			}
			if st.KnowledgeBase.Entries < 150 {
				t.Errorf("knowledge base has %d entries", st.KnowledgeBase.Entries)
			}
		})
	}
}
