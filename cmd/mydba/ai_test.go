package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/workbench"
)

const cliAIKey = "sk-cli-test-9f8e7d6c5b4a3210"

// aiCLI is an isolated mydba with an [ai] section in its config file.
func aiCLI(t *testing.T, section string) *cli {
	c := newCLI(t)
	if err := os.WriteFile(filepath.Join(c.env["MYDBA_HOME"], "config.toml"), []byte(section), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// stable replaces the per-test state directory in output.
func (c *cli) stable(s string) string {
	return strings.ReplaceAll(s, c.env["MYDBA_HOME"], "$MYDBA_HOME")
}

func TestAIStatusNoProvider(t *testing.T) {
	c := aiCLI(t, "[ai]\nauto_detect = false\n")
	golden(t, "ai-status-none", c.ok("", "ai", "status"))
	c.env["MYDBA_AI_PROVIDER"] = "none"
	out := c.ok("", "ai", "status", "-o", "json")
	var st struct {
		Mode      string `json:"mode"`
		Providers []any  `json:"providers"`
		KB        struct {
			Entries int `json:"entries"`
		} `json:"knowledge_base"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if st.Mode != "off" || st.Providers == nil || len(st.Providers) != 0 || st.KB.Entries < 150 {
		t.Errorf("status = %+v", st)
	}
}

func TestAISetupAndStatus(t *testing.T) {
	c := aiCLI(t, `[ai]
provider = "openai"
model = "gpt-4o-mini"
auto_detect = false

[[ai.fallback]]
provider = "ollama"
model = "llama3.2"
`)
	golden(t, "ai-status-missing-key", c.ok("", "ai", "status"))
	out := c.ok(cliAIKey+"\n", "ai", "setup", "--api-key-stdin")
	golden(t, "ai-setup", c.stable(out))
	st := c.ok("", "ai", "status")
	golden(t, "ai-status", st)
	js := c.ok("", "ai", "status", "-o", "json")
	for _, o := range []string{out, st, js} {
		if strings.Contains(o, cliAIKey) {
			t.Errorf("output shows the key:\n%s", o)
		}
	}
	// A key for a provider that is not configured (yet) is kept, with a note.
	out = c.ok("sk-ant-0123456789abcdef\n", "ai", "setup", "--provider", "anthropic", "--api-key-stdin")
	if !strings.Contains(out, `no provider named "anthropic" is configured yet`) {
		t.Errorf("setup for an unconfigured provider:\n%s", out)
	}
	out = c.ok("", "ai", "setup", "--provider", "anthropic", "--delete-key")
	if !strings.Contains(out, "API key for anthropic deleted") {
		t.Errorf("delete:\n%s", out)
	}
}

func TestAISetupErrors(t *testing.T) {
	tests := []struct {
		name, config, stdin string
		args                []string
		env                 map[string]string
		want                string
	}{
		{name: "no mode", args: []string{"ai", "setup", "--provider", "openai"}, want: "exactly one of"},
		{name: "two modes", stdin: cliAIKey, args: []string{"ai", "setup", "--provider", "openai", "--api-key-stdin", "--delete-key"}, want: "exactly one of"},
		{name: "key as a flag value", args: []string{"ai", "setup", "--api-key", cliAIKey}, want: "unknown flag"},
		{name: "empty stdin", args: []string{"ai", "setup", "--provider", "openai", "--api-key-stdin"}, want: "stdin is empty"},
		{name: "blank key", stdin: "  \n", args: []string{"ai", "setup", "--provider", "openai", "--api-key-stdin"}, want: "the API key is empty"},
		{name: "no provider to default to", stdin: cliAIKey, args: []string{"ai", "setup", "--api-key-stdin"}, want: "name the one the key is for with --provider"},
		{name: "bad name", stdin: cliAIKey, args: []string{"ai", "setup", "--provider", "Open AI", "--api-key-stdin"}, want: "AI provider name"},
		{name: "prompt without a terminal", args: []string{"ai", "setup", "--provider", "openai", "--ask-api-key"}, want: "not a terminal"},
		{name: "delete nothing", args: []string{"ai", "setup", "--provider", "openai", "--delete-key"}, want: "no API key is stored"},
		{name: "bad config", config: "[ai]\nprovider = \"opnai\"\n", args: []string{"ai", "status"}, want: "did you mean openai"},
		{name: "bad env shows in status", env: map[string]string{"MYDBA_AI_PROVIDER": "bogus"}, args: []string{"ai", "status"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := aiCLI(t, orString(tt.config, "[ai]\nauto_detect = false\n"))
			for k, v := range tt.env {
				c.env[k] = v
			}
			r := c.run(tt.stdin, tt.args...)
			if tt.want == "" {
				if r.code != 0 || !strings.Contains(r.stdout, "unknown AI provider") {
					t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				return
			}
			if r.code == 0 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want a failure containing %q", r.code, r.stderr, tt.want)
			}
			if strings.Contains(r.stdout+r.stderr, cliAIKey) {
				t.Errorf("output shows the key")
			}
		})
	}
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// aiTestServer answers OpenAI-compatible streaming requests with "OK" when
// the bearer key is right, and 401 otherwise; it keeps what it was sent.
func aiTestServer(t *testing.T, key string) (url string, bodies func() []string) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided: `+r.Header.Get("Authorization")+`","type":"invalid_request_error"}}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"OK\"}}]}\n\n")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1", func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

func TestAITest(t *testing.T) {
	goodURL, goodBodies := aiTestServer(t, cliAIKey)
	badURL, _ := aiTestServer(t, "sk-some-other-key-0000000000")
	c := aiCLI(t, fmt.Sprintf(`[ai]
provider = "openai"
name = "good"
base_url = %q
model = "fake-model"
auto_detect = false

[[ai.fallback]]
provider = "openai"
name = "wrong-key"
base_url = %q
model = "fake-model"
`, goodURL, badURL))
	c.env["MYDBA_AI_API_KEY"] = ""
	c.ok(cliAIKey+"\n", "ai", "setup", "--provider", "good", "--api-key-stdin")
	c.ok(cliAIKey+"\n", "ai", "setup", "--provider", "wrong-key", "--api-key-stdin")
	r := c.run("", "ai", "test", "-o", "json")
	if r.code != exitError || !strings.Contains(r.stderr, "1 of 2 AI providers failed the test") {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	var res []workbench.AIProviderTest
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(res) != 2 || !res[0].OK || res[0].Answer != "OK" || res[0].Role != "primary" || res[0].Total <= 0 || res[0].Usage == nil ||
		res[1].OK || res[1].Role != "fallback 1" || !strings.Contains(res[1].Error, "401") {
		t.Errorf("results %+v", res)
	}
	for _, o := range []string{r.stdout, r.stderr} {
		if strings.Contains(o, cliAIKey) {
			t.Errorf("the key is shown:\n%s", o)
		}
	}
	// The prompt is the fixed one: nothing of the user's.
	for _, b := range goodBodies() {
		if !strings.Contains(b, "Reply with the single word OK.") || strings.Contains(b, "127.0.0.1") {
			t.Errorf("sent: %s", b)
		}
	}
	table := c.run("", "ai", "test")
	if !strings.Contains(table.stdout, "primary") || !strings.Contains(table.stdout, "failed") || !strings.Contains(table.stdout, "ANSWER OR ERROR") {
		t.Errorf("table:\n%s", table.stdout)
	}
	if r := c.run("", "ai", "test", "--max-time", "0s"); r.code != exitUsage {
		t.Errorf("--max-time 0: exit %d %s", r.code, r.stderr)
	}
	// A provider that never answers is given up at --max-time.
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hang)
	sc := aiCLI(t, fmt.Sprintf("[ai]\nprovider = \"ollama\"\nbase_url = %q\nmodel = \"m\"\nauto_detect = false\n", slow.URL+"/v1"))
	start := time.Now()
	r = sc.run("", "ai", "test", "--max-time", "1s")
	if r.code == 0 || !strings.Contains(r.stdout, "no complete answer within 1s") || time.Since(start) > 10*time.Second {
		t.Errorf("silent provider: exit %d after %s\n%s%s", r.code, time.Since(start), r.stdout, r.stderr)
	}
	none := aiCLI(t, "[ai]\nauto_detect = false\n")
	if r := none.run("", "ai", "test"); r.code == 0 || !strings.Contains(r.stderr, "nothing to test") {
		t.Errorf("no provider: exit %d %s", r.code, r.stderr)
	}
}
