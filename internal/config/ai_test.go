package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/dba"
)

func TestLoadAI(t *testing.T) {
	tests := []struct {
		name string
		body string // "" means no file
		want ai.Config
	}{
		{name: "no file", want: ai.Config{AutoDetect: true}},
		{name: "no section", body: "[history]\nmax_entries = 5\n", want: ai.Config{AutoDetect: true}},
		{name: "auto-detect off", body: "[ai]\nauto_detect = false\n", want: ai.Config{}},
		{name: "none", body: "[ai]\nprovider = \"none\"\n", want: ai.Config{Off: true}},
		{name: "primary and fallbacks", body: `
[ai]
provider = "Azure"
base_url = "https://contoso.openai.azure.com"
model = "gpt4o-deploy"
api_version = "2024-10-21"
timeout = "90s"
max_tokens = 2048
auto_detect = false

[[ai.fallback]]
provider = "anthropic"
model = "claude-sonnet-4-5"
api_key_ref = "keyring:ai-anthropic/api-key"

[[ai.fallback]]
provider = "ollama"
name = "gpu-box"
base_url = "http://10.0.0.7:11434"
`, want: ai.Config{Endpoints: []ai.EndpointConfig{
			{Kind: ai.KindAzure, BaseURL: "https://contoso.openai.azure.com", Model: "gpt4o-deploy", APIVersion: "2024-10-21", Timeout: 90 * time.Second, MaxTokens: 2048},
			{Kind: ai.KindAnthropic, Model: "claude-sonnet-4-5", APIKeyRef: "keyring:ai-anthropic/api-key"},
			{Kind: ai.KindOllama, Name: "gpu-box", BaseURL: "http://10.0.0.7:11434"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "absent.toml")
			if tt.body != "" {
				path = write(t, tt.body)
			}
			c, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.AI); diff != "" {
				t.Errorf("AI (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadAIErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{"[ai]\nprovider = \"opnai\"\n", `did you mean openai`},
		{"[ai]\nmodel = \"x\"\n", "no provider"},
		{"[ai]\nprovider = \"openai\"\ntimeout = \"0s\"\n", "ai.timeout"},
		{"[ai]\nprovider = \"openai\"\ntimeout = \"soon\"\n", "ai.timeout"},
		{"[ai]\nprovider = \"openai\"\nmax_tokens = 0\n", "max_tokens"},
		{"[ai]\nprovider = \"openai\"\nbase_url = \"https://u:p@api.example.com\"\n", "must not contain credentials"},
		{"[ai]\nprovider = \"openai\"\nbase_url = \"api.example.com\"\n", "absolute http or https"},
		{"[ai]\nprovider = \"openai\"\napi_key = \"sk-123\"\n", "unknown key ai.api_key"},
		{"[ai]\nprovider = \"openai\"\nname = \"Big Model\"\n", "provider name"},
		{"[ai]\nprovider = \"none\"\n[[ai.fallback]]\nprovider = \"ollama\"\n", `"none" but fallbacks`},
		{"[[ai.fallback]]\nprovider = \"ollama\"\n", "needs a primary"},
		{"[ai]\nprovider = \"openai\"\n[[ai.fallback]]\nmodel = \"x\"\n", "ai.fallback[1]: no provider"},
		{"[ai]\nprovider = \"openai\"\n[[ai.fallback]]\nprovider = \"none\"\n", `"none" cannot be one of several`},
		{"[ai]\nprovider = \"ollama\"\n[[ai.fallback]]\nprovider = \"ollama\"\n", "used twice"},
		{"[ai]\nprovider = \"openai\"\napi_key_ref = \"sk-live-123\"\n", "must be a secret reference"},
	}
	for _, tt := range tests {
		_, err := Load(write(t, tt.body))
		if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want ErrInvalid containing %q", tt.body, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "sk-") {
			t.Errorf("%q: the error repeats a key: %v", tt.body, err)
		}
	}
}

func TestAIWithEnv(t *testing.T) {
	file := ai.Config{AutoDetect: true, Endpoints: []ai.EndpointConfig{
		{Kind: ai.KindOpenAI, Model: "gpt-4o-mini"},
		{Kind: ai.KindOllama, Model: "llama3.2"},
	}}
	tests := []struct {
		name    string
		cfg     ai.Config
		env     map[string]string
		want    ai.Config
		wantErr string
	}{
		{name: "no env", cfg: file, want: file},
		{name: "model and key to the primary", cfg: file, env: map[string]string{ai.EnvModel: "gpt-4.1", ai.EnvAPIKey: "sk-x", ai.EnvBaseURL: "https://proxy.example.com/v1"},
			want: ai.Config{AutoDetect: true, Endpoints: []ai.EndpointConfig{
				{Kind: ai.KindOpenAI, Model: "gpt-4.1", APIKey: "sk-x", BaseURL: "https://proxy.example.com/v1"},
				{Kind: ai.KindOllama, Model: "llama3.2"},
			}}},
		{name: "provider moves the configured one first", cfg: file, env: map[string]string{ai.EnvProvider: "OLLAMA"},
			want: ai.Config{AutoDetect: true, Endpoints: []ai.EndpointConfig{
				{Kind: ai.KindOllama, Model: "llama3.2"},
				{Kind: ai.KindOpenAI, Model: "gpt-4o-mini"},
			}}},
		{name: "new provider goes first", cfg: file, env: map[string]string{ai.EnvProvider: "anthropic", ai.EnvModel: "claude"},
			want: ai.Config{AutoDetect: true, Endpoints: []ai.EndpointConfig{
				{Kind: ai.KindAnthropic, Model: "claude"},
				{Kind: ai.KindOpenAI, Model: "gpt-4o-mini"},
				{Kind: ai.KindOllama, Model: "llama3.2"},
			}}},
		{name: "none", cfg: file, env: map[string]string{ai.EnvProvider: "none", ai.EnvModel: "x"}, want: ai.Config{Off: true}},
		{name: "env provider beats config none", cfg: ai.Config{Off: true}, env: map[string]string{ai.EnvProvider: "ollama"},
			want: ai.Config{Endpoints: []ai.EndpointConfig{{Kind: ai.KindOllama}}}},
		{name: "config none ignores a model", cfg: ai.Config{Off: true}, env: map[string]string{ai.EnvModel: "x"}, want: ai.Config{Off: true}},
		{name: "key without provider", cfg: ai.Config{AutoDetect: true}, env: map[string]string{ai.EnvAPIKey: "sk-x"}, wantErr: "MYDBA_AI_API_KEY is set but no AI provider"},
		{name: "unknown provider", cfg: file, env: map[string]string{ai.EnvProvider: "antropic"}, wantErr: "did you mean anthropic"},
		{name: "bad base url", cfg: file, env: map[string]string{ai.EnvBaseURL: "ftp://x"}, wantErr: "absolute http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.WithEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrInvalid containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "sk-x") {
					t.Errorf("error shows the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// WithEnv must not alter the configuration it was called on.
	if file.Endpoints[0].Model != "gpt-4o-mini" {
		t.Error("WithEnv changed its receiver")
	}
}
