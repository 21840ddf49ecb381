package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/workbench"
)

// XSS payloads for identifiers, comments and data in the plan tests. Each
// sets window.__xss if it ever runs.
const (
	xssTable = `<img src=x onerror=window.__xss=1>`
	// No double quote in the column name: MariaDB 10.11 writes it
	// unescaped into the attached_condition of EXPLAIN FORMAT=JSON, which
	// is then not JSON (the page says the plan cannot be read).
	xssColumn = `'><svg onload=window.__xss=2>`
	xssIndex  = `<b onmouseover=window.__xss=4>`
	xssData   = `<script>window.__xss=6</script>`
)

// planSchema creates a private schema with a table whose names, comments
// and rows carry XSS payloads, and a plain InnoDB table of 100 rows for
// ANALYZE of a DELETE. Both go away with the test.
func planSchema(t *testing.T) (string, *sql.DB) {
	t.Helper()
	admin := dbtest.Admin(t)
	schema := fmt.Sprintf("t_webplan_%d", rand.IntN(1e9))
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + schema) })
	var rows strings.Builder
	for i := 1; i <= 100; i++ {
		if i > 1 {
			rows.WriteString(",")
		}
		fmt.Fprintf(&rows, "(%d, 'c%d', %s)", i, i%7, quoteSQL(xssData))
	}
	dbtest.Exec(t, admin,
		"CREATE DATABASE "+schema,
		"CREATE TABLE "+schema+".`"+xssTable+"` (id INT PRIMARY KEY, `"+xssColumn+"` VARCHAR(50), note VARCHAR(100) COMMENT '<script>window.__xss=3</script>', KEY `"+xssIndex+"` (`"+xssColumn+"`)) ENGINE=InnoDB COMMENT='<script>window.__xss=5</script>'",
		"INSERT INTO "+schema+".`"+xssTable+"` VALUES "+rows.String(),
		"CREATE TABLE "+schema+".items (id INT PRIMARY KEY, grp INT, note VARCHAR(40)) ENGINE=InnoDB",
		"INSERT INTO "+schema+".items SELECT seq, seq % 5, CONCAT('n', seq) FROM seq_1_to_100",
		"ANALYZE TABLE "+schema+".`"+xssTable+"`, "+schema+".items",
	)
	return schema, admin
}

