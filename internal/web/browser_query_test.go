package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// qEval evaluates JavaScript in the page, awaiting a promise it returns.
func qEval[T any](h *harness, js string) T {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, 90*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		h.t.Fatalf("evaluate: %v", err)
	}
	return v
}

// qOpen opens a profile's query page with sql in the editor (through the
// draft the page restores, so the test does not depend on typing quotes
// and brackets into the editor).
func qOpen(h *harness, profile, sql string) {
	h.t.Helper()
	key, _ := json.Marshal("mydba-query-draft:/c/" + profile + "/query")
	val, _ := json.Marshal(sql)
	h.run(chromedp.Navigate(h.base+"/connections"), chromedp.WaitVisible(chromedp.CSS("h1")))
	qEval[chromedp.Void](h, "localStorage.setItem("+string(key)+", "+string(val)+")")
	h.run(chromedp.Navigate(h.base+"/c/"+profile+"/query"), chromedp.WaitVisible(chromedp.CSS(".cm-content")))
}

// qRunJS clicks a run button and waits for the results (and the grid of
// the active tab, when it has one); it resolves to the milliseconds that
// took.
const qRunJS = `(async (button) => {
  const results = document.getElementById("results");
  results.textContent = "";
  const t0 = performance.now();
  document.getElementById(button).click();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  for (;;) {
    await sleep(4);
    if (performance.now() - t0 > 60000) throw new Error("no results after 60s");
    if (!results.firstElementChild || results.getAttribute("aria-busy") === "true") continue;
    const panel = results.querySelector('[role="tabpanel"]:not([hidden])');
    const grid = panel && panel.querySelector(".qgrid");
    if (grid && !grid.hasAttribute("data-ready")) continue;
    return performance.now() - t0;
  }
})`

func qRun(h *harness) float64 {
	h.t.Helper()
	return qEval[float64](h, qRunJS+`("run-all")`)
}

// qGridText is the visible grid: header names and the first rows' cells.
const qGridText = `(() => {
  const g = document.querySelector('#results [role="tabpanel"]:not([hidden]) .qgrid');
  if (!g) return null;
  const head = [...g.querySelectorAll(".qg-hrow .qg-name")].map((e) => e.textContent);
  const rows = [...g.querySelectorAll(".qg-inner .qg-row:not([hidden])")].slice(0, 3)
    .map((r) => [...r.children].slice(1).map((c) => c.textContent));
  return { head, rows };
})()`

type gridText struct {
	Head []string   `json:"head"`
	Rows [][]string `json:"rows"`
}

func (h *harness) qNoIssues(what string) {
	h.t.Helper()
	if is := h.takeIssues(); len(is) > 0 {
		h.t.Errorf("%s: %s", what, strings.Join(is, "\n"))
	}
}

