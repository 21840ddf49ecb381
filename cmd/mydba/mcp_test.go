package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mydba/mydba/internal/dbtest"
)

func TestMCPToolsCommand(t *testing.T) {
	c := newCLI(t)
	golden(t, "mcp-tools", c.ok("", "mcp", "tools"))
	golden(t, "mcp-tools-all", c.ok("", "mcp", "tools", "--toolsets", "all", "--allow-proposals"))
	var tools []struct {
		Name     string `json:"name"`
		Toolset  string `json:"toolset"`
		ReadOnly bool   `json:"read_only"`
	}
	if err := json.Unmarshal([]byte(c.ok("", "mcp", "tools", "--toolsets", "monitor,performance", "-o", "json")), &tools); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name)
		if !tl.ReadOnly {
			t.Errorf("%s is not read-only", tl.Name)
		}
	}
	if got := strings.Join(names, ","); got != "list_connections,describe,run_query,explain_query,analyze_query,process_list,lock_waits,server_status,top_queries" {
		t.Errorf("tools %s", got)
	}
}

func TestMCPBadFlags(t *testing.T) {
	c := newCLI(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"mcp", "--toolsets", "monitr"}, `did you mean "monitor"`},
		{[]string{"mcp", "--toolsets", "proposals"}, "--allow-proposals"},
		{[]string{"mcp", "--max-rows", "5000"}, "max rows 5000"},
		{[]string{"mcp", "--max-bytes", "10"}, "max bytes 10"},
		{[]string{"mcp", "--call-timeout", "0s"}, "--call-timeout"},
		{[]string{"mcp", "--allow-conn", "bad name!"}, "allowed connection"},
		{[]string{"mcp", "tools", "--toolsets", "admin,nope"}, `toolset "nope"`},
		{[]string{"serve", "--no-mcp", "--mcp-token", "0123456789abcdef0123"}, "--no-mcp with MCP options"},
		{[]string{"serve", "--mcp-toolsets", "monitr"}, `did you mean "monitor"`},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--mcp-allow-proposals"}, "own token"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--mcp-token", "short"}, "at least 16"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := c.run("", tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", r.code, r.stderr, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q: stdout is the protocol's", r.stdout)
			}
		})
	}
}

// TestMCPStdioInProcess speaks raw JSON-RPC lines to `mydba mcp` on its
// stdin, one request at a time as an editor does, and reads only protocol
// messages on stdout; closing stdin ends the command cleanly.
func TestMCPStdioInProcess(t *testing.T) {
	d := dbtest.LeastPriv(t)
	c := newCLI(t)
	c.ok(d.Password+"\n", "conn", "add", "sb", "mysql://mydba@"+d.Target.Address()+"/shop", "--password-stdin")
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"mcp", "--conn", "sb"}, inR, outW, &stderr, func(k string) string { return c.env[k] })
		outW.Close()
		done <- err
	}()
	type msg struct {
		ID     int `json:"id"`
		Result struct {
			ServerInfo struct{ Name string } `json:"serverInfo"`
			IsError    bool                  `json:"isError"`
			Content    []struct{ Text string }
		} `json:"result"`
		Error *struct{ Message string } `json:"error"`
	}
	lines := bufio.NewScanner(outR)
	lines.Buffer(nil, 1<<20)
	send := func(line string, reply bool) msg {
		t.Helper()
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Fatal(err)
		}
		if !reply {
			return msg{}
		}
		if !lines.Scan() {
			t.Fatalf("no reply to %s: %v; stderr %s", line, lines.Err(), stderr.String())
		}
		var m msg
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("stdout carries a non-protocol line %q: %v", lines.Text(), err)
		}
		return m
	}
	if m := send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}`, true); m.Result.ServerInfo.Name != "mydba" {
		t.Errorf("initialize: %+v", m)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, false)
	if m := send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"run_query","arguments":{"sql":"SELECT COUNT(*) AS n FROM products"}}}`, true); m.Result.IsError || len(m.Result.Content) != 1 || !strings.Contains(m.Result.Content[0].Text, `"rows":[["5000"]]`) {
		t.Errorf("count: %+v", m)
	}
	if m := send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"run_query","arguments":{"sql":"DELETE FROM products"}}}`, true); !m.Result.IsError || m.Error != nil {
		t.Errorf("a write must be a tool error: %+v", m)
	}
	if m := send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}`, true); m.Error == nil {
		t.Errorf("an unknown tool is a protocol error: %+v", m)
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Errorf("mcp after stdin closed: %v", err)
	}
	if lines.Scan() {
		t.Errorf("unexpected output after the last reply: %s", lines.Text())
	}
}

