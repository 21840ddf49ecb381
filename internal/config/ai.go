package config

import (
	"fmt"
	"time"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/dba"
)

// The [ai] section:
//
//	[ai]
//	provider = "anthropic"        # openai, azure, anthropic, ollama, lmstudio, vllm, none
//	model = "claude-sonnet-4-5"
//	# name, base_url, api_version (Azure), api_key_ref, timeout, max_tokens
//	auto_detect = true            # probe a local Ollama when no provider is set
//
//	[[ai.fallback]]               # tried in order when the primary fails
//	provider = "ollama"
//	model = "llama3.2"
//
// The environment (MYDBA_AI_*) overrides it; see ai.Config.WithEnv.
type aiFile struct {
	aiEndpointFile
	AutoDetect *bool            `toml:"auto_detect"`
	Fallback   []aiEndpointFile `toml:"fallback"`
}

type aiEndpointFile struct {
	Provider   string  `toml:"provider"`
	Name       string  `toml:"name"`
	BaseURL    string  `toml:"base_url"`
	Model      string  `toml:"model"`
	APIVersion string  `toml:"api_version"`
	APIKeyRef  string  `toml:"api_key_ref"`
	Timeout    *string `toml:"timeout"`
	MaxTokens  *int    `toml:"max_tokens"`
}

// Bounds of an AI timeout: the wait for a first byte and between chunks.
const (
	minAITimeout = time.Second
	maxAITimeout = 10 * time.Minute
)

func defaultAI() ai.Config { return ai.Config{AutoDetect: true} }

func loadAI(path string, f aiFile) (ai.Config, error) {
	c := defaultAI()
	if f.AutoDetect != nil {
		c.AutoDetect = *f.AutoDetect
	}
	bad := func(key string, err error) error {
		return fmt.Errorf("%w: config %s: %s: %w", dba.ErrInvalid, path, key, err)
	}
	endpoint := func(key string, ef aiEndpointFile) (ai.EndpointConfig, error) {
		k, err := ai.ParseKind(ef.Provider)
		if err != nil {
			return ai.EndpointConfig{}, bad(key+".provider", err)
		}
		e := ai.EndpointConfig{Kind: k, Name: ef.Name, BaseURL: ef.BaseURL, Model: ef.Model, APIVersion: ef.APIVersion, APIKeyRef: ef.APIKeyRef}
		if ef.Timeout != nil {
			d, err := time.ParseDuration(*ef.Timeout)
			if err != nil || d < minAITimeout || d > maxAITimeout {
				return e, fmt.Errorf("%w: config %s: %s.timeout %q: want a duration from %s to %s", dba.ErrInvalid, path, key, *ef.Timeout, minAITimeout, maxAITimeout)
			}
			e.Timeout = d
		}
		if ef.MaxTokens != nil {
			if *ef.MaxTokens < 1 {
				return e, fmt.Errorf("%w: config %s: %s.max_tokens must be at least 1", dba.ErrInvalid, path, key)
			}
			e.MaxTokens = *ef.MaxTokens
		}
		return e, nil
	}
	primary := f.aiEndpointFile
	if primary == (aiEndpointFile{}) {
		if len(f.Fallback) > 0 {
			return c, fmt.Errorf("%w: config %s: [[ai.fallback]] needs a primary provider in [ai]", dba.ErrInvalid, path)
		}
		return c, nil
	}
	if primary.Provider == "" {
		return c, fmt.Errorf("%w: config %s: [ai] sets provider options but no provider", dba.ErrInvalid, path)
	}
	e, err := endpoint("ai", primary)
	if err != nil {
		return c, err
	}
	if e.Kind == ai.KindNone {
		if len(f.Fallback) > 0 {
			return c, fmt.Errorf("%w: config %s: ai.provider is \"none\" but fallbacks are configured", dba.ErrInvalid, path)
		}
		return ai.Config{Off: true}, nil
	}
	c.Endpoints = append(c.Endpoints, e)
	for i, ef := range f.Fallback {
		key := fmt.Sprintf("ai.fallback[%d]", i+1)
		if ef.Provider == "" {
			return c, fmt.Errorf("%w: config %s: %s: no provider", dba.ErrInvalid, path, key)
		}
		e, err := endpoint(key, ef)
		if err != nil {
			return c, err
		}
		c.Endpoints = append(c.Endpoints, e)
	}
	if err := c.Check(); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}