// The issue's flow: add a connection on the connections page, explore
// to a table, open the editor, type a query, run it with Ctrl+Enter,
// export the result.
func TestQueryFlowAddExploreRunExport(t *testing.T) {
	h := startHarness(t)
	lp := dbtest.LeastPriv(t)
	h.takeIssues()
	dsn := "mysql://" + lp.Target.User + "@" + lp.Target.Address() + "/shop"
	steps := []struct {
		name string
		do   []chromedp.Action[chromedp.Void]
	}{
		{"add the connection", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(h.base + "/connections"),
			chromedp.WaitVisible(chromedp.CSS("#add-title")),
			chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "qflow"),
			chromedp.SendKeys(chromedp.CSS(`input[name="dsn"]`), dsn),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), lp.Password),
			chromedp.Click(chromedp.CSS(`section[aria-labelledby="add-title"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`tr[id="conn-qflow"]`)),
		}},
		{"explore", []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS(`tr[id="conn-qflow"] a`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/c/qflow/explorer/shop"]`)),
			chromedp.Click(chromedp.CSS(`a[href="/c/qflow/explorer/shop"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/c/qflow/explorer/shop/orders"]`)),
			chromedp.Click(chromedp.CSS(`a[href="/c/qflow/explorer/shop/orders"]`)),
			chromedp.WaitVisible(chromedp.CSS("#preview table")),
		}},
		{"open the editor", []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS(`header nav a[href="/c/qflow/query"]`)),
			chromedp.WaitVisible(chromedp.CSS(".cm-content")),
		}},
	}
	for _, st := range steps {
		ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
		err := chromedp.Do(ctx, st.do...)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v (%s)", st.name, err, strings.Join(h.takeIssues(), "; "))
		}
	}
	h.qNoIssues("add, explore, open the editor")

	// Type the query and run it from the keyboard.
	h.run(
		chromedp.Click(chromedp.CSS(".cm-content")),
		chromedp.SendKeys(chromedp.CSS(".cm-content"), "SELECT id, status, coupon_code FROM orders ORDER BY id LIMIT 25"),
		chromedp.KeyEvent(kb.Escape), // close a completion popup, if one opened
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(chromedp.CSS(`#results .qgrid[data-ready]`)),
	)
	got := qEval[gridText](h, qGridText)
	if diff := cmp.Diff([]string{"id", "status", "coupon_code"}, got.Head); diff != "" {
		t.Errorf("grid header (-want +got):\n%s", diff)
	}
	if len(got.Rows) == 0 || got.Rows[0][0] != "1" {
		t.Errorf("first row = %v, want order 1", got.Rows)
	}
	label := qEval[string](h, `document.querySelector('#results [role="tab"][aria-selected="true"]').textContent`)
	if label != "1 · SELECT · 25 rows" {
		t.Errorf("tab label = %q", label)
	}
	h.qNoIssues("run")
	h.shot("query")
	if *screenshots {
		qEval[chromedp.Void](h, `document.documentElement.setAttribute("data-theme", "dark")`)
		h.shot("query-dark")
		qEval[chromedp.Void](h, `document.documentElement.removeAttribute("data-theme")`)
	}

	// Export as CSV: the browser downloads the file the server streams.
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
	}); err != nil {
		t.Fatal(err)
	}
	h.run(chromedp.Click(chromedp.CSS(`#results .qexport button[type="submit"]`)))
	file := waitDownload(t, dir)
	if !strings.HasPrefix(filepath.Base(file), "mydba-qflow-") || !strings.HasSuffix(file, ".csv") {
		t.Errorf("download name = %s", filepath.Base(file))
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 26 || strings.TrimSpace(lines[0]) != "id,status,coupon_code" || !strings.HasPrefix(lines[1], "1,") {
		t.Errorf("export = %d lines, starting %q", len(lines), lines[:min(2, len(lines))])
	}
	status := qEval[string](h, `document.querySelector("#results .qexport-status").textContent`)
	if !strings.HasPrefix(status, "Exported ") {
		t.Errorf("export status = %q", status)
	}
	h.qNoIssues("export")
}

// waitDownload waits for the one finished file in dir.
func waitDownload(t *testing.T, dir string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".crdownload") {
				return filepath.Join(dir, e.Name())
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no download arrived")
	return ""
}

// qScrollJS jumps to the end of the active grid and then pages through
// it, each step waiting for a frame and for its rows to be filled.
const qScrollJS = `(async (steps) => {
  const g = document.querySelector('#results [role="tabpanel"]:not([hidden]) .qgrid');
  const sc = g.querySelector(".qg-scroll");
  const total = Number(g.dataset.total);
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const visible = () => [...g.querySelectorAll(".qg-inner .qg-row:not([hidden])")];
  const filled = async () => {
    const t0 = performance.now();
    while (visible().some((r) => r.querySelector(".wait"))) {
      if (performance.now() - t0 > 20000) throw new Error("rows never arrived");
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  let t0 = performance.now();
  sc.scrollTop = sc.scrollHeight;
  for (;;) {
    await frame();
    const rows = visible();
    const last = rows[rows.length - 1];
    if (last && last.firstChild.textContent === String(total) && !last.querySelector(".wait")) break;
    if (performance.now() - t0 > 20000) throw new Error("the last row never showed");
  }
  const toEnd = performance.now() - t0;
  const lastRow = visible().pop().firstChild.textContent;
  sc.scrollTop = 0;
  await frame();
  await filled();
  t0 = performance.now();
  let worst = 0;
  for (let i = 0; i < steps; i++) {
    const s = performance.now();
    sc.scrollTop += sc.clientHeight - 40;
    await frame();
    await filled();
    worst = Math.max(worst, performance.now() - s);
  }
  const pageAvg = (performance.now() - t0) / steps;
  t0 = performance.now();
  for (let i = 0; i < 50; i++) {
    sc.scrollTop = Math.floor(((i * 7919) % 50) / 50 * sc.scrollHeight);
    await frame();
    await filled();
  }
  const jumpAvg = (performance.now() - t0) / 50;
  return { toEnd, lastRow, pageAvg, worst, jumpAvg, domRows: g.querySelectorAll(".qg-row").length };
})`

type scrollStats struct {
	ToEnd   float64 `json:"toEnd"`
	LastRow string  `json:"lastRow"`
	PageAvg float64 `json:"pageAvg"`
	Worst   float64 `json:"worst"`
	JumpAvg float64 `json:"jumpAvg"`
	DomRows int     `json:"domRows"`
}

