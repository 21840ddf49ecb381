package ai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// OllamaURL is where a local Ollama listens by default.
const OllamaURL = "http://127.0.0.1:11434"

// DetectTimeout bounds the probe for a local Ollama: it runs when no
// provider is configured, so a machine without Ollama must not wait.
const DetectTimeout = 400 * time.Millisecond

// DetectOllama asks the Ollama at baseURL (default OllamaURL) for its
// models with GET /api/tags and returns their names, most recently
// modified first as Ollama lists them. An error means no usable Ollama
// answered: not running, not Ollama, or no models pulled.
func DetectOllama(ctx context.Context, client *http.Client, baseURL string) ([]string, error) {
	if baseURL == "" {
		baseURL = OllamaURL
	}
	u, err := checkBaseURL(KindOllama, baseURL)
	if err != nil {
		return nil, err
	}
	u.Path += "/api/tags"
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, DetectTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("ollama: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ollama: not answering at %s: %s", u.Host, rootCause(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("ollama: %s answered HTTP %d to /api/tags", u.Host, resp.StatusCode)
	}
	var v struct {
		Models []struct {
			Name  string `json:"name"`
			Model string `json:"model"`
		} `json:"models"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&v); err != nil || v.Models == nil {
		return nil, fmt.Errorf("ollama: %s does not look like Ollama (no model list)", u.Host)
	}
	names := make([]string, 0, len(v.Models))
	for _, m := range v.Models {
		n := m.Name
		if n == "" {
			n = m.Model
		}
		if n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("ollama: running at %s but has no models; pull one with `ollama pull llama3.2`", u.Host)
	}
	return names, nil
}
