package mcp

import (
	"context"
	"net/http/httptest"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/workbench"
)

// benchServer is a server on the sandbox's least-privilege account with a
// warm connection pool, as `mydba mcp` is after its first call.
func benchServer(b *testing.B) *Server {
	b.Helper()
	lp := dbtest.LeastPriv(b)
	ctx := context.Background()
	wb, err := workbench.Open(ctx, workbench.Options{StateDir: b.TempDir(), DisableKeyring: true, KeepConnections: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { wb.Close() })
	pw := lp.Password
	if _, err := wb.AddProfile(ctx, workbench.ProfileInput{Profile: dba.Profile{Name: "sandbox", Env: dba.EnvDev, Target: lp.Target}, Password: &pw}); err != nil {
		b.Fatal(err)
	}
	srv, err := New(wb, Options{Default: workbench.ConnRequest{Profile: "sandbox"}})
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

var benchCalls = []struct {
	name string
	tool string
	args map[string]any
}{
	{"run_query_100_rows", "run_query", map[string]any{"sql": "SELECT id, customer_id, status, total, created_at FROM shop.orders ORDER BY id LIMIT 100"}},
	{"describe_table", "describe", map[string]any{"schema": "shop", "table": "orders"}},
	{"explain", "explain_query", map[string]any{"sql": "SELECT * FROM shop.orders WHERE customer_id = 42 ORDER BY created_at DESC"}},
}

func benchCall(b *testing.B, cs *sdk.ClientSession, tool string, args map[string]any) {
	b.Helper()
	ctx := context.Background()
	for b.Loop() {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
		if err != nil || res.IsError {
			b.Fatalf("%s: %v %+v", tool, err, res)
		}
	}
}

// BenchmarkToolInMemory: a tool call through the SDK's client and server
// over in-memory transports (what stdio costs, minus the pipe).
func BenchmarkToolInMemory(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	ct, st := sdk.NewInMemoryTransports()
	ss, err := srv.SDK().Connect(ctx, st, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ss.Close()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cs.Close()
	for _, c := range benchCalls {
		b.Run(c.name, func(b *testing.B) { benchCall(b, cs, c.tool, c.args) })
	}
}

// BenchmarkToolHTTP: the same calls over streamable HTTP (the handler
// serve mounts at /mcp, without serve's token check).
func BenchmarkToolHTTP(b *testing.B) {
	srv := benchServer(b)
	hs := httptest.NewServer(srv.HTTPHandler())
	defer hs.Close()
	ctx := context.Background()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil).Connect(ctx, &sdk.StreamableClientTransport{Endpoint: hs.URL, DisableStandaloneSSE: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cs.Close()
	for _, c := range benchCalls {
		b.Run(c.name, func(b *testing.B) { benchCall(b, cs, c.tool, c.args) })
	}
}
