package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/workbench"
)

// chatFakeAI speaks the OpenAI-compatible streaming wire format and
// answers every request with the same text, keeping the bodies.
type chatFakeAI struct {
	mu     sync.Mutex
	answer string
	bodies []string
}

func (f *chatFakeAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(raw))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	for i := 0; i < len(f.answer); i += 6 {
		b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": f.answer[i:min(i+6, len(f.answer))]}}}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		w.(http.Flusher).Flush()
		time.Sleep(2 * time.Millisecond)
	}
	fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
}

// chatAnswer carries HTML, a script and a proposal: the page must show
// the first two as text and the last as a button into the safety gate.
const chatAnswer = "Scan of orders [P1] <img src=x onerror=window.__xss=7> <script>window.__xss=8</script>, see [1].\n" +
	"```sql\nSELECT id, status FROM shop.orders WHERE status = 'paid'\n```\n" +
	"```sql\nCREATE INDEX ix_chat_status ON orders (status)\n```\n"

// chatAIOptions points a workbench's provider at a fake.
func chatAIOptions(t *testing.T, f *chatFakeAI) workbench.AIOptions {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	env := map[string]string{"MYDBA_AI_PROVIDER": "openai", "MYDBA_AI_BASE_URL": srv.URL + "/v1", "MYDBA_AI_MODEL": "fake-model", "MYDBA_AI_API_KEY": "sk-web-test"}
	return workbench.AIOptions{Getenv: func(k string) string { return env[k] }}
}

