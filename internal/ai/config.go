package ai

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Config is the AI configuration: the [ai] section of the config file,
// with the MYDBA_AI_* environment overrides applied by WithEnv. It holds
// no secret except APIKey from the environment; stored keys are named by
// reference and read from the secret vault when a provider is built.
type Config struct {
	// Endpoints in order of preference: the primary provider, then the
	// fallbacks tried when it fails before answering.
	Endpoints []EndpointConfig
	// AutoDetect probes a local Ollama (OllamaURL) when no endpoint is
	// configured. The config file defaults it to on.
	AutoDetect bool
	// Off is provider = "none": no provider and no auto-detection, even
	// when an Ollama runs locally.
	Off bool
}

// EndpointConfig is one configured provider.
type EndpointConfig struct {
	Kind Kind `json:"kind"`
	// Name labels the provider (default the kind); stored keys are filed
	// under it, so two endpoints of one kind need two names.
	Name       string `json:"name,omitempty"`
	BaseURL    string `json:"base_url,omitempty"`
	Model      string `json:"model,omitempty"`
	APIVersion string `json:"api_version,omitempty"`
	// APIKeyRef is a secret-vault reference ("keyring:..." or "file:...")
	// to read the key from; "" means the key `mydba ai setup` stored
	// under Name, if any.
	APIKeyRef string `json:"api_key_ref,omitempty"`
	// APIKey comes from MYDBA_AI_API_KEY (primary endpoint only). It is
	// never printed or serialised.
	APIKey    string        `json:"-"`
	Timeout   time.Duration `json:"timeout,omitempty"`
	MaxTokens int           `json:"max_tokens,omitempty"`
}

// Label is the endpoint's name, defaulting to its kind.
func (e EndpointConfig) Label() string {
	if e.Name != "" {
		return e.Name
	}
	return string(e.Kind)
}

// The environment variables that override the configuration.
const (
	EnvProvider = "MYDBA_AI_PROVIDER"
	EnvBaseURL  = "MYDBA_AI_BASE_URL"
	EnvModel    = "MYDBA_AI_MODEL"
	EnvAPIKey   = "MYDBA_AI_API_KEY"
)

var labelRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]{0,39}$`)

// CheckLabel validates an endpoint name: it becomes part of secret names
// and settings keys, so it is kept to a small alphabet.
func CheckLabel(s string) error {
	if !labelRE.MatchString(s) {
		return fmt.Errorf("%w: AI provider name %q: want lower-case letters, digits, '-' or '_' (at most 40)", dba.ErrInvalid, s)
	}
	return nil
}

// Check validates the configuration without contacting anything: known
// kinds, valid names and base URLs, no name used twice, no "none" among
// several endpoints.
func (c Config) Check() error {
	seen := map[string]bool{}
	for i, e := range c.Endpoints {
		if _, err := ParseKind(string(e.Kind)); err != nil {
			return err
		}
		if e.Kind == KindNone {
			return fmt.Errorf("%w: provider \"none\" cannot be one of several providers", dba.ErrInvalid)
		}
		if err := CheckLabel(e.Label()); err != nil {
			return err
		}
		if seen[e.Label()] {
			what := "a fallback"
			if i == 0 {
				what = "the primary"
			}
			return fmt.Errorf("%w: AI provider name %q is used twice (%s); give each endpoint its own name", dba.ErrInvalid, e.Label(), what)
		}
		seen[e.Label()] = true
		if e.BaseURL != "" {
			if _, err := checkBaseURL(e.Kind, e.BaseURL); err != nil {
				return err
			}
		}
		if e.APIKeyRef != "" && !strings.HasPrefix(e.APIKeyRef, "keyring:") && !strings.HasPrefix(e.APIKeyRef, "file:") {
			return fmt.Errorf("%w: AI provider %s: api_key_ref must be a secret reference (keyring:NAME or file:NAME), not the key; store keys with `mydba ai setup`", dba.ErrInvalid, e.Label())
		}
		if e.Timeout < 0 || e.MaxTokens < 0 {
			return fmt.Errorf("%w: AI provider %s: timeout and max_tokens must not be negative", dba.ErrInvalid, e.Label())
		}
	}
	return nil
}

// WithEnv applies the environment overrides. MYDBA_AI_PROVIDER picks the
// primary provider: "none" switches AI off; another kind moves the
// configured endpoint of that kind first, or puts a new one with the
// kind's defaults first (the other endpoints stay as fallbacks).
// MYDBA_AI_BASE_URL, MYDBA_AI_MODEL and MYDBA_AI_API_KEY then set the
// primary's URL, model and key. Setting them without any provider is an
// error rather than a silent no-op.
func (c Config) WithEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		return c, c.Check()
	}
	c.Endpoints = append([]EndpointConfig(nil), c.Endpoints...)
	if p := strings.TrimSpace(getenv(EnvProvider)); p != "" {
		k, err := ParseKind(p)
		if err != nil {
			return c, fmt.Errorf("%s: %w", EnvProvider, err)
		}
		if k == KindNone {
			return Config{Off: true}, nil
		}
		c.Off = false
		at := -1
		for i, e := range c.Endpoints {
			if e.Kind == k {
				at = i
				break
			}
		}
		if at < 0 {
			c.Endpoints = append([]EndpointConfig{{Kind: k}}, c.Endpoints...)
			// A name the new primary would share with a fallback of the
			// same label keeps them apart.
			for _, e := range c.Endpoints[1:] {
				if e.Label() == string(k) {
					c.Endpoints[0].Name = string(k) + "-env"
				}
			}
		} else {
			e := c.Endpoints[at]
			c.Endpoints = append(c.Endpoints[:at], c.Endpoints[at+1:]...)
			c.Endpoints = append([]EndpointConfig{e}, c.Endpoints...)
		}
	}
	over := map[string]*string{}
	if len(c.Endpoints) > 0 {
		p := &c.Endpoints[0]
		over = map[string]*string{EnvBaseURL: &p.BaseURL, EnvModel: &p.Model, EnvAPIKey: &p.APIKey}
	}
	for _, name := range []string{EnvBaseURL, EnvModel, EnvAPIKey} {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			continue
		}
		if c.Off {
			continue // AI is off in the config; the override has nothing to act on
		}
		dst, ok := over[name]
		if !ok {
			return c, fmt.Errorf("%w: %s is set but no AI provider is: set %s (openai, anthropic, ollama, ...) or [ai] provider", dba.ErrInvalid, name, EnvProvider)
		}
		*dst = v
	}
	return c, c.Check()
}
