package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/workbench"
)

// startStoreHarness is startHarness without the sandbox: the alerts page
// reads only the state file, so its profiles need no server.
func startStoreHarness(t *testing.T) *harness {
	t.Helper()
	chrome := chromium(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	wb, err := workbench.Open(ctx, workbench.Options{StateDir: t.TempDir(), DisableKeyring: true, KeepConnections: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wb.Close() })
	srv, err := New(wb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	serveForTest(t, ctx, cancel, srv)
	return openBrowser(t, ctx, chrome, srv)
}

// TestAlertsPageInBrowser shows active alerts and history, filters the
// history window, follows the header badge, and sees an alert resolved by
// the monitor disappear from the active list on the page's own refresh.
func TestAlertsPageInBrowser(t *testing.T) {
	h := startStoreHarness(t)
	seedAlerts(t, h.wb, time.Now())
	h.takeIssues()

	h.run(chromedp.Navigate(h.base+"/alerts"), chromedp.WaitVisible(chromedp.CSS("#alerts-active")))
	if n := eval[int](h, `document.querySelectorAll("#alerts-active tbody tr").length`); n != 2 {
		t.Errorf("active rows: %d, want 2", n)
	}
	if got := eval[string](h, `document.querySelector("#alert-badge").textContent`); got != "2 alerts" {
		t.Errorf("badge %q", got)
	}
	if n := eval[int](h, `document.querySelectorAll("#alerts-history tbody tr").length`); n != 3 {
		t.Errorf("history rows in the last 24 hours: %d, want 3", n)
	}
	h.shot("alerts")
	h.noIssues("alerts page")

	// Narrow the history to the last hour: dev's alert of 3 hours ago
	// leaves, and the address keeps the filter.
	eval[bool](h, `(window.__reqs = [], document.body.addEventListener("htmx:beforeRequest", e => window.__reqs.push(e.detail.elt.id)), true)`)
	h.run(chromedp.SetValue(chromedp.CSS("#alerts-since"), "1h"))
	h.run(chromedp.Evaluate[chromedp.Void](`document.querySelector("#alerts-since").dispatchEvent(new Event("change", {bubbles: true}))`))
	h.waitJS(`document.querySelectorAll("#alerts-history tbody tr").length === 2`, 10*time.Second)
	if u := eval[string](h, `location.search`); !strings.Contains(u, "since=1h") {
		t.Errorf("address %q does not keep the window", u)
	}
	// One change, one request (no aborted duplicate).
	if reqs := eval[[]string](h, `window.__reqs`); len(reqs) != 1 || reqs[0] != "alerts-filters" {
		t.Errorf("requests for one change: %v", reqs)
	}
	h.noIssues("filtering")

	// The badge leads to the connection's alerts from its other pages.
	h.run(chromedp.Navigate(h.base+"/c/prod-eu/audit"), chromedp.WaitVisible(chromedp.CSS("#alert-badge")))
	h.run(chromedp.Click(chromedp.CSS("#alert-badge")), chromedp.WaitVisible(chromedp.CSS("#alerts-active")))
	if p := eval[string](h, `location.pathname`); p != "/c/prod-eu/alerts" {
		t.Errorf("badge led to %q", p)
	}

	// The monitor resolves connection_usage: the page's refresh (every
	// 15 s) moves it out of the active list without a reload.
	now := time.Now()
	if err := h.wb.RecordAlertEvents(context.Background(), []alert.Event{{Profile: "prod-eu", Rule: "connection_usage", Series: "connection_usage_pct",
		Severity: alert.SeverityCritical, State: alert.Resolved, Op: alert.OpGE, Threshold: 85, At: now, Since: now.Add(-10 * time.Minute), Value: 40,
		Message: "connection_usage_pct 40, resolved after 10m"}}); err != nil {
		t.Fatal(err)
	}
	eval[bool](h, `(window.__sameDocument = true)`)
	h.waitJS(`document.querySelectorAll("#alerts-active tbody tr").length === 1`, 25*time.Second)
	if !eval[bool](h, `window.__sameDocument === true`) {
		t.Error("the page reloaded instead of refreshing its list")
	}
	if got := eval[string](h, `document.querySelector("#alerts-history").textContent`); !strings.Contains(got, "resolved after 10m") {
		t.Errorf("history does not show the resolution: %q", got)
	}
	h.noIssues("refresh")
}