// planShot scrolls to the top and saves a screenshot for the docs.
func planShot(h *harness, name string) {
	h.t.Helper()
	if *screenshots {
		h.run(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		// htmx's request indicator fades out (200 ms) after the answer.
		time.Sleep(300 * time.Millisecond)
		h.shot(name)
	}
}

func quoteSQL(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func countRows(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// unionQuery is a real statement whose plan has about 4 steps per
// branch: n branches of a two-table join.
func unionQuery(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("SELECT c.id, o.id FROM shop.customers c JOIN shop.orders o ON o.customer_id = c.id WHERE c.id = %d", i+1)
	}
	return strings.Join(parts, " UNION ALL ")
}

const planJoinSQL = "SELECT o.id, c.email FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE o.status = 'paid' ORDER BY o.created_at LIMIT 10"

func explainPath(profile, sql string) string {
	return "/c/" + profile + "/explain?sql=" + url.QueryEscape(sql)
}

// TestExplainTreeAndPainPoints: the tree renders one element per step,
// coloured by findings; a pain point selects and centres its step and
// shows its findings; search, the table view, keyboard selection,
// collapse and the exports work.
func TestExplainTreeAndPainPoints(t *testing.T) {
	h := startHarness(t)
	h.takeIssues()
	h.run(chromedp.Navigate(h.base+explainPath("sandbox", planJoinSQL)), chromedp.WaitVisible(chromedp.CSS(".plan-svg .pn")))
	nodes := eval[int](h, `Number(document.querySelector("#plan-view").getAttribute("data-nodes"))`)
	if got := eval[int](h, `document.querySelectorAll(".plan-svg .pn").length`); got != nodes || nodes < 4 {
		t.Fatalf("%d step elements for %d steps", got, nodes)
	}
	if n := eval[int](h, `document.querySelectorAll(".plan-svg .pn.sev-warning, .plan-svg .pn.sev-error").length`); n == 0 {
		t.Errorf("no step is coloured by a warning (the join sorts and scans)")
	}
	// A pain point links to its step.
	target := eval[string](h, `document.querySelector(".pain-list .finding-link").getAttribute("data-node")`)
	code := eval[string](h, `document.querySelector(".pain-list .finding-link strong").textContent`)
	before := eval[string](h, `document.querySelector(".plan-svg .viewport").getAttribute("transform")`)
	h.run(chromedp.Click(chromedp.CSS(".pain-list .finding-link")))
	h.waitJS(`document.querySelector("#plan-view").getAttribute("data-selected") === `+strconv.Quote(target), 3*time.Second)
	if !eval[bool](h, `document.querySelector('.plan-svg .pn[data-node="`+target+`"]').classList.contains("selected")`) {
		t.Errorf("step %s is not marked selected", target)
	}
	if after := eval[string](h, `document.querySelector(".plan-svg .viewport").getAttribute("transform")`); after == before {
		t.Errorf("the view did not move to the step")
	}
	details := eval[string](h, `document.querySelector("#plan-details").textContent`)
	if !strings.Contains(details, "Step "+target) || !strings.Contains(details, code) {
		t.Errorf("details %q do not show step %s and its finding %s", details, target, code)
	}
	planShot(h, "explain")

	// Search highlights steps by key.
	h.run(chromedp.SendKeys(chromedp.CSS(".plan-search"), "idx_orders_customer"))
	h.waitJS(`document.querySelectorAll(".plan-svg .pn.match").length > 0`, 3*time.Second)
	if txt := eval[string](h, `document.querySelector(".plan-search-count").textContent`); !strings.HasPrefix(txt, "1 step") {
		t.Errorf("search count %q", txt)
	}
	// Keyboard: Tab to a step, Enter selects it.
	h.run(chromedp.Focus(chromedp.CSS(`.plan-svg .pn[data-node="1"]`)), chromedp.KeyEvent("\r"))
	h.waitJS(`document.querySelector("#plan-view").getAttribute("data-selected") === "1"`, 3*time.Second)
	// Collapse the root: one step left.
	h.run(chromedp.Evaluate[chromedp.Void](`(() => {
		const t = document.querySelector('.plan-svg .pn[data-node="1"] [data-toggle]');
		const r = t.getBoundingClientRect();
		const o = {bubbles: true, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2, pointerId: 1, button: 0};
		t.dispatchEvent(new PointerEvent("pointerdown", o));
		t.dispatchEvent(new PointerEvent("pointerup", o));
	})()`))
	h.waitJS(`document.querySelector("#plan-view").getAttribute("data-visible") === "1"`, 3*time.Second)
	h.run(chromedp.Click(chromedp.CSS(`.plan-expand[data-expand="all"]`)))
	h.waitJS(`document.querySelector("#plan-view").getAttribute("data-visible") === document.querySelector("#plan-view").getAttribute("data-nodes")`, 3*time.Second)
	// Zoom buttons change the scale.
	k0 := eval[string](h, `document.querySelector(".plan-svg .viewport").getAttribute("transform")`)
	h.run(chromedp.Click(chromedp.CSS(`.plan-zoom[data-zoom="in"]`)))
	if k1 := eval[string](h, `document.querySelector(".plan-svg .viewport").getAttribute("transform")`); k1 == k0 {
		t.Errorf("zoom in did nothing")
	}
	// The wheel zooms at the pointer; dragging with the mouse pans.
	w0 := eval[string](h, `document.querySelector(".plan-svg .viewport").getAttribute("transform")`)
	h.run(chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector(".plan-svg"), r = s.getBoundingClientRect();
		s.dispatchEvent(new WheelEvent("wheel", {bubbles: true, cancelable: true, deltaY: -300, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2}));
	})()`))
	w1 := eval[string](h, `document.querySelector(".plan-svg .viewport").getAttribute("transform")`)
	if w1 == w0 || !strings.Contains(w1, "scale(") {
		t.Errorf("the wheel did not zoom: %q then %q", w0, w1)
	}
	box := eval[[]float64](h, `(() => { const r = document.querySelector(".plan-svg").getBoundingClientRect(); return [r.x + 12, Math.min(r.bottom, innerHeight) - 12]; })()`)
	h.run(
		chromedp.MouseEvent(chromedp.MousePressed, box[0], box[1], chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, box[0]+40, box[1]-30, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, box[0]+80, box[1]-60, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseReleased, box[0]+80, box[1]-60, chromedp.ButtonLeft),
	)
	if w2 := eval[string](h, `document.querySelector(".plan-svg .viewport").getAttribute("transform")`); w2 == w1 {
		t.Errorf("dragging did not pan: %q", w2)
	}
	// The table view has every step; a row selects its step.
	h.run(chromedp.Click(chromedp.CSS(`.plan-mode[data-mode="table"]`)), chromedp.WaitVisible(chromedp.CSS("#plan-table")))
	if n := eval[int](h, `document.querySelectorAll("#plan-table tr[data-node]").length`); n != nodes {
		t.Errorf("table view has %d rows for %d steps", n, nodes)
	}
	h.run(chromedp.Click(chromedp.CSS(`#plan-table tr[data-node="2"]`)))
	h.waitJS(`document.querySelector("#plan-view").getAttribute("data-selected") === "2"`, 3*time.Second)
	h.run(chromedp.Click(chromedp.CSS(`.plan-mode[data-mode="tree"]`)), chromedp.WaitVisible(chromedp.CSS("#plan-view")))
	// Exports: JSON is the report, SVG and PNG are drawn.
	for _, f := range []string{"json", "svg", "png"} {
		h.run(chromedp.Click(chromedp.CSS(`.plan-export[data-format="` + f + `"]`)))
		h.waitJS(`(document.querySelector("#plan-view").getAttribute("data-exported") || "").startsWith("`+f+`:")`, 5*time.Second)
		exp := eval[string](h, `document.querySelector("#plan-view").getAttribute("data-exported")`)
		if n, _ := strconv.Atoi(strings.TrimPrefix(exp, f+":")); n < 500 {
			t.Errorf("%s export: %q", f, exp)
		}
	}
	var rep dba.PlanReport
	if err := json.Unmarshal([]byte(eval[string](h, `document.querySelector("#plan-view").getAttribute("data-plan")`)), &rep); err != nil || rep.Plan.Root == nil || len(rep.Findings) == 0 || rep.Raw != "" {
		t.Errorf("the exported report does not read back: %v", err)
	}
	h.noIssues("explain")
}

// TestExplainRender200Nodes measures the tree's render time for a real
// plan of over 200 steps (a UNION of 50 joins), on first render and on
// re-renders.
func TestExplainRender200Nodes(t *testing.T) {
	h := startHarness(t)
	h.takeIssues()
	renderMS := func() float64 {
		return eval[float64](h, `Number(document.querySelector("#plan-view").getAttribute("data-render-ms"))`)
	}
	renderParts := func() string {
		return eval[string](h, `document.querySelector("#plan-view").getAttribute("data-render-parts")`)
	}
	median := func(times []float64) (med, worst float64) {
		sort.Float64s(times)
		return times[len(times)/2], times[len(times)-1]
	}
	// within measures up to three rounds and keeps the first whose median
	// is under limit: the machine is shared (other tests, other builds),
	// and a load spike can slow a whole round; a slow renderer is slow in
	// every round. Each round is logged.
	within := func(name string, limit float64, round func() (median, worst float64, parts string)) {
		t.Helper()
		for try := 1; ; try++ {
			med, worst, parts := round()
			t.Logf("%s: median %.1f ms, max %.1f ms (round %d; last: %s)", name, med, worst, try, parts)
			if med < limit {
				return
			}
			if try == 3 {
				t.Errorf("%s: %.1f ms median in each of 3 rounds: want under %.0f ms", name, med, limit)
				return
			}
		}
	}
	// The first render of a fresh page, five page loads a round.
	nodes := 0
	within("first render of the page", 100, func() (float64, float64, string) {
		var times []float64
		for range 5 {
			h.run(chromedp.Navigate(h.base+explainPath("sandbox", unionQuery(50))), chromedp.WaitVisible(chromedp.CSS(".plan-svg .pn")))
			nodes = eval[int](h, `Number(document.querySelector("#plan-view").getAttribute("data-nodes"))`)
			if nodes < 200 {
				t.Fatalf("the plan has %d steps, want 200 or more", nodes)
			}
			times = append(times, renderMS())
		}
		med, worst := median(times)
		return med, worst, renderParts()
	})
	t.Logf("the plan has %d steps", nodes)
	// Re-renders, 20 a round: at the opening view (Expand all lays out
	// and draws again), with every step on screen (Fit: boxes without
	// text at that scale), and every step drawn in full wherever the view
	// is (what the SVG export draws; steps out of view are not drawn
	// otherwise, so it gets a looser bound).
	all := strconv.Itoa(nodes) + " of " + strconv.Itoa(nodes)
	for _, m := range []struct {
		name, click, detail string
		limit               float64
	}{
		{"re-render at the opening view", "", "", 100},
		{"every step on screen (Fit)", `.plan-zoom[data-zoom="fit"]`, "fit", 100},
		{"every step with its text", "", "all", 300},
	} {
		within(m.name, m.limit, func() (float64, float64, string) {
			var times []float64
			for range 20 {
				h.run(chromedp.Click(chromedp.CSS(`.plan-expand[data-expand="all"]`)))
				if m.click != "" {
					h.run(chromedp.Click(chromedp.CSS(m.click)))
				}
				if m.detail != "" {
					h.run(chromedp.Evaluate[chromedp.Void](`document.querySelector("#plan-view").dispatchEvent(new CustomEvent("mydba-rerender", {detail: "` + m.detail + `"}))`))
				}
				times = append(times, renderMS())
			}
			med, worst := median(times)
			return med, worst, renderParts()
		})
		if parts := renderParts(); m.detail != "" && !strings.Contains(parts, all) {
			t.Errorf("%s: not every step was drawn: %s", m.name, parts)
		}
	}
	h.noIssues("200-step plan")
}

// TestExplainXSS: payloads in table, column and index names, comments
// and row data render as text in the tree, the table, the details and
// the pain points; none runs.
func TestExplainXSS(t *testing.T) {
	h := startHarness(t)
	schema, _ := planSchema(t)
	q := "SELECT /* " + xssData + " */ id, note FROM " + schema + ".`" + xssTable + "` WHERE `" + xssColumn + "` = " + quoteSQL(xssData) + " OR note = " + quoteSQL(xssData) + " ORDER BY note"
	h.takeIssues()
	h.run(chromedp.Navigate(h.base+explainPath("sandbox-root", q)), chromedp.WaitVisible(chromedp.CSS(".plan-svg .pn")))
	// Select every step from the table view, so the details panel
	// renders each.
	h.run(chromedp.Click(chromedp.CSS(`.plan-mode[data-mode="table"]`)), chromedp.WaitVisible(chromedp.CSS("#plan-table")))
	for _, id := range eval[[]string](h, `Array.from(document.querySelectorAll(".plan-svg .pn")).map(g => g.getAttribute("data-node"))`) {
		h.run(chromedp.Click(chromedp.CSS(`#plan-table tr[data-node="` + id + `"]`)))
		if !strings.Contains(eval[string](h, `document.querySelector("#plan-details h2").textContent`), "Step "+id) {
			t.Errorf("step %s: details not shown", id)
		}
	}
	if !eval[bool](h, `window.__xss === undefined`) {
		t.Fatalf("an XSS payload ran: window.__xss = %v", eval[any](h, `window.__xss`))
	}
	if n := eval[int](h, `document.querySelectorAll("#plan-result img, #plan-result script, #plan-result svg svg, #plan-result b").length`); n != 0 {
		t.Errorf("%d elements were built from server data", n)
	}
	tree := eval[string](h, `Array.from(document.querySelectorAll(".plan-svg text")).map(e => e.textContent).join("\n") + "\n" + Array.from(document.querySelectorAll(".plan-svg .pn")).map(e => e.getAttribute("aria-label")).join("\n")`)
	if !strings.Contains(tree, "table <img src=x") || !strings.Contains(tree, xssTable) {
		t.Errorf("the tree does not show the table name as text:\n%s", tree)
	}
	table := eval[string](h, `document.querySelector("#plan-table").textContent`)
	for _, want := range []string{xssTable, xssColumn, xssData} {
		if !strings.Contains(table, want) {
			t.Errorf("the table view does not show %q as text", want)
		}
	}
	// The details of the table step: possible keys (the index name) and
	// the condition, as text.
	tableStep := eval[string](h, `Array.from(document.querySelectorAll("#plan-table tr[data-node]")).find(r => r.textContent.includes("table <img")).getAttribute("data-node")`)
	h.run(chromedp.Click(chromedp.CSS(`#plan-table tr[data-node="` + tableStep + `"]`)))
	details := eval[string](h, `document.querySelector("#plan-details").textContent`)
	for _, want := range []string{xssIndex, xssColumn, xssData} {
		if !strings.Contains(details, want) {
			t.Errorf("the step details do not show %q as text: %s", want, details)
		}
	}
	if sqlText := eval[string](h, `document.querySelector("#explain-sql").value`); sqlText != q {
		t.Errorf("the statement box holds %q", sqlText)
	}
	h.noIssues("explain with XSS payloads")
}

// TestExplainAnalyzeDelete: ANALYZE of a DELETE goes through the safety
// gate. Without confirmation it is refused; Cancel runs nothing; confirmed,
// it runs in a transaction that is rolled back and the table keeps every
// row. On prod the dialog asks for the typed name and a reason.
func TestExplainAnalyzeDelete(t *testing.T) {
	h := startHarness(t)
	schema, admin := planSchema(t)
	table := schema + ".items"
	del := "DELETE FROM " + table + " WHERE grp = 1"
	audits := func(status string) int {
		t.Helper()
		es, err := h.wb.AuditLog(context.Background(), dba.AuditFilter{Profile: "sandbox-root"})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range es {
			if e.Status == status && strings.Contains(e.Statement, "ANALYZE DELETE FROM "+table) && e.Source == "web" {
				n++
			}
		}
		return n
	}
	h.takeIssues()
	h.run(chromedp.Navigate(h.base+"/c/sandbox-root/explain"), chromedp.WaitVisible(chromedp.CSS("#explain-sql")),
		chromedp.SendKeys(chromedp.CSS("#explain-sql"), del),
		chromedp.Click(chromedp.CSS("#explain-analyze")),
		chromedp.WaitVisible(chromedp.CSS("#analyze-dialog[data-ready]")))
	plan := eval[string](h, `document.querySelector("#analyze-dialog pre").textContent`)
	if !strings.HasPrefix(plan, "ANALYZE "+del) || !strings.Contains(plan, "rolled back") {
		t.Errorf("dialog plan %q", plan)
	}
	if n := eval[int](h, `document.querySelectorAll("#analyze-dialog input[name=typed_name]").length`); n != 0 {
		t.Errorf("a dev connection asks for the typed name")
	}
	planShot(h, "explain-analyze-dialog")
	// Cancel: nothing ran, nothing was audited.
	h.run(chromedp.Click(chromedp.CSS("#analyze-dialog .close-dialog")), chromedp.WaitNotPresent(chromedp.CSS("#analyze-dialog")))
	if n := countRows(t, admin, table); n != 100 || audits("rolled back") != 0 {
		t.Fatalf("after cancel: %d rows, %d audited runs", n, audits("rolled back"))
	}
	// The run without confirmation (a hand-made request): refused.
	body := url.Values{"sql": {del}, "analyze": {"1"}, "stage": {"run"}}.Encode()
	answer := eval[string](h, `mydbaFetch("/c/sandbox-root/explain", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}, body: `+strconv.Quote(body)+`}).then(r => r.text())`,
		chromedp.EvalAwaitPromise)
	if !strings.Contains(answer, "Refused by the safety gate") || !strings.Contains(answer, "needs confirmation") {
		t.Errorf("unconfirmed ANALYZE answered %q", answer)
	}
	if n := countRows(t, admin, table); n != 100 || audits("refused") != 1 {
		t.Fatalf("after the refusal: %d rows, %d refusals audited", n, audits("refused"))
	}
	// Dry run: audited, nothing run, no plan measured.
	h.run(chromedp.Click(chromedp.CSS("#explain-analyze")), chromedp.WaitVisible(chromedp.CSS("#analyze-dialog[data-ready]")),
		chromedp.Click(chromedp.CSS(`#analyze-dialog button[name=dry_run]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#analyze-dialog")))
	if txt := eval[string](h, `document.querySelector("#plan-result").textContent`); !strings.Contains(txt, "dry run") {
		t.Errorf("dry run answered %q", txt)
	}
	if n := countRows(t, admin, table); n != 100 || audits("dry run") != 1 {
		t.Fatalf("after the dry run: %d rows, %d dry runs audited", n, audits("dry run"))
	}
	// Confirmed: measured, rolled back, audited.
	h.run(chromedp.Click(chromedp.CSS("#explain-analyze")), chromedp.WaitVisible(chromedp.CSS("#analyze-dialog[data-ready]")),
		chromedp.Click(chromedp.CSS("#analyze-dialog-run")),
		chromedp.WaitVisible(chromedp.CSS("#plan-rolled-back")))
	if eval[int](h, `document.querySelectorAll("#analyze-dialog").length`) != 0 {
		t.Errorf("the dialog stayed open")
	}
	if s := eval[string](h, `document.querySelector("#plan-summary").textContent`); !strings.Contains(s, "executed and rolled back") {
		t.Errorf("summary %q", s)
	}
	h.run(chromedp.Click(chromedp.CSS(`.plan-mode[data-mode="table"]`)), chromedp.WaitVisible(chromedp.CSS("#plan-table")))
	if hdr := eval[string](h, `document.querySelector("#plan-table thead").textContent`); !strings.Contains(hdr, "Actual rows") {
		t.Errorf("no measured figures in the table view: %q", hdr)
	}
	h.run(chromedp.Click(chromedp.CSS(`.plan-mode[data-mode="tree"]`)))
	if n := countRows(t, admin, table); n != 100 {
		t.Fatalf("ANALYZE DELETE left %d rows of 100", n)
	}
	if audits("rolled back") != 1 {
		t.Errorf("the rolled-back run is not in the audit log")
	}
	h.noIssues("ANALYZE of a DELETE")

	// Prod: the dialog asks for the connection's name and a reason; a
	// wrong name is refused and nothing changes.
	h.run(chromedp.Navigate(h.base+"/c/sandbox-prod/explain"), chromedp.WaitVisible(chromedp.CSS("#explain-sql")),
		chromedp.SendKeys(chromedp.CSS("#explain-sql"), del),
		chromedp.Click(chromedp.CSS("#explain-analyze")),
		chromedp.WaitVisible(chromedp.CSS("#analyze-dialog input[name=typed_name]")),
		chromedp.SendKeys(chromedp.CSS("#analyze-dialog input[name=typed_name]"), "sandbox-root"),
		chromedp.SendKeys(chromedp.CSS("#analyze-dialog input[name=reason]"), "measure the purge"),
		chromedp.Click(chromedp.CSS("#analyze-dialog-run")),
		chromedp.WaitVisible(chromedp.CSS("#plan-refused")))
	if txt := eval[string](h, `document.querySelector("#plan-refused").textContent`); !strings.Contains(txt, `"sandbox-prod"`) {
		t.Errorf("refusal %q does not ask for the connection name", txt)
	}
	if n := countRows(t, admin, table); n != 100 {
		t.Fatalf("a refused ANALYZE left %d rows of 100", n)
	}
	h.noIssues("ANALYZE on prod")
}

// TestExplainAnalyzeRead: ANALYZE of a read runs at once on the read-only
// session (no dialog) and shows measured rows next to the estimates.
func TestExplainAnalyzeRead(t *testing.T) {
	h := startHarness(t)
	h.takeIssues()
	h.run(chromedp.Navigate(h.base+"/c/sandbox/explain"), chromedp.WaitVisible(chromedp.CSS("#explain-sql")),
		chromedp.SendKeys(chromedp.CSS("#explain-sql"), planJoinSQL),
		chromedp.Click(chromedp.CSS("#explain-analyze")),
		chromedp.WaitVisible(chromedp.CSS(".plan-svg .pn")))
	if eval[int](h, `document.querySelectorAll(".dialog").length`) != 0 {
		t.Errorf("ANALYZE of a read asked for approval")
	}
	if s := eval[string](h, `document.querySelector("#plan-summary").textContent`); !strings.Contains(s, "executed (measured)") {
		t.Errorf("summary %q", s)
	}
	if txt := eval[string](h, `Array.from(document.querySelectorAll(".plan-svg text")).map(e => e.textContent).join(" ")`); !strings.Contains(txt, "actual ") {
		t.Errorf("the tree shows no measured rows: %s", txt)
	}
	h.run(chromedp.Click(chromedp.CSS(".pain-list .finding-link")))
	planShot(h, "explain-analyze")
	h.noIssues("ANALYZE of a read")
}

// TestQueryPageOpensExplainAndProfile: the query editor's EXPLAIN and
// Profile buttons open these pages with the statement at the cursor.
func TestQueryPageOpensExplainAndProfile(t *testing.T) {
	h := startHarness(t)
	h.takeIssues()
	qOpen(h, "sandbox", "SELECT 1;\nSELECT status, COUNT(*) FROM shop.orders GROUP BY status;\n")
	h.run(
		chromedp.Click(chromedp.CSS(".cm-content")),
		chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.Click(chromedp.CSS("#run-explain")),
		chromedp.WaitVisible(chromedp.CSS(".plan-svg .pn")),
	)
	if got := eval[string](h, `document.querySelector("#explain-sql").value`); got != "SELECT status, COUNT(*) FROM shop.orders GROUP BY status" {
		t.Errorf("EXPLAIN page got %q", got)
	}
	h.run(chromedp.Click(chromedp.CSS("#to-profile")), chromedp.WaitVisible(chromedp.CSS("#waterfall")))
	if got := eval[string](h, `document.querySelector("#profile-sql").value`); !strings.HasPrefix(got, "SELECT status, COUNT(*)") {
		t.Errorf("profile page got %q", got)
	}
	h.noIssues("query → explain → profile")
}

// TestProfileWaterfall: the profile page runs the statement once and
// draws its stages as a waterfall, bars placed by offset and duration.
func TestProfileWaterfall(t *testing.T) {
	h := startHarness(t)
	h.takeIssues()
	q := "SELECT status, COUNT(*) FROM shop.orders GROUP BY status ORDER BY 2 DESC"
	h.run(chromedp.Navigate(h.base+"/c/sandbox/profile?sql="+url.QueryEscape(q)), chromedp.WaitVisible(chromedp.CSS("#waterfall")))
	stages := eval[int](h, `document.querySelectorAll("#waterfall tbody tr").length`)
	if stages < 5 {
		t.Fatalf("%d stages", stages)
	}
	placed := eval[int](h, `document.querySelectorAll("#waterfall .wf-bar[data-placed]").length`)
	if placed != stages {
		t.Errorf("%d of %d bars placed", placed, stages)
	}
	// The widest bar is the stage with the largest share, and it is wide.
	widest := eval[float64](h, `Math.max(...Array.from(document.querySelectorAll("#waterfall .wf-bar")).map(b => b.getBoundingClientRect().width / b.parentElement.getBoundingClientRect().width))`)
	if widest < 0.5 {
		t.Errorf("the widest bar covers %.2f of the track; one stage takes most of a 200k-row scan", widest)
	}
	if txt := eval[string](h, `document.querySelector("#profile-summary").textContent`); !strings.Contains(txt, "examined") || !strings.Contains(txt, "No index used") {
		t.Errorf("summary %q", txt)
	}
	planShot(h, "profile")
	h.noIssues("profile")
}

// TestProfileEnableWaits: waits need consumers the sandbox keeps off; the
// page names them, offers to switch them on through the gate, profiles,
// and puts them back.
func TestProfileEnableWaits(t *testing.T) {
	h := startHarness(t)
	admin := dbtest.Admin(t)
	consumers := func() string {
		t.Helper()
		var s string
		if err := admin.QueryRow("SELECT GROUP_CONCAT(CONCAT(NAME, '=', ENABLED) ORDER BY NAME) FROM performance_schema.setup_consumers WHERE NAME LIKE 'events_waits%'").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	const waits = "performance_schema.setup_consumers SET ENABLED = '%s' WHERE NAME LIKE 'events_waits%%'"
	if !strings.Contains(consumers(), "=NO") {
		// Left on by someone else: switch them off so there is something
		// to switch on, and leave them as they were found.
		dbtest.Exec(t, admin, "UPDATE "+fmt.Sprintf(waits, "NO"))
		t.Cleanup(func() { _, _ = admin.Exec("UPDATE " + fmt.Sprintf(waits, "YES")) })
	}
	before := consumers()
	h.takeIssues()
	q := "SELECT COUNT(*) FROM shop.products WHERE price > 10"
	h.run(chromedp.Navigate(h.base+"/c/sandbox-root/profile"), chromedp.WaitVisible(chromedp.CSS("#profile-sql")),
		chromedp.SendKeys(chromedp.CSS("#profile-sql"), q),
		chromedp.Click(chromedp.CSS(`input[name=waits]`)),
		chromedp.Click(chromedp.CSS("#profile-run")),
		chromedp.WaitVisible(chromedp.CSS("#profile-gaps")))
	if txt := eval[string](h, `document.querySelector("#profile-gaps").textContent`); !strings.Contains(txt, "events_waits") {
		t.Errorf("gaps %q do not name the wait consumers", txt)
	}
	if consumers() != before {
		t.Fatalf("consumers changed before approval")
	}
	h.run(chromedp.Click(chromedp.CSS("#profile-enable")), chromedp.WaitVisible(chromedp.CSS("#enable-dialog[data-ready]")))
	if consumers() != before {
		t.Fatalf("consumers changed by the preview")
	}
	h.run(chromedp.Click(chromedp.CSS("#enable-dialog-run")), chromedp.WaitVisible(chromedp.CSS("#pfs-changes")))
	statuses := eval[[]string](h, `Array.from(document.querySelectorAll("#pfs-changes tbody tr")).map(r => r.cells[0].textContent + ":" + r.cells[1].textContent.trim())`)
	var enabled, restored int
	for _, s := range statuses {
		switch s {
		case "enable:executed":
			enabled++
		case "restore:executed":
			restored++
		default:
			t.Errorf("change %q", s)
		}
	}
	if enabled == 0 || restored == 0 {
		t.Errorf("changes %v", statuses)
	}
	if eval[int](h, `document.querySelectorAll("#waterfall, #profile-waits").length`) != 2 {
		t.Errorf("no waterfall and waits after enabling: %s", eval[string](h, `document.querySelector("#profile-result").textContent`))
	}
	if after := consumers(); after != before {
		t.Errorf("consumers %s after the profile, were %s", after, before)
	}
	h.noIssues("profile with waits")
}

// TestTopSortsAndTrends: column headers re-rank on the server; two
// snapshots give trend sparklines; a digest's example opens EXPLAIN.
func TestTopSortsAndTrends(t *testing.T) {
	h := startHarness(t)
	admin := dbtest.Admin(t)
	h.takeIssues()
	h.run(chromedp.Navigate(h.base+"/c/sandbox/top"), chromedp.WaitVisible(chromedp.CSS("#top-table")))
	if o := eval[string](h, `document.querySelector("#top-order").textContent`); o != "total time" {
		t.Errorf("default order %q", o)
	}
	h.run(chromedp.Click(chromedp.CSS(`a.sort[data-by="count"]`)))
	h.waitJS(`document.querySelector("#top-order") && document.querySelector("#top-order").textContent === "executions"`, 10*time.Second)
	counts := eval[[]float64](h, `Array.from(document.querySelectorAll("#top-table td.c-count")).map(td => Number(td.getAttribute("data-value")))`)
	if len(counts) < 2 || !sort.SliceIsSorted(counts, func(i, j int) bool { return counts[i] > counts[j] }) {
		t.Errorf("counts not in descending order: %v", counts)
	}
	if loc := eval[string](h, `location.search`); !strings.Contains(loc, "by=count") {
		t.Errorf("address %q does not keep the order", loc)
	}
	if s := eval[string](h, `document.querySelector('th[aria-sort="descending"] a').getAttribute("data-by")`); s != "count" {
		t.Errorf("sorted column %q", s)
	}
	// Four snapshots with statements in between: sparklines.
	for round := range 4 {
		if round > 0 {
			// The most frequent digest runs a varying number of times,
			// so the first rows' sparklines have a shape.
			for i := range []int{0, 40, 10, 30}[round] {
				var n int
				if err := admin.QueryRow("SELECT COUNT(*) FROM shop.orders WHERE customer_id = ?", i+1).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if _, err := admin.Exec("SELECT CONNECTION_ID()"); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(500 * time.Millisecond)
			h.run(chromedp.Evaluate[chromedp.Void](`document.querySelector("#top-snapshot-done").remove()`))
		}
		h.run(chromedp.Click(chromedp.CSS("#top-snapshot")), chromedp.WaitVisible(chromedp.CSS("#top-snapshot-done")))
	}
	// The series read every stored snapshot of a digest table that, on a
	// sandbox many test runs have used, holds thousands of digests: on a
	// loaded machine under -race that takes more than a few seconds.
	h.waitJS(`["ready", "error"].includes(document.querySelector("#top-data").getAttribute("data-series-state"))`, 45*time.Second)
	if st := eval[string](h, `document.querySelector("#top-data").getAttribute("data-series-state") + ": " + document.querySelector("#top-trend-state").textContent`); !strings.HasPrefix(st, "ready") {
		t.Fatalf("trends: %s", st)
	}
	h.waitJS(`Number(document.querySelector("#top-data").getAttribute("data-sparks")) > 0`, 10*time.Second)
	if n := eval[int](h, `document.querySelectorAll("#top-table .spark canvas").length`); n == 0 {
		t.Errorf("no sparkline drawn")
	}
	if txt := eval[string](h, `document.querySelector("#top-trend-state").textContent`); !strings.Contains(txt, "Trend") {
		t.Errorf("trend state %q", txt)
	}
	planShot(h, "top")
	// No-index view: ranked by no index used unless an order is chosen.
	h.run(chromedp.Navigate(h.base+"/c/sandbox/top?no_index=1"), chromedp.WaitVisible(chromedp.CSS("#top-summary")))
	if o := eval[string](h, `document.querySelector("#top-order").textContent`); o != "no index used" {
		t.Errorf("no-index order %q", o)
	}
	// An example opens the EXPLAIN page with it.
	h.run(chromedp.Navigate(h.base+"/c/sandbox/top?limit=50"), chromedp.WaitVisible(chromedp.CSS("#top-table")))
	if eval[int](h, `document.querySelectorAll("#top-table a.explain-link").length`) > 0 {
		href := eval[string](h, `document.querySelector("#top-table a.explain-link").getAttribute("href")`)
		u, err := url.Parse(href)
		if err != nil || u.Query().Get("sql") == "" {
			t.Fatalf("EXPLAIN link %q", href)
		}
		h.run(chromedp.Click(chromedp.CSS("#top-table a.explain-link")), chromedp.WaitVisible(chromedp.CSS("#plan-result")))
		if got := eval[string](h, `document.querySelector("#explain-sql").value`); got != u.Query().Get("sql") {
			t.Errorf("EXPLAIN page got %q, want the example", got)
		}
	} else {
		t.Log("no digest kept an example: the EXPLAIN link is not tested")
	}
	h.takeIssues() // an example may be a statement EXPLAIN refuses (SHOW ...): a 200 with its message
	h.noIssues("top")
}

// TestPlanDiffPage compares the same statement on two connections, and
// two saved plans uploaded: before and after an index.
func TestPlanDiffPage(t *testing.T) {
	h := startHarness(t)
	schema, admin := planSchema(t)
	h.takeIssues()
	q := "SELECT id FROM " + schema + ".items WHERE note = 'n7'"
	h.run(chromedp.Navigate(h.base+"/c/sandbox-root/plan-diff?sql="+url.QueryEscape(q)), chromedp.WaitVisible(chromedp.CSS("#diff-live")),
		chromedp.SetValue(chromedp.CSS(`select[name=against]`), "sandbox-prod"),
		chromedp.Click(chromedp.CSS("#diff-live-run")),
		chromedp.WaitVisible(chromedp.CSS("#diff-summary")))
	if eval[int](h, `document.querySelectorAll("#diff-same").length`) != 1 {
		t.Errorf("the same server gave different plans: %s", eval[string](h, `document.querySelector("#diff-result").textContent`))
	}
	// Saved plans, before and after an index: the full scan becomes a ref.
	ctx := context.Background()
	save := func(name string) string {
		t.Helper()
		rep, err := h.wb.Explain(ctx, workbench.ExplainRequest{Conn: workbench.ConnRequest{Profile: "sandbox-root"}, SQL: q})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	before := save("before.json")
	dbtest.Exec(t, admin, "CREATE INDEX ix_note ON "+schema+".items (note)", "ANALYZE TABLE "+schema+".items")
	after := save("after.json")
	h.run(chromedp.SetUploadFiles(chromedp.CSS(`#diff-files input[name=before]`), []string{before}),
		chromedp.SetUploadFiles(chromedp.CSS(`#diff-files input[name=after]`), []string{after}),
		chromedp.Click(chromedp.CSS("#diff-files-run")),
		chromedp.WaitVisible(chromedp.CSS("#diff-counts")))
	if txt := eval[string](h, `document.querySelector("#diff-summary").textContent`); !strings.Contains(txt, "before.json") || !strings.Contains(txt, "after.json") {
		t.Errorf("summary %q", txt)
	}
	changes := eval[string](h, `document.querySelector("table.diff-changes").textContent`)
	if !strings.Contains(changes, "access") || !strings.Contains(changes, "ALL") || !strings.Contains(changes, "better") {
		t.Errorf("changes %q do not show the scan turned into an index read", changes)
	}
	if n := eval[int](h, `document.querySelectorAll(".diff-sides tr.mark-better").length`); n == 0 {
		t.Errorf("no step is marked better in the node-by-node view")
	}
	h.run(chromedp.Click(chromedp.CSS(".diff-export")))
	h.waitJS(`(document.querySelector(".plan-diff").getAttribute("data-exported") || "").startsWith("json:")`, 5*time.Second)
	planShot(h, "plan-diff")
	h.noIssues("plan diff")
}
