package web

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/workbench"
)

var screenshots = flag.Bool("screenshots", false, "save page screenshots into docs/screenshots")

// harness is a running workbench with sandbox profiles and a headless
// Chromium pointed at it.
type harness struct {
	t      *testing.T
	srv    *Server
	wb     *workbench.Workbench
	base   string
	ctx    context.Context
	mu     sync.Mutex
	issues []string
}

func startHarness(t *testing.T) *harness {
	t.Helper()
	chrome := chromium(t)
	lp := dbtest.LeastPriv(t)
	root := dbtest.Primary(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	wb, err := workbench.Open(ctx, workbench.Options{StateDir: t.TempDir(), DisableKeyring: true, KeepConnections: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wb.Close() })
	add := func(name string, env dba.Env, d dba.DSN) {
		pw := d.Password
		tgt := d.Target
		if tgt.Database == "" {
			tgt.Database = "shop"
		}
		if _, err := wb.AddProfile(ctx, workbench.ProfileInput{Profile: dba.Profile{Name: name, Env: env, Target: tgt}, Password: &pw}); err != nil {
			t.Fatal(err)
		}
	}
	add("sandbox", dba.EnvDev, lp)
	add("sandbox-root", dba.EnvDev, root)
	add("sandbox-prod", dba.EnvProd, root)
	srv, err := New(wb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	serveForTest(t, ctx, cancel, srv)
	return openBrowser(t, ctx, chrome, srv)
}

// chromium is the browser the tests drive; without it a browser test is
// missing its tool, like a test without its server.
func chromium(t *testing.T) string {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		dbtest.Missing(t, "chromium is not installed (scripts/sandbox.sh deps installs it)")
	}
	return chrome
}

// serveForTest runs srv until the test ends; cancel stops it, and the
// cleanup waits for it to finish.
func serveForTest(t *testing.T, ctx context.Context, cancel context.CancelFunc, srv *Server) {
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// openBrowser starts a fresh headless Chromium, logs in to srv through its
// token URL and returns the harness that drives it.
func openBrowser(t *testing.T, ctx context.Context, chrome string, srv *Server) *harness {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	h := &harness{t: t, srv: srv, wb: srv.wb, base: srv.baseURL()}
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithListener(h.listen))
	t.Cleanup(bcancel)
	h.ctx = bctx
	// Log in: the token URL sets the cookie.
	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL()), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatalf("open the workbench: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("enable the log domain: %v", err)
	}
	return h
}

// listen collects console errors, exceptions, CSP violations and failed
// requests; it runs in the tab's read loop and must return fast.
func (h *harness) listen(ev any) {
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		h.issue("exception: " + e.ExceptionDetails.Text + " " + exceptionText(e))
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			h.issue(fmt.Sprintf("console %s: %s", e.Type, strings.Join(parts, " ")))
		}
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
			h.issue(fmt.Sprintf("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	case *network.EventLoadingFailed:
		if !e.Canceled {
			h.issue("request failed: " + e.ErrorText)
		}
	case *network.EventResponseReceived:
		if e.Response.Status >= 400 {
			h.issue(fmt.Sprintf("HTTP %d for %s", e.Response.Status, e.Response.URL))
		}
	}
}

func exceptionText(e *runtime.EventExceptionThrown) string {
	if e.ExceptionDetails.Exception != nil {
		return e.ExceptionDetails.Exception.Description
	}
	return ""
}

func (h *harness) issue(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.issues = append(h.issues, s)
}

// takeIssues returns and clears the console errors and failed requests.
func (h *harness) takeIssues() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.issues
	h.issues = nil
	return out
}

func (h *harness) run(actions ...chromedp.Action[chromedp.Void]) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		h.t.Fatal(err)
	}
}

// shot saves a screenshot for the docs when -screenshots is given.
func (h *harness) shot(name string) {
	h.t.Helper()
	if !*screenshots {
		return
	}
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG, lossless
	if err != nil {
		h.t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func TestPagesLoadCleanly(t *testing.T) {
	h := startHarness(t)
	pages := []struct {
		name, path, wait string
		// flowShot: a flow test saves this page's screenshot in a richer
		// state (a step selected, a sorted list with trends).
		flowShot bool
	}{
		{"connections", "/connections", "#add-title", false},
		{"explorer", "/c/sandbox/explorer", "table.grid", false},
		{"explorer-schema", "/c/sandbox/explorer/shop", "table.grid", false},
		{"explorer-table", "/c/sandbox/explorer/shop/orders", "#preview table", false},
		{"query-page", "/c/sandbox/query", "#history-list .hlist, #history-list .empty", false},
		{"processes-all", "/c/sandbox/processes", "#ps-summary", false},
		{"variables-global", "/c/sandbox/variables", "table.vars", false},
		{"variables-session", "/c/sandbox/variables?scope=session&q=sql", "table.vars", false},
		{"status-page", "/c/sandbox/status", "#status-summary", false},
		{"audit-all", "/audit", "#audit-body", false},
		{"audit-profile", "/c/sandbox/audit", "#audit-body", false},
		{"proposals", "/proposals", "#proposals", false},
		{"explain", "/c/sandbox/explain?sql=" + url.QueryEscape(planJoinSQL), ".plan-svg .pn", true},
		{"explain-form", "/c/sandbox/explain", "#explain-sql", true},
		{"plan-diff", "/c/sandbox/plan-diff", "#diff-live", true},
		{"profile", "/c/sandbox/profile?sql=" + url.QueryEscape("SELECT COUNT(*) FROM shop.customers"), "#waterfall", true},
		{"top", "/c/sandbox/top", "#top-table", true},
		{"alerts", "/c/sandbox/alerts", "#alerts-body", true},
		{"alerts-all", "/alerts", "#alerts-body", true},
		{"dashboard", "/c/sandbox/dashboard", ".dash-chart canvas", true},
		{"chat", "/c/sandbox/chat", "#chat-input", true},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			h.t = t
			h.takeIssues()
			h.run(chromedp.Navigate(h.base+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
			time.Sleep(200 * time.Millisecond) // let late requests settle
			if is := h.takeIssues(); len(is) > 0 {
				t.Errorf("%s: %s", p.path, strings.Join(is, "\n"))
			}
			if !p.flowShot {
				h.shot(p.name)
			}
		})
	}
}