// TestMCPStdioBinary builds mydba and drives `mydba mcp` the way an editor
// does: the SDK's command transport starts the process and talks over its
// stdin and stdout.
func TestMCPStdioBinary(t *testing.T) {
	d := dbtest.LeastPriv(t)
	c := newCLI(t)
	c.ok(d.Password+"\n", "conn", "add", "sb", "mysql://mydba@"+d.Target.Address()+"/shop", "--password-stdin")
	bin := filepath.Join(t.TempDir(), "mydba")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "mcp", "--conn", "sb", "--toolsets", "monitor", "--max-rows", "3", "--allow-proposals")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test-editor", Version: "1"}, nil).Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, stderr.String())
	}
	defer cs.Close()
	if got := cs.InitializeResult().ServerInfo.Name; got != "mydba" {
		t.Errorf("server %q", got)
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	if got := strings.Join(names, ","); got != "analyze_query,describe,explain_query,list_connections,lock_waits,process_list,propose_change,run_query,server_status" {
		t.Errorf("tools %s", got)
	}
	call := func(name string, args map[string]any) (string, bool) {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res.Content[0].(*sdk.TextContent).Text, res.IsError
	}
	if out, isErr := call("run_query", map[string]any{"sql": "SELECT id FROM products ORDER BY id"}); isErr || !strings.Contains(out, `"rows":[[1],[2],[3]]`) || !strings.Contains(out, `"truncated":true`) {
		t.Errorf("capped query: %s", out)
	}
	if out, isErr := call("describe", map[string]any{"schema": "shop", "table": "orders"}); isErr || !strings.Contains(out, `"primary_key":["id"]`) {
		t.Errorf("describe: %s", out)
	}
	if out, isErr := call("process_list", map[string]any{"include_idle": true}); isErr || !strings.Contains(out, `"server_sessions"`) {
		t.Errorf("process list: %s", out)
	}
	// Over stdio a proposal is a plan only: nothing queued, nothing run.
	if out, isErr := call("propose_change", map[string]any{"sql": "DELETE FROM shop.products WHERE id = 1", "rationale": "test"}); isErr || !strings.Contains(out, `"status":"planned only"`) {
		t.Errorf("propose: %s", out)
	}
	if out, isErr := call("run_query", map[string]any{"sql": "SELECT COUNT(*) FROM products WHERE id = 1"}); isErr || !strings.Contains(out, `[["1"]]`) {
		t.Errorf("the proposal changed data: %s", out)
	}
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), d.Password) {
		t.Error("stderr shows the password")
	}
}

// TestServeMCPEndpoint starts `mydba serve` as a user would, reads where
// the MCP endpoint is from its output, and calls a tool there with the
// SDK's HTTP client: refused without the token, served with it.
func TestServeMCPEndpoint(t *testing.T) {
	d := dbtest.LeastPriv(t)
	c := newCLI(t)
	c.ok(d.Password+"\n", "conn", "add", "sb", "mysql://mydba@"+d.Target.Address()+"/shop", "--password-stdin")
	const token = "cli-mcp-token-0123456789"
	c.env["MYDBA_MCP_TOKEN"] = token
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	outR, outW := io.Pipe()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--conn", "sb", "--mcp-toolsets", "admin"}, strings.NewReader(""), outW, &stderr, func(k string) string { return c.env[k] })
		outW.Close()
		done <- err
	}()
	lines := bufio.NewScanner(outR)
	var endpoint string
	for endpoint == "" && lines.Scan() {
		if rest, found := strings.CutPrefix(lines.Text(), "mcp endpoint: "); found {
			endpoint, _, _ = strings.Cut(rest, " ")
			if !strings.Contains(rest, "Bearer $MYDBA_MCP_TOKEN") {
				t.Errorf("announce: %s", lines.Text())
			}
		}
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") || !strings.HasSuffix(endpoint, "/mcp") {
		t.Fatalf("endpoint %q; stderr %s", endpoint, stderr.String())
	}
	connect := func(tok string) (*sdk.ClientSession, error) {
		hc := &http.Client{Transport: bearerRT(tok)}
		return sdk.NewClient(&sdk.Implementation{Name: "cli-test", Version: "1"}, nil).Connect(ctx, &sdk.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, MaxRetries: -1}, nil)
	}
	if cs, err := connect(""); err == nil {
		cs.Close()
		t.Fatal("connected without the token")
	}
	cs, err := connect(token)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "show_variables", Arguments: map[string]any{"pattern": "read_only"}})
	if err != nil || res.IsError {
		t.Fatalf("show_variables: %v %+v", err, res)
	}
	if txt := res.Content[0].(*sdk.TextContent).Text; !strings.Contains(txt, `"connection":"sb"`) || !strings.Contains(txt, `"name":"read_only"`) {
		t.Errorf("show_variables: %s", txt)
	}
	cs.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// bearerRT sends the token as editors configured with a header do.
type bearerRT string

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	if b != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+string(b))
	}
	return http.DefaultTransport.RoundTrip(r)
}
