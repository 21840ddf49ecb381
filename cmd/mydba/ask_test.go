package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mydba/mydba/internal/workbench"
)

// cliFakeAI speaks the OpenAI-compatible streaming wire format and answers
// every request with the same text, keeping the request bodies.
type cliFakeAI struct {
	mu     sync.Mutex
	answer string
	bodies []string
}

func (f *cliFakeAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(raw))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	for i := 0; i < len(f.answer); i += 5 {
		b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": f.answer[i:min(i+5, len(f.answer))]}}}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		w.(http.Flusher).Flush()
	}
	fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
}

// withFakeAI points the CLI's provider at a fake.
func withFakeAI(t *testing.T, c *cli, answer string) *cliFakeAI {
	t.Helper()
	f := &cliFakeAI{answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c.env["MYDBA_AI_PROVIDER"] = "openai"
	c.env["MYDBA_AI_BASE_URL"] = srv.URL + "/v1"
	c.env["MYDBA_AI_MODEL"] = "fake-model"
	c.env["MYDBA_AI_API_KEY"] = "sk-cli-test"
	return f
}

func TestAskBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing asked", []string{"ask"}, "ask a question"},
		{"two kinds", []string{"ask", "--variable", "x", "--locks"}, "give one of"},
		{"run without sql", []string{"ask", "q", "--run"}, "use it with --sql"},
		{"allow-data without schema", []string{"ask", "q", "--allow-data"}, "--schema only"},
		{"variable without a connection", []string{"ask", "--variable", "max_connections"}, "needs a connection"},
		{"sql without a question", []string{"ask", "--sql", "-c", "x"}, "needs the question"},
		{"explain --ai with --analyze", []string{"explain", "--ai", "--analyze", "SELECT 1"}, "does not go with"},
		{"optimize apply alone", []string{"optimize", "--apply", "SELECT 1"}, "--apply goes with"},
		{"optimize try and proposal", []string{"optimize", "--try", "1", "--proposal", "SELECT 2", "SELECT 1"}, "not both"},
		{"optimize negative try", []string{"optimize", "--try", "-1", "SELECT 1"}, "from 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			c.env["MYDBA_AI_PROVIDER"] = "none"
			r := c.run("", tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want usage error with %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

// Without a provider, ask gives the knowledge base's references, labelled,
// and no AI text.
func TestAskNoProviderCLI(t *testing.T) {
	c := newCLI(t)
	c.env["MYDBA_AI_PROVIDER"] = "none"
	out := c.ok("", "ask", "what does innodb_buffer_pool_size control?")
	if !strings.Contains(out, workbench.NoProviderLabel) || !strings.Contains(out, "references (") || !strings.Contains(out, "[1]") {
		t.Errorf("output:\n%s", out)
	}
	var ans workbench.Answer
	if err := json.Unmarshal([]byte(c.ok("", "ask", "-o", "json", "what is a gap lock?")), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.Mode != workbench.ModeNoProvider || ans.Text != "" || len(ans.Citations) == 0 {
		t.Errorf("answer: %+v", ans)
	}
	out = c.ok("", "ask", "--prompt-only", "what is a gap lock?")
	if !strings.Contains(out, "--- prompt: system ---") || !strings.Contains(out, "Question: what is a gap lock?") || !strings.Contains(out, "prompt only") {
		t.Errorf("prompt only:\n%s", out)
	}
}

// explain --ai and optimize with a provider: the answer streams, control
// characters from the model are dropped, proposals are listed, and a
// rewrite is tried with EXPLAIN before and after.
func TestExplainAIAndOptimizeCLI(t *testing.T) {
	c, dsn := queryCLI(t)
	fake := withFakeAI(t, c, "Scan [P1], see [1].\x1b]0;pwned\x07\n```sql\nSELECT id FROM orders WHERE status = @v1 LIMIT 10\n```\n")
	sql := "SELECT * FROM orders WHERE status = 'paid-secret' ORDER BY created_at"
	out := c.ok("", "--dsn", dsn, "explain", "--ai", sql)
	if !strings.Contains(out, "Scan [P1], see [1].") || strings.Contains(out, "\x1b") || !strings.Contains(out, "AI answer (openai, fake-model)") {
		t.Errorf("explain --ai:\n%q", out)
	}
	if !strings.Contains(out, "WHERE status = 'paid-secret' LIMIT 10") {
		t.Errorf("proposal not listed with its value restored:\n%s", out)
	}
	for _, b := range fake.bodies {
		if strings.Contains(b, "paid-secret") || strings.Contains(b, "127.0.0.1") || strings.Contains(b, "sk-cli-test") {
			t.Errorf("sent: %s", b)
		}
	}
	out = c.ok("", "--dsn", dsn, "optimize", sql, "--try", "2")
	if !strings.Contains(out, "tried:") || !strings.Contains(out, "rewrite: SELECT id FROM orders") {
		t.Errorf("optimize --try:\n%s", out)
	}
	r := c.run("", "--dsn", dsn, "optimize", sql, "--try", "9")
	if r.code != exitUsage || !strings.Contains(r.stderr, "has 2 proposals") {
		t.Errorf("try out of range: %d %s", r.code, r.stderr)
	}
	r = c.run("", "--dsn", dsn, "optimize", sql, "--proposal", "DELETE FROM orders")
	if r.code != exitUsage || !strings.Contains(r.stderr, "only rewrites") {
		t.Errorf("a write tried: %d %s", r.code, r.stderr)
	}
	out = c.ok("", "--dsn", dsn, "ask", "--show-prompt", "--variable", "max_connections")
	if !strings.Contains(out, "[V:max_connections] value=") {
		t.Errorf("show-prompt:\n%s", out)
	}
}