// A 100,000-row result: only the visible rows are in the DOM, the last
// row is reachable, paging keeps up with the frame rate, and the row
// limit is reported honestly.
func TestQueryGridScrolls100kRows(t *testing.T) {
	h := startHarness(t)
	qOpen(h, "sandbox", "SELECT * FROM order_items")
	h.run(chromedp.SetValue(chromedp.CSS("#row-limit"), "100000"))
	h.takeIssues()
	render := qRun(h)
	total := qEval[string](h, `document.querySelector('#results [role="tabpanel"]:not([hidden]) .qgrid').dataset.total`)
	if total != "100000" {
		t.Fatalf("grid total = %s, want 100000", total)
	}
	// order_items has 500k rows: the result was cut at the limit, and the
	// page says so and offers the next limit.
	note := qEval[string](h, `(document.querySelector("#results .qtrunc") || {}).textContent || ""`)
	if !strings.Contains(note, "Only the first 100,000 rows") || !strings.Contains(note, "1,000,000") {
		t.Errorf("truncation note = %q", note)
	}
	h.shot("query-100k")
	st := qEval[scrollStats](h, qScrollJS+`(200)`)
	t.Logf("100k rows: run+first render %.0f ms; jump to end %.0f ms; page down %.1f ms/step (worst %.0f ms); random jump %.1f ms; %d row elements",
		render, st.ToEnd, st.PageAvg, st.Worst, st.JumpAvg, st.DomRows)
	if st.LastRow != "100000" {
		t.Errorf("last row shown = %s", st.LastRow)
	}
	if st.DomRows > 100 {
		t.Errorf("%d row elements in the DOM; the grid must render only the visible rows", st.DomRows)
	}
	if st.PageAvg > 100 {
		t.Errorf("paging takes %.0f ms a step; it must keep up with scrolling", st.PageAvg)
	}
	h.qNoIssues("100k grid")
}

