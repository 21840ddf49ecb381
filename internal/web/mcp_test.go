package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/mcp"
	"github.com/mydba/mydba/internal/workbench"
)

const (
	serveToken = "tok-123"
	mcpToken   = "mcp-token-0123456789abcdef"
)

// mcpServe is `mydba serve` with its MCP endpoint, really listening, and a
// profile "root" (dev) on the sandbox primary.
type mcpServe struct {
	s      *Server
	schema string
	table  string
}

func startMCPServe(t *testing.T, mo MCPOptions) *mcpServe {
	t.Helper()
	root := dbtest.Primary(t)
	admin := dbtest.Admin(t)
	wb, err := workbench.Open(context.Background(), workbench.Options{StateDir: t.TempDir(), DisableKeyring: true, KeepConnections: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wb.Close() })
	mo.Version = "test"
	s, err := New(wb, Options{Token: serveToken, MCP: mo})
	if err != nil {
		t.Fatal(err)
	}
	pw := root.Password
	if _, err := wb.AddProfile(context.Background(), workbench.ProfileInput{Profile: dba.Profile{Name: "root", Env: dba.EnvDev, Target: root.Target}, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	schema := "t_mcpweb_" + hex.EncodeToString(b)
	q := dbtest.QuoteIdent(schema)
	dbtest.Exec(t, admin,
		"CREATE DATABASE "+q,
		"CREATE TABLE "+q+".items (id INT PRIMARY KEY, n INT NOT NULL)",
		"INSERT INTO "+q+".items SELECT seq, seq FROM seq_1_to_20",
	)
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP DATABASE IF EXISTS "+q) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &mcpServe{s: s, schema: schema, table: q + ".items"}
}

// headerRT adds headers to every request, as an editor's MCP client
// configured with "headers" does.
type headerRT struct {
	hdr  http.Header
	base http.RoundTripper
}

func (h headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.hdr {
		r.Header[k] = v
	}
	return h.base.RoundTrip(r)
}

// connect connects the SDK's own client over streamable HTTP, sending hdr.
func (m *mcpServe) connect(t *testing.T, hdr http.Header) (*sdk.ClientSession, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := &sdk.StreamableClientTransport{
		Endpoint:   m.s.MCPURL(),
		HTTPClient: &http.Client{Transport: headerRT{hdr: hdr, base: http.DefaultTransport}},
		MaxRetries: -1,
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test-agent", Version: "1.0"}, nil).Connect(ctx, tr, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

func bearerHdr(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}}
}

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	body   string
}

// raw sends one request as a browser or a script would.
func (m *mcpServe) raw(t *testing.T, method, path string, hdr http.Header, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, m.s.baseURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v[0]
			continue
		}
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil && res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatal(err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: string(b)}
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`

func TestMCPEndpointAuth(t *testing.T) {
	m := startMCPServe(t, MCPOptions{Token: mcpToken})
	if !strings.HasSuffix(m.s.MCPURL(), "/mcp") || m.s.MCPUsesServeToken() {
		t.Fatalf("url %q, serve token %v", m.s.MCPURL(), m.s.MCPUsesServeToken())
	}
	t.Run("SDK client", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			hdr  http.Header
			ok   bool
		}{
			{"no token", nil, false},
			{"wrong token", bearerHdr("not-the-token-at-all"), false},
			{"the serve token is not the MCP token", bearerHdr(serveToken), false},
			{"session cookie only", http.Header{"Cookie": {sessionCookie + "=" + serveToken}}, false},
			{"Basic scheme", http.Header{"Authorization": {"Basic " + mcpToken}}, false},
			{"bearer token", bearerHdr(mcpToken), true},
			{"bearer, lower-case scheme", http.Header{"Authorization": {"bearer " + mcpToken}}, true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				cs, err := m.connect(t, tt.hdr)
				if (err == nil) != tt.ok {
					t.Fatalf("connect: %v, want ok %v", err, tt.ok)
				}
				if err != nil {
					return
				}
				if _, err := cs.ListTools(context.Background(), nil); err != nil {
					t.Errorf("list tools: %v", err)
				}
			})
		}
	})
	t.Run("raw requests", func(t *testing.T) {
		port := strings.TrimPrefix(m.s.baseURL(), "http://127.0.0.1")
		json := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json, text/event-stream"}}
		with := func(extra http.Header) http.Header {
			h := json.Clone()
			for k, v := range extra {
				h[k] = v
			}
			return h
		}
		auth := bearerHdr(mcpToken)
		for _, tt := range []struct {
			name   string
			hdr    http.Header
			status int
		}{
			{"no token", json, http.StatusUnauthorized},
			{"a browser with the cookie and CSRF header", with(http.Header{"Cookie": {sessionCookie + "=" + serveToken}, csrfHeader: {m.s.csrf}, "Sec-Fetch-Site": {"same-origin"}}), http.StatusUnauthorized},
			{"forged Host (DNS rebinding)", with(http.Header{"Authorization": auth["Authorization"], "Host": {"evil.example" + port}}), http.StatusMisdirectedRequest},
			{"foreign Origin", with(http.Header{"Authorization": auth["Authorization"], "Origin": {"http://evil.example"}}), http.StatusForbidden},
			{"cross-site fetch", with(http.Header{"Authorization": auth["Authorization"], "Sec-Fetch-Site": {"cross-site"}}), http.StatusForbidden},
			{"own Origin", with(http.Header{"Authorization": auth["Authorization"], "Origin": {m.s.baseURL()}}), http.StatusOK},
			{"editor", with(auth), http.StatusOK},
		} {
			t.Run(tt.name, func(t *testing.T) {
				res := m.raw(t, http.MethodPost, "/mcp", tt.hdr, initialize)
				if res.status != tt.status {
					t.Errorf("status %d, want %d: %s", res.status, tt.status, res.body)
				}
				if res.status == http.StatusUnauthorized && !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without a Bearer challenge: %v", res.header)
				}
			})
		}
	})
	t.Run("the MCP token does not open the web UI", func(t *testing.T) {
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noRedirect.Get(m.s.baseURL() + "/?token=" + mcpToken)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d", res.StatusCode)
		}
		if res := m.raw(t, http.MethodGet, "/proposals", bearerHdr(mcpToken), ""); res.status != http.StatusUnauthorized {
			t.Errorf("/proposals with the bearer token: %d", res.status)
		}
	})
}

func TestMCPEndpointServeToken(t *testing.T) {
	m := startMCPServe(t, MCPOptions{Default: "root", Toolsets: []string{mcp.ToolsetMonitor}})
	if !m.s.MCPUsesServeToken() {
		t.Fatal("without --mcp-token the serve token is the MCP token")
	}
	if _, err := m.connect(t, nil); err == nil {
		t.Fatal("connected without a token")
	}
	cs, err := m.connect(t, bearerHdr(serveToken))
	if err != nil {
		t.Fatal(err)
	}
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	if got := strings.Join(names, ","); got != "analyze_query,describe,explain_query,list_connections,lock_waits,process_list,run_query,server_status" {
		t.Errorf("tools %s", got)
	}
	// A real call over HTTP, capped, reading the sandbox.
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "run_query", Arguments: map[string]any{"sql": "SELECT id, n FROM " + m.table + " ORDER BY id", "max_rows": 5}})
	if err != nil || res.IsError {
		t.Fatalf("run_query: %v %+v", err, res)
	}
	body := resultJSON(t, res)
	var out struct {
		Statements []struct {
			ResultSets []struct {
				Rows      [][]any `json:"rows"`
				Returned  int     `json:"returned"`
				Truncated bool    `json:"truncated"`
				Cap       string  `json:"cap"`
			} `json:"result_sets"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	rs := out.Statements[0].ResultSets[0]
	if rs.Returned != 5 || len(rs.Rows) != 5 || !rs.Truncated || rs.Cap != "max_rows" {
		t.Errorf("%+v", rs)
	}
	// A write is a tool error the model reads, not a protocol failure.
	res, err = cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "run_query", Arguments: map[string]any{"sql": "DELETE FROM " + m.table}})
	if err != nil || !res.IsError {
		t.Fatalf("DELETE: %v %+v", err, res)
	}
	// No proposals without --mcp-allow-proposals.
	if _, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "propose_change", Arguments: map[string]any{"sql": "DELETE FROM " + m.table, "rationale": "x"}}); err == nil {
		t.Error("propose_change served without --mcp-allow-proposals")
	}
	var n int
	if err := dbtest.Admin(t).QueryRow("SELECT COUNT(*) FROM " + m.table).Scan(&n); err != nil || n != 20 {
		t.Errorf("rows %d %v", n, err)
	}
}