func newChatClient(t *testing.T, ai workbench.AIOptions) *queryClient {
	t.Helper()
	d := dbtest.LeastPriv(t)
	wb, err := workbench.Open(context.Background(), workbench.Options{StateDir: t.TempDir(), DisableKeyring: true, KeepConnections: true, AI: ai})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wb.Close() })
	s, err := New(wb, Options{Token: "tok-123"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.ln.Close() })
	pw, tgt := d.Password, d.Target
	tgt.Database = "shop"
	if _, err := wb.AddProfile(context.Background(), workbench.ProfileInput{Profile: dba.Profile{Name: "lp", Env: dba.EnvDev, Target: tgt}, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	return &queryClient{t: t, s: s}
}

// sseEvents reads a recorded event stream.
func sseEvents(t *testing.T, body string) (texts []string, done map[string]any, errMsg string) {
	t.Helper()
	for _, block := range strings.Split(body, "\n\n") {
		var name, data string
		for _, line := range strings.Split(block, "\n") {
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				name = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok {
				data += v
			}
		}
		switch name {
		case "text":
			var s string
			if err := json.Unmarshal([]byte(data), &s); err != nil {
				t.Fatalf("text event %q: %v", data, err)
			}
			texts = append(texts, s)
		case "done":
			if err := json.Unmarshal([]byte(data), &done); err != nil {
				t.Fatalf("done event: %v", err)
			}
		case "error":
			var e map[string]string
			_ = json.Unmarshal([]byte(data), &e)
			errMsg = e["message"]
		}
	}
	return texts, done, errMsg
}

func TestChatEndpoints(t *testing.T) {
	fake := &chatFakeAI{answer: chatAnswer}
	c := newChatClient(t, chatAIOptions(t, fake))
	w := c.do(http.MethodPost, "/c/lp/chat/send", url.Values{"message": {"/explain"}, "editor_sql": {"SELECT * FROM orders WHERE status = 'chat-secret'"}, "show_prompt": {"1"}})
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
		t.Fatalf("send: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	texts, done, errMsg := sseEvents(t, w.Body.String())
	if errMsg != "" || done == nil {
		t.Fatalf("error %q, done %v\n%s", errMsg, done, w.Body.String())
	}
	if got := strings.Join(texts, ""); got != chatAnswer {
		t.Errorf("streamed text:\n%q\nwant\n%q", got, chatAnswer)
	}
	html := done["html"].(string)
	for _, bad := range []string{"<img src=x", "<script>window.__xss"} {
		if strings.Contains(html, bad) {
			t.Errorf("model HTML rendered as HTML: %s", bad)
		}
	}
	if !strings.Contains(html, "&lt;img src=x") || !strings.Contains(html, `hx-post="/c/lp/change/preview"`) || !strings.Contains(html, "Exact payload sent") {
		t.Errorf("turn HTML:\n%s", html)
	}
	for _, b := range fake.bodies {
		if strings.Contains(b, "chat-secret") || strings.Contains(b, "127.0.0.1") {
			t.Errorf("sent: %s", b)
		}
	}
	id := int64(done["conversation"].(float64))
	page := c.do(http.MethodGet, fmt.Sprintf("/c/lp/chat?id=%d", id), nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "CREATE INDEX ix_chat_status ON orders (status)") || strings.Contains(page.Body.String(), "<img src=x") {
		t.Errorf("conversation page: %d", page.Code)
	}
	// A second message continues the conversation.
	w = c.do(http.MethodPost, "/c/lp/chat/send", url.Values{"message": {"and why?"}, "conversation": {fmt.Sprint(id)}})
	if _, done, _ := sseEvents(t, w.Body.String()); done == nil || int64(done["conversation"].(float64)) != id {
		t.Errorf("second turn: %s", w.Body.String())
	}
	tests := []struct{ name, path, msg, want string }{
		{"unknown command", "/c/lp/chat/send", "/explian SELECT 1", "did you mean /explain"},
		{"no statement", "/c/lp/chat/send", "/optimize", "needs a statement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := c.do(http.MethodPost, tt.path, url.Values{"message": {tt.msg}})
			if _, _, e := sseEvents(t, w.Body.String()); !strings.Contains(e, tt.want) {
				t.Errorf("error %q, want %q", e, tt.want)
			}
		})
	}
	if w := c.do(http.MethodPost, "/c/lp/chat/send", url.Values{"message": {"hi"}, "conversation": {"x"}}); w.Code != http.StatusBadRequest {
		t.Errorf("bad conversation id: %d", w.Code)
	}
	if w := c.do(http.MethodGet, "/c/lp/chat?id=999999", nil); w.Code != http.StatusNotFound {
		t.Errorf("missing conversation: %d", w.Code)
	}
	if w := c.do(http.MethodPost, fmt.Sprintf("/c/lp/chat/%d/delete", id), url.Values{}); w.Code != http.StatusSeeOther {
		t.Errorf("delete: %d", w.Code)
	}
	if w := c.do(http.MethodGet, fmt.Sprintf("/c/lp/chat?id=%d", id), nil); w.Code != http.StatusNotFound {
		t.Errorf("deleted conversation: %d", w.Code)
	}
}

// Without a provider the answer is the findings and citations, labelled.
func TestChatNoProvider(t *testing.T) {
	c := newChatClient(t, workbench.AIOptions{})
	w := c.do(http.MethodPost, "/c/lp/chat/send", url.Values{"message": {"/analyze SELECT * FROM orders WHERE note LIKE '%x'"}})
	_, done, errMsg := sseEvents(t, w.Body.String())
	if errMsg != "" || done == nil {
		t.Fatalf("error %q", errMsg)
	}
	html := done["html"].(string)
	if !strings.Contains(html, "no AI provider configured") || !strings.Contains(html, "LeadingWildcardLike") || !strings.Contains(html, `class="chat-refs"`) {
		t.Errorf("turn:\n%s", html)
	}
}

// startChatHarness is startHarness with the AI provider pointed at a fake
// and one connection, "sandbox".
func startChatHarness(t *testing.T, ai workbench.AIOptions) *harness {
	t.Helper()
	chrome := chromium(t)
	lp := dbtest.LeastPriv(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	wb, err := workbench.Open(ctx, workbench.Options{StateDir: t.TempDir(), DisableKeyring: true, KeepConnections: true, AI: ai})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wb.Close() })
	pw, tgt := lp.Password, lp.Target
	tgt.Database = "shop"
	if _, err := wb.AddProfile(ctx, workbench.ProfileInput{Profile: dba.Profile{Name: "sandbox", Env: dba.EnvDev, Target: tgt}, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	srv, err := New(wb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	serveForTest(t, ctx, cancel, srv)
	return openBrowser(t, ctx, chrome, srv)
}

// The chat panel in a browser: the answer streams in as text (model HTML
// never runs), the proposal's button opens the safety gate's dialog, the
// conversation survives a reload, and the page has no console error or
// CSP violation.
func TestChatPanelBrowser(t *testing.T) {
	fake := &chatFakeAI{answer: chatAnswer}
	hb := startChatHarness(t, chatAIOptions(t, fake))
	hb.run(
		chromedp.Navigate(hb.base+"/c/sandbox/chat"),
		chromedp.WaitVisible(chromedp.CSS("#chat-input")),
		chromedp.SetValue(chromedp.CSS("#chat-editor-sql"), "SELECT * FROM shop.orders WHERE status = 'paid'"),
		chromedp.SendKeys(chromedp.CSS("#chat-input"), "/optimize"),
		chromedp.Click(chromedp.CSS("#chat-send")),
		chromedp.WaitVisible(chromedp.CSS("#chat-log .review-proposal")),
	)
	if x := eval[string](hb, `String(window.__xss)`); x != "undefined" {
		t.Errorf("model HTML ran: __xss=%s", x)
	}
	if n := eval[int](hb, `document.querySelectorAll("#chat-log img, #chat-log script").length`); n != 0 {
		t.Errorf("model HTML rendered: %d elements", n)
	}
	if text := eval[string](hb, `document.querySelector("#chat-log .chat-text").textContent`); !strings.Contains(text, "<img src=x onerror=window.__xss=7>") {
		t.Errorf("answer text %q", text)
	}
	hb.shot("chat")
	// The plan advisor's own index comes first; the assistant's last.
	eval[bool](hb, `(() => { const b = document.querySelectorAll("#chat-log .review-proposal"); b[b.length - 1].click(); return true })()`)
	hb.run(chromedp.WaitVisible(chromedp.CSS("#change-dialog")))
	if dialog := eval[string](hb, `document.querySelector("#change-dialog").textContent`); !strings.Contains(dialog, "ix_chat_status") || !strings.Contains(dialog, "mydba:ai-proposal") {
		t.Errorf("dialog: %s", dialog)
	}
	if is := hb.takeIssues(); len(is) > 0 {
		t.Errorf("issues: %s", strings.Join(is, "\n"))
	}
	// The conversation is kept: reloading shows it.
	hb.run(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#chat-log .review-proposal")))
	if items := eval[int](hb, `document.querySelectorAll("#chat-conversations li").length`); items != 1 {
		t.Errorf("conversations listed: %d", items)
	}
	// Compare plans of the rewrite: a plain form POST (CSRF field, CSP
	// form-action), here in the same tab rather than a new one.
	eval[bool](hb, `(() => { const f = document.querySelector("#chat-log form.try-rewrite"); f.removeAttribute("target"); f.requestSubmit(); return true })()`)
	hb.run(chromedp.WaitVisible(chromedp.CSS(".plan-diff #diff-summary")))
	if sum := eval[string](hb, `document.querySelector("#diff-summary").textContent`); !strings.Contains(sum, "statement") || !strings.Contains(sum, "rewrite") {
		t.Errorf("plan diff summary: %s", sum)
	}
	if is := hb.takeIssues(); len(is) > 0 {
		t.Errorf("issues on the plan diff: %s", strings.Join(is, "\n"))
	}
}

// blockingAI starts an answer and holds it until released.
type blockingAI struct {
	started chan struct{}
	release chan struct{}
}

func (f *blockingAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"thinking\"}}]}\n\n")
	w.(http.Flusher).Flush()
	close(f.started)
	<-f.release
	fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
}

// A streamed answer may run for minutes: it must not hold one of the
// connection's request slots meanwhile, or the connection's other pages
// would wait for it.
func TestChatStreamHoldsNoSlot(t *testing.T) {
	fake := &blockingAI{started: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	env := map[string]string{"MYDBA_AI_PROVIDER": "openai", "MYDBA_AI_BASE_URL": srv.URL + "/v1", "MYDBA_AI_MODEL": "fake-model", "MYDBA_AI_API_KEY": "sk-web-test"}
	c := newChatClient(t, workbench.AIOptions{Getenv: func(k string) string { return env[k] }})
	c.s.opts.PerProfile = 1
	done := make(chan int, 1)
	go func() {
		done <- c.do(http.MethodPost, "/c/lp/chat/send", url.Values{"message": {"what is a covering index?"}}).Code
	}()
	select {
	case <-fake.started:
	case <-time.After(30 * time.Second):
		close(fake.release)
		t.Fatal("the answer never started")
	}
	page := make(chan int, 1)
	go func() { page <- c.do(http.MethodGet, "/c/lp/chat", nil).Code }()
	select {
	case code := <-page:
		if code != http.StatusOK {
			t.Errorf("page during a streamed answer: %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Error("the connection's page waited for the streamed answer")
	}
	close(fake.release)
	if code := <-done; code != http.StatusOK {
		t.Errorf("send: %d", code)
	}
}

// A rewrite the assistant proposes can be compared with the statement in
// the plan diff (EXPLAIN of both, nothing executed); anything else is
// refused there.
func TestChatRewriteComparePlans(t *testing.T) {
	fake := &chatFakeAI{answer: "Select only the columns you need [P1]:\n```sql\nSELECT id, status FROM orders WHERE status = 'shipped'\n```\n"}
	c := newChatClient(t, chatAIOptions(t, fake))
	const stmt = "SELECT * FROM orders WHERE status = 'shipped'"
	w := c.do(http.MethodPost, "/c/lp/chat/send", url.Values{"message": {"/optimize " + stmt}})
	_, done, errMsg := sseEvents(t, w.Body.String())
	if errMsg != "" || done == nil {
		t.Fatalf("error %q, done %v", errMsg, done)
	}
	html := done["html"].(string)
	for _, want := range []string{`action="/c/lp/plan-diff/rewrite"`, `target="_blank"`, `name="sql" value="SELECT * FROM orders WHERE status = &#39;shipped&#39;"`,
		`name="rewrite" value="SELECT id, status FROM orders WHERE status = &#39;shipped&#39;"`, ">Compare plans</button>"} {
		if !strings.Contains(html, want) {
			t.Errorf("turn HTML lacks %s:\n%s", want, html)
		}
	}
	w = c.do(http.MethodPost, "/c/lp/plan-diff/rewrite", url.Values{"sql": {stmt}, "rewrite": {"SELECT id, status FROM orders WHERE status = 'shipped'"}})
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, `class="plan-diff"`) || !strings.Contains(body, "<strong>rewrite</strong>") ||
		!strings.Contains(body, "nothing was executed") {
		t.Errorf("compare: %d\n%s", w.Code, body)
	}
	tests := []struct{ name, sql, rewrite, want string }{
		{"no rewrite", stmt, " ", "give the statement and its rewrite"},
		{"a write", stmt, "DELETE FROM orders WHERE status = 'shipped'", "only rewrites (a SELECT) and index DDL can be tried"},
		{"index DDL", stmt, "CREATE INDEX ix_try ON orders (status)", "apply index DDL through the safety gate"},
		{"two statements", stmt, "SELECT 1; SELECT 2", "2 statements given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := c.do(http.MethodPost, "/c/lp/plan-diff/rewrite", url.Values{"sql": {tt.sql}, "rewrite": {tt.rewrite}})
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("%d, want 400 with %q:\n%s", w.Code, tt.want, w.Body)
			}
		})
	}
}
