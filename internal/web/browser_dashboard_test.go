package web

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/mydba/mydba/internal/dbtest"
)

// TestDashboardShowsLoad opens the dashboard while the test keeps the
// sandbox busy with reads: the charts draw, live updates arrive over SSE
// without a reload, the server card shows the load, ranges switch, and
// nothing is logged to the console.
func TestDashboardShowsLoad(t *testing.T) {
	h := startHarness(t)
	admin := dbtest.Admin(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = admin.Exec("SELECT COUNT(*) FROM shop.order_items WHERE order_id < 2000")
			}
		})
	}
	t.Cleanup(func() { close(stop); wg.Wait() })

	h.takeIssues()
	h.run(chromedp.Navigate(h.base+"/c/sandbox/dashboard?range=5m"), chromedp.WaitVisible(chromedp.CSS("#dashboard")))
	eval[chromedp.Void](h, `window.__dashMarker = 1`)
	h.waitJS(`document.querySelectorAll(".dash-chart canvas").length === 9`, 15*time.Second)
	// Live samples arrive over SSE and are appended to the charts.
	h.waitJS(`Number(document.getElementById("dashboard").dataset.updates) >= 4`, 20*time.Second)
	h.waitJS(`Number(document.getElementById("dash-chart-load").dataset.points) >= 3`, 10*time.Second)
	if eval[int](h, `window.__dashMarker || 0`) != 1 {
		t.Errorf("the page reloaded")
	}
	qps := eval[string](h, `document.getElementById("dash-qps").textContent`)
	if qps == "–" || strings.HasPrefix(qps, "0.0") {
		t.Errorf("server card queries/s %q under load", qps)
	}
	if srv := eval[string](h, `document.getElementById("dash-server").textContent`); !strings.Contains(srv, "MariaDB") {
		t.Errorf("server card: %q", srv)
	}
	// The started annotation is listed.
	h.waitJS(`document.getElementById("dash-events").textContent.includes("monitoring started")`, 10*time.Second)
	h.shot("dashboard")

	// Dragging across a chart zooms into that part of the range.
	h.run(chromedp.ScrollIntoView(chromedp.CSS("#dash-chart-load .u-over")))
	box := eval[[]float64](h, `(function () { var r = document.querySelector("#dash-chart-load .u-over").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	x0, x1, y := box[0]+box[2]*0.5, box[0]+box[2]*0.95, box[1]+box[3]/2
	h.run(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0, y),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, (x0+x1)/2, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x1, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	h.waitJS(`document.getElementById("dash-state").textContent.startsWith("Zoomed") && !document.getElementById("dash-reset-zoom").hidden`, 10*time.Second)
	h.run(chromedp.Click(chromedp.CSS("#dash-reset-zoom")))
	h.waitJS(`document.getElementById("dash-state").textContent.includes("Last 5m")`, 10*time.Second)

	// Another range reloads the history, not the page.
	h.run(chromedp.Click(chromedp.CSS(`.dash-range[data-range="24h"]`)))
	h.waitJS(`document.getElementById("dash-state").textContent.includes("Last 24h")`, 10*time.Second)
	if eval[string](h, `document.querySelector('.dash-range[data-range="24h"]').getAttribute("aria-pressed")`) != "true" {
		t.Error("the 24h button is not pressed")
	}
	if eval[int](h, `window.__dashMarker || 0`) != 1 {
		t.Errorf("the page reloaded on a range change")
	}
	h.noIssues("dashboard")
}
