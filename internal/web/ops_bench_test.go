package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// benchServer is a server with the least-privilege sandbox profile, for
// measuring what a page costs end to end (use case + render), no browser.
func benchServer(b *testing.B) (http.Handler, string) {
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
	s, err := New(wb, Options{Token: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.ln.Close() })
	return s.Handler(), s.ln.Addr().String()
}

func benchGet(b *testing.B, h http.Handler, host, path, target string) int {
	req := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
	req.Host = host
	req.Header.Set("Cookie", sessionCookie+"=bench")
	if target != "" {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", target)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", path, w.Code, w.Body.String())
	}
	return w.Body.Len()
}

// BenchmarkProcessesRefresh is one 2-second refresh of the process list
// (snapshot, lock graph, render) with 300 extra idle sessions on the
// sandbox: the work the page asks of mydba and the server every refresh.
func BenchmarkProcessesRefresh(b *testing.B) {
	h, host := benchServer(b)
	dbtest.OpenIdleSessions(b, 300)
	for _, c := range []struct{ name, query string }{
		{"all", ""},
		{"active", "?active=1"},
		{"grouped", "?group=user&group2=command"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				size = benchGet(b, h, host, "/c/sandbox/processes"+c.query, "ps-body")
			}
			b.ReportMetric(float64(size)/1024, "KiB/op")
		})
	}
}

// BenchmarkVariablesPage is the whole variables page: every global
// variable with its metadata and description.
func BenchmarkVariablesPage(b *testing.B) {
	h, host := benchServer(b)
	for _, c := range []struct{ name, path, target string }{
		{"page", "/c/sandbox/variables", ""},
		{"search", "/c/sandbox/variables?q=innodb", "vars-body"},
		{"changed", "/c/sandbox/variables?changed=1", "vars-body"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				size = benchGet(b, h, host, c.path, c.target)
			}
			b.ReportMetric(float64(size)/1024, "KiB/op")
		})
	}
}

// BenchmarkProcessBodyRender is the template alone for a full page of
// sessions (processLimit), each with a transaction and a long statement.
func BenchmarkProcessBodyRender(b *testing.B) {
	sessions := make([]dba.Session, processLimit)
	for i := range sessions {
		sessions[i] = dba.Session{
			ID: int64(1000 + i), User: "app", Host: fmt.Sprintf("10.0.0.%d:5%04d", i%250, i), DB: "shop", Command: "Query",
			State: "Sending data", Time: time.Duration(i) * time.Second, Info: "SELECT o.id, o.total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = '" + strings.Repeat("x", 40) + "' ORDER BY o.created_at DESC",
			Trx: &dba.Transaction{State: "RUNNING", Age: time.Duration(i) * time.Second, RowsLocked: 3},
		}
	}
	d := views.ProcessData{View: workbench.ProcessView{Total: len(sessions), Matched: len(sessions), Sessions: sessions, Source: "information_schema.PROCESSLIST"}, Limit: processLimit}
	c := views.ProcessBody(views.Page{Profile: "sandbox"}, d)
	ctx := context.Background()
	for b.Loop() {
		if err := c.Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