// resultJSON is a successful result's fenced JSON.
func resultJSON(t *testing.T, res *sdk.CallToolResult) string {
	t.Helper()
	if len(res.Content) != 1 {
		t.Fatalf("content %+v", res.Content)
	}
	tc, ok := res.Content[0].(*sdk.TextContent)
	if !ok {
		t.Fatalf("content %T", res.Content[0])
	}
	_, body, found := strings.Cut(tc.Text, "\">\n")
	if !found {
		t.Fatalf("no data fence: %s", tc.Text)
	}
	return strings.TrimSuffix(body, "\n</mydba-data>")
}

func TestMCPOptionsValidation(t *testing.T) {
	wb, err := workbench.Open(context.Background(), workbench.Options{StateDir: t.TempDir(), DisableKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	for _, tt := range []struct {
		name string
		mo   MCPOptions
		want string
	}{
		{"proposals need their own token", MCPOptions{AllowProposals: true}, "own token"},
		{"short token", MCPOptions{Token: "short"}, "at least 16"},
		{"the serve token again", MCPOptions{Token: "serve-token-0123456789"}, "must differ"},
		{"off with options", MCPOptions{Off: true, Token: mcpToken}, "off"},
		{"unknown toolset", MCPOptions{Toolsets: []string{"monitr"}}, `did you mean "monitor"`},
		{"the metrics token again", MCPOptions{Token: "metrics-token-0123456789"}, "metrics token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(wb, Options{Token: "serve-token-0123456789", MetricsToken: "metrics-token-0123456789", MCP: tt.mo})
			if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
	s, err := New(wb, Options{Token: "serve-token-0123456789", MCP: MCPOptions{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.ln.Close()
	if s.MCPURL() != "" {
		t.Errorf("off, yet at %q", s.MCPURL())
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.ln.Addr().String()+"/mcp", strings.NewReader(initialize))
	req.Host = s.ln.Addr().String()
	req.Header.Set("Authorization", "Bearer serve-token-0123456789")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusNotFound {
		t.Errorf("off endpoint: %d", w.Code)
	}
}

// ui is a logged-in browser tab on the workbench.
func (m *mcpServe) ui(t *testing.T, method, path string, form url.Values) (int, string) {
	t.Helper()
	hdr := http.Header{"Cookie": {sessionCookie + "=" + serveToken}, "HX-Request": {"true"}, "Sec-Fetch-Site": {"same-origin"}}
	body := ""
	if method == http.MethodPost {
		hdr.Set("Content-Type", "application/x-www-form-urlencoded")
		hdr.Set(csrfHeader, m.s.csrf)
		body = form.Encode()
	}
	res := m.raw(t, method, path, hdr, body)
	return res.status, res.body
}

type proposal struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Outcome  string `json:"outcome"`
	Executed bool   `json:"executed"`
	Next     string `json:"next_step"`
}

func callProposal(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) proposal {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("%s: %+v", name, res.Content[0])
	}
	var p proposal
	if err := json.Unmarshal([]byte(resultJSON(t, res)), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMCPProposalsNeedAHuman: an agent's proposal waits in the web UI; it
// runs only when a human approves it in the safety dialog, and the audit
// log names the agent; a rejected one never runs.
func TestMCPProposalsNeedAHuman(t *testing.T) {
	m := startMCPServe(t, MCPOptions{Token: mcpToken, AllowProposals: true, Default: "root"})
	cs, err := m.connect(t, bearerHdr(mcpToken))
	if err != nil {
		t.Fatal(err)
	}
	admin := dbtest.Admin(t)
	sum := func() int {
		var n int
		if err := admin.QueryRow("SELECT SUM(n) FROM " + m.table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	update := "UPDATE " + m.table + " SET n = n + 100 WHERE id <= 3"
	p := callProposal(t, cs, "propose_change", map[string]any{"sql": update, "rationale": "raise the first three"})
	if p.Status != "pending" || p.Executed || !strings.Contains(p.Next, m.s.baseURL()+"/proposals") {
		t.Fatalf("%+v", p)
	}
	id := strconv.FormatInt(p.ID, 10)
	if sum() != 210 {
		t.Fatal("the proposal ran by itself")
	}

	// The human sees it, with the agent and its rationale.
	code, page := m.ui(t, http.MethodGet, "/proposals", nil)
	if code != http.StatusOK || !strings.Contains(page, "proposal-"+id) || !strings.Contains(page, "test-agent 1.0") || !strings.Contains(page, "raise the first three") {
		t.Fatalf("proposals page %d:\n%s", code, page)
	}
	// Reviewing plans it again and changes nothing.
	code, dialog := m.ui(t, http.MethodPost, "/c/root/change/preview", url.Values{"kind": {"proposal"}, "id": {id}})
	if code != http.StatusOK || !strings.Contains(dialog, "items") {
		t.Fatalf("preview %d:\n%s", code, dialog)
	}
	// The page's Review button and the dialog's form carry the proposal,
	// never its SQL: the statement comes from the queue.
	if !strings.Contains(page, `hx-post="/c/root/change/preview"`) || !strings.Contains(page, `&#34;kind&#34;:&#34;proposal&#34;,&#34;id&#34;:&#34;`+id+`&#34;`) {
		t.Errorf("review button:\n%s", page)
	}
	if !strings.Contains(dialog, `name="kind" value="proposal"`) || !strings.Contains(dialog, `name="id" value="`+id+`"`) || !strings.Contains(dialog, `name="sql" value=""`) {
		t.Errorf("dialog form:\n%s", dialog)
	}
	if st := callProposal(t, cs, "proposal_status", map[string]any{"id": p.ID}); st.Status != "pending" || sum() != 210 {
		t.Fatalf("after preview: %+v, sum %d", st, sum())
	}
	// A proposal is approved on its own connection only.
	root := dbtest.Primary(t)
	pw := root.Password
	if _, err := m.s.wb.AddProfile(context.Background(), workbench.ProfileInput{Profile: dba.Profile{Name: "other", Env: dba.EnvDev, Target: root.Target}, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	if code, body := m.ui(t, http.MethodPost, "/c/other/change/run", url.Values{"kind": {"proposal"}, "id": {id}}); code == http.StatusOK || !strings.Contains(body, `is for connection &#34;root&#34;`) || sum() != 210 {
		t.Errorf("approved on another connection: %d %s", code, body)
	}
	if st := callProposal(t, cs, "proposal_status", map[string]any{"id": p.ID}); st.Status != "pending" {
		t.Fatalf("after the wrong connection: %+v", st)
	}
	// The human approves: it runs through the gate, once.
	code, outcome := m.ui(t, http.MethodPost, "/c/root/change/run", url.Values{"kind": {"proposal"}, "id": {id}})
	if code != http.StatusOK || sum() != 510 {
		t.Fatalf("run %d, sum %d:\n%s", code, sum(), outcome)
	}
	if st := callProposal(t, cs, "proposal_status", map[string]any{"id": p.ID}); st.Status != "executed" || !strings.Contains(st.Outcome, "3 rows") {
		t.Errorf("after approval: %+v", st)
	}
	if code, _ := m.ui(t, http.MethodPost, "/c/root/change/run", url.Values{"kind": {"proposal"}, "id": {id}}); code == http.StatusOK || sum() != 510 {
		t.Errorf("a second approval ran it again: %d, sum %d", code, sum())
	}
	audit, err := m.s.wb.AuditLog(context.Background(), dba.AuditFilter{})
	if err != nil || len(audit) != 1 {
		t.Fatalf("audit %+v %v", audit, err)
	}
	if a := audit[0]; a.Source != "mcp" || !strings.HasPrefix(a.Actor, "mcp agent test-agent 1.0") || a.Status != "executed" || a.Rows != 3 {
		t.Errorf("audit %+v", a)
	}

	// A change that needs confirmation stays pending until confirmed.
	ddl := "ALTER TABLE " + m.table + " ADD INDEX n (n)"
	p2 := callProposal(t, cs, "propose_change", map[string]any{"sql": ddl, "rationale": "index n"})
	id2 := strconv.FormatInt(p2.ID, 10)
	m.ui(t, http.MethodPost, "/c/root/change/run", url.Values{"kind": {"proposal"}, "id": {id2}})
	if st := callProposal(t, cs, "proposal_status", map[string]any{"id": p2.ID}); st.Status != "pending" {
		t.Errorf("unconfirmed: %+v", st)
	}

	// A rejected proposal never runs.
	if code, page := m.ui(t, http.MethodPost, "/proposals/"+id2+"/reject", url.Values{"reason": {"not now"}}); code != http.StatusOK || !strings.Contains(page, "rejected") {
		t.Fatalf("reject %d:\n%s", code, page)
	}
	if st := callProposal(t, cs, "proposal_status", map[string]any{"id": p2.ID}); st.Status != "rejected" || !strings.Contains(st.Outcome, "not now") {
		t.Errorf("after rejection: %+v", st)
	}
	if code, _ := m.ui(t, http.MethodPost, "/c/root/change/run", url.Values{"kind": {"proposal"}, "id": {id2}, "confirm": {"1"}}); code == http.StatusOK {
		t.Error("a rejected proposal was approved")
	}
	var idx int
	admin.QueryRow("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'items' AND INDEX_NAME = 'n'", m.schema).Scan(&idx)
	if idx != 0 {
		t.Error("the rejected DDL ran")
	}
	if code, _ := m.ui(t, http.MethodPost, "/proposals/abc/reject", nil); code == http.StatusOK {
		t.Error("bad id accepted")
	}
}