// A write is refused by the read-only runner, offered to the safety gate,
// and the gate refuses a DROP on a prod connection: the table survives.
func TestQueryWriteGoesToGateRefusedOnProd(t *testing.T) {
	h := startHarness(t)
	admin := dbtest.Admin(t)
	dbtest.Exec(t, admin, "DROP DATABASE IF EXISTS t_webquery", "CREATE DATABASE t_webquery", "CREATE TABLE t_webquery.keep_me (id INT PRIMARY KEY)")
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP DATABASE IF EXISTS t_webquery") })

	qOpen(h, "sandbox-prod", "SELECT 1;\nDROP TABLE t_webquery.keep_me")
	h.takeIssues()
	qRun(h)
	offer := qEval[string](h, `(document.querySelector("#results .gate-offer") || {}).textContent || ""`)
	if !strings.Contains(offer, "Statement 2 (DDL, line 2)") {
		t.Fatalf("gate offer = %q", offer)
	}
	sent := qEval[string](h, `document.querySelector('#results .gate-offer input[name="sql"]').value`)
	if sent != "DROP TABLE t_webquery.keep_me" {
		t.Errorf("statement offered to the gate = %q, want only the DROP", sent)
	}
	if n := qEval[int](h, `document.querySelectorAll("#results [role=tab]").length`); n != 0 {
		t.Errorf("%d result tabs: nothing may run when a statement is refused", n)
	}
	h.run(
		chromedp.Click(chromedp.CSS(`#results .gate-offer button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#change-dialog")),
	)
	h.shot("query-gate")
	dialog := qEval[string](h, `document.getElementById("change-dialog").textContent`)
	if !strings.Contains(dialog, "Refused by the policy") {
		t.Errorf("safety dialog does not refuse: %q", dialog)
	}
	if n := qEval[int](h, `document.querySelectorAll('#change-dialog button[type="submit"]').length`); n != 0 {
		t.Errorf("the refusing dialog offers %d submit buttons", n)
	}
	h.run(chromedp.Click(chromedp.CSS("#change-dialog .close-dialog")))
	var n int
	if err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='t_webquery' AND TABLE_NAME='keep_me'").Scan(&n); err != nil || n != 1 {
		t.Errorf("the table is gone (count %d, err %v)", n, err)
	}
	h.qNoIssues("gate")
}

// XSS payloads in row data and column aliases render as text.
func TestQueryResultsRenderPayloadsAsText(t *testing.T) {
	h := startHarness(t)
	payload := `<img src=x onerror="window.__xss=1">`
	alias := `<script>window.__xss=2</script>`
	qOpen(h, "sandbox", "SELECT '"+payload+"' AS `"+alias+"`, NULL AS `n`, '<b>bold</b>' AS `<i>`")
	h.takeIssues()
	qRun(h)
	got := qEval[gridText](h, qGridText)
	want := gridText{Head: []string{alias, "n", "<i>"}, Rows: [][]string{{payload, "NULL", "<b>bold</b>"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("grid (-want +got):\n%s", diff)
	}
	ran := qEval[bool](h, `new Promise((r) => setTimeout(() => r(window.__xss !== undefined || document.querySelector("#results img, #results b, #results i, #history-list img") !== null), 300))`)
	if ran {
		t.Error("a payload was parsed as HTML")
	}
	if null := qEval[string](h, `document.querySelector(".qg-inner .qg-row .qg-cell.null").textContent`); null != "NULL" {
		t.Errorf("NULL cell = %q", null)
	}
	h.qNoIssues("xss")
}

// History: a run is listed, found by search, starred, replayed into the
// editor without running, and deleted.
func TestQueryHistorySearchReplay(t *testing.T) {
	h := startHarness(t)
	marker := "hist_marker_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	stmt := "SELECT '" + marker + "' AS m"
	qOpen(h, "sandbox", stmt)
	h.takeIssues()
	qRun(h)
	item := `#history-list li.hitem`
	h.run(
		chromedp.SendKeys(chromedp.CSS("#history-q"), marker[:12]),
		chromedp.WaitVisible(chromedp.CSS(item)),
	)
	// The list is the search result: only our statement matches.
	time.Sleep(400 * time.Millisecond)
	texts := qEval[[]string](h, `[...document.querySelectorAll("#history-list li.hitem .hsql")].map((e) => e.textContent)`)
	if diff := cmp.Diff([]string{stmt}, texts); diff != "" {
		t.Errorf("history search (-want +got):\n%s", diff)
	}
	entries, err := h.wb.History(context.Background(), dba.HistoryFilter{Text: marker})
	if err != nil || len(entries) != 1 {
		t.Fatalf("history has %d entries for the marker (err %v)", len(entries), err)
	}
	id := entries[0].ID

	// Favourite, then a tag (which keeps the star).
	h.run(
		chromedp.Click(chromedp.CSS(item+" button.fav")),
		chromedp.WaitVisible(chromedp.CSS(`#history-list li.hitem.hfav`)),
		chromedp.Click(chromedp.CSS(item+" details.htags summary")),
		chromedp.SendKeys(chromedp.CSS(item+` details.htags input[name="tags"]`), "Nightly, report"),
		chromedp.Click(chromedp.CSS(item+` details.htags button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(item+" .htags-list")),
	)
	e, err := h.wb.HistoryEntry(context.Background(), id)
	if err != nil || !e.Favourite || !cmp.Equal(e.Tags, []string{"nightly", "report"}) {
		t.Errorf("after star and tags: favourite=%v tags=%q err=%v", e.Favourite, e.Tags, err)
	}
	if fav := qEval[[]string](h, `[...document.querySelectorAll("#history-list li.hitem.hfav .htags-list .badge")].map((e) => e.textContent)`); !cmp.Equal(fav, []string{"nightly", "report"}) {
		t.Errorf("tags shown = %q", fav)
	}

	// Replay puts the statement into the editor and runs nothing.
	qEval[chromedp.Void](h, `document.getElementById("results").textContent = ""`)
	h.run(chromedp.Click(chromedp.CSS(item + " button.replay")))
	text := qEval[string](h, `document.querySelector(".cm-content").innerText`)
	if strings.TrimSpace(text) != stmt {
		t.Errorf("editor after replay = %q, want %q", text, stmt)
	}
	time.Sleep(300 * time.Millisecond)
	if n := qEval[int](h, `document.getElementById("results").childElementCount`); n != 0 {
		t.Error("replay ran the statement")
	}

	// Delete.
	h.run(chromedp.Click(chromedp.CSS(item + " .hactions button.danger")))
	deadline := time.Now().Add(5 * time.Second)
	for qEval[int](h, `document.querySelectorAll("#history-list li.hitem").length`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the deleted entry is still listed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := h.wb.HistoryEntry(context.Background(), id); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("after delete: err = %v, want not found", err)
	}
	h.qNoIssues("history")
}

// The EXPLAIN button opens the EXPLAIN page with the statement around the
// cursor, and that page explains it.
func TestQueryExplainButton(t *testing.T) {
	h := startHarness(t)
	if h.srv.sectionURL("sandbox", "explain") == "" {
		t.Fatal("no EXPLAIN page to link to")
	}
	qOpen(h, "sandbox", "SELECT 1;\nSELECT 2 AS second;\n")
	h.run(
		chromedp.WaitVisible(chromedp.CSS("#run-explain")),
		chromedp.Click(chromedp.CSS(".cm-content")),
		chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.Click(chromedp.CSS("#run-explain")),
		chromedp.WaitVisible(chromedp.CSS("#explain-sql")),
	)
	loc := qEval[string](h, `location.href`)
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u.Path, "/c/sandbox/explain") {
		t.Fatalf("the button opened %s, want the EXPLAIN page", u.Path)
	}
	if sql := u.Query().Get("sql"); sql != "SELECT 2 AS second" {
		t.Errorf("EXPLAIN page got %q, want the statement at the cursor", sql)
	}
	if got := qEval[string](h, `document.querySelector("#explain-sql").value`); got != "SELECT 2 AS second" {
		t.Errorf("EXPLAIN page shows %q", got)
	}
}

// Every control of the page has an accessible name, the editor too, and
// keyboard focus is visible.
func TestQueryPageKeyboardAndLabels(t *testing.T) {
	h := startHarness(t)
	qOpen(h, "sandbox", "USE shop;\nSELECT id FROM orders LIMIT 3")
	h.takeIssues()
	qRun(h)
	unnamed := qEval[[]string](h, `(() => {
  const bad = [];
  const controls = document.querySelectorAll('#query-page button, #query-page select, #query-page input:not([type="hidden"]), #query-page [role="tab"], #query-page .qg-scroll, #query-page .cm-content');
  for (const el of controls) {
    if (el.closest("[hidden]")) continue;
    const labels = el.labels ? [...el.labels].map((l) => l.textContent).join(" ") : "";
    const name = (el.getAttribute("aria-label") || labels || el.textContent || el.getAttribute("title") || "").trim();
    if (!name) bad.push(el.outerHTML.slice(0, 160));
  }
  return bad;
})()`)
	if len(unnamed) > 0 {
		t.Errorf("controls without an accessible name:\n%s", strings.Join(unnamed, "\n"))
	}
	// Keyboard: Shift+Tab from the row limit lands on a visibly focused
	// button: Profile, or Run selection while there is no profile page.
	h.run(
		chromedp.Focus(chromedp.CSS("#row-limit")),
		chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)),
	)
	want := "run-selection true solid"
	if h.srv.sectionURL("sandbox", "profile") != "" {
		want = "run-profile true solid"
	}
	focus := qEval[string](h, `(() => { const e = document.activeElement; const s = getComputedStyle(e); return e.id + " " + e.matches(":focus-visible") + " " + s.outlineStyle; })()`)
	if focus != want {
		t.Errorf("focus after Shift+Tab = %q, want %q (the button before the row limit, with a visible outline)", focus, want)
	}
	// Tabs switch with the arrow keys.
	h.run(
		chromedp.Focus(chromedp.CSS(`#results [role="tab"][aria-selected="true"]`)),
		chromedp.KeyEvent(kb.ArrowLeft),
	)
	sel := qEval[string](h, `document.activeElement.getAttribute("aria-selected") + " " + document.activeElement.textContent + " " + document.getElementById(document.activeElement.getAttribute("aria-controls")).hidden`)
	if sel != "true 1 · USE · ok false" {
		t.Errorf("after ArrowLeft: %q", sel)
	}
	h.qNoIssues("keyboard")
}

// Cancel aborts the run and the server stops the statement.
func TestQueryCancelStopsTheStatement(t *testing.T) {
	h := startHarness(t)
	admin := dbtest.Admin(t)
	marker := "cancel_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	qOpen(h, "sandbox", "SELECT SLEEP(30) AS "+marker)
	running := func() int {
		var n int
		if err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND INFO NOT LIKE '%PROCESSLIST%'", "%"+marker+"%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	h.takeIssues()
	h.run(
		chromedp.Click(chromedp.CSS("#run-all")),
		chromedp.WaitVisible(chromedp.CSS("#run-cancel")),
	)
	deadline := time.Now().Add(10 * time.Second)
	for running() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the statement never reached the server")
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.run(chromedp.Click(chromedp.CSS("#run-cancel")))
	deadline = time.Now().Add(5 * time.Second)
	for running() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the statement still runs on the server after Cancel")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := qEval[string](h, `document.getElementById("run-status").textContent`); s != "Cancelled." {
		t.Errorf("status = %q", s)
	}
	if d := qEval[bool](h, `document.getElementById("run-all").disabled`); d {
		t.Error("Run stays disabled after Cancel")
	}
	h.qNoIssues("cancel")
}
