package web

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mydba/mydba/internal/dbtest"
)

// eval runs a JavaScript expression in the page and returns its value.
func eval[T any](h *harness, js string, opts ...chromedp.EvaluateOption) T {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		h.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitJS polls until a JavaScript expression is true.
func (h *harness) waitJS(js string, timeout time.Duration) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, timeout+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		h.t.Fatalf("waiting for %s: %v", js, err)
	}
}

func (h *harness) noIssues(where string) {
	h.t.Helper()
	if is := h.takeIssues(); len(is) > 0 {
		h.t.Errorf("%s: %s", where, strings.Join(is, "\n"))
	}
}

// sleeper is a root session on the sandbox running SELECT SLEEP(60) with
// XSS payloads in its statement text, as the process list will show it.
type sleeper struct {
	id   int64
	done chan error
}

const xssMarker = "t_ops_xss"

func startSleeper(t *testing.T, admin *sql.DB) sleeper {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	s := sleeper{id: id, done: make(chan error, 1)}
	go func() {
		_, err := conn.ExecContext(ctx, `SELECT /* `+xssMarker+` <script>window.__xss=1</script> <img src=x onerror="window.__xss=2"> "'><svg onload=window.__xss=3> */ SLEEP(60)`)
		s.done <- err
	}()
	t.Cleanup(func() {
		_, _ = admin.Exec(fmt.Sprintf("KILL %d", id))
		cancel()
		<-s.done
		conn.Close()
	})
	// Wait until the statement runs, so the process list shows it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE '%SLEEP(60)%'", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %d never started sleeping", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func sessionAlive(t *testing.T, admin *sql.DB, id int64) bool {
	t.Helper()
	var n int
	if err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestProcessListKill kills a session from the process list through the
// safety dialog and checks on the server that it is gone. Its statement
// carries XSS payloads that must render as text.
func TestProcessListKill(t *testing.T) {
	h := startHarness(t)
	admin := dbtest.Admin(t)
	s := startSleeper(t, admin)
	row := "#session-" + strconv.FormatInt(s.id, 10)

	h.takeIssues()
	h.run(chromedp.Navigate(h.base+"/c/sandbox-root/processes?text="+xssMarker), chromedp.WaitVisible(chromedp.CSS(row)))

	// The payloads are text: nothing ran, no element was made from them.
	if got := eval[bool](h, `window.__xss === undefined`); !got {
		t.Errorf("an XSS payload in the statement text ran")
	}
	if n := eval[int](h, `document.querySelectorAll("#ps-body img, #ps-body svg, #ps-body script").length`); n != 0 {
		t.Errorf("%d elements were built from the statement text", n)
	}
	if txt := eval[string](h, `document.querySelector("`+row+` td.stmt").textContent`); !strings.Contains(txt, "<script>window.__xss=1</script>") || !strings.Contains(txt, "<img src=x") {
		t.Errorf("statement cell %q does not show the payload as text", txt)
	}

	// The list refreshes by itself...
	first := eval[string](h, `document.querySelector("#ps-summary time").getAttribute("datetime")`)
	h.waitJS(`document.querySelector("#ps-summary time").getAttribute("datetime") !== `+strconv.Quote(first), 6*time.Second)
	// ...but not while a session's menu is open.
	h.run(chromedp.Click(chromedp.CSS(row + " details.row-menu summary")))
	h.waitJS(`document.querySelector("#ps-state").textContent.includes("menu")`, 3*time.Second)
	paused := eval[string](h, `document.querySelector("#ps-summary time").getAttribute("datetime")`)
	time.Sleep(3 * time.Second)
	if now := eval[string](h, `document.querySelector("#ps-summary time").getAttribute("datetime")`); now != paused {
		t.Errorf("the list refreshed while a row menu was open (%s → %s)", paused, now)
	}
	if !eval[bool](h, `document.querySelector("`+row+` details.row-menu").open`) {
		t.Errorf("the row menu closed by itself")
	}
	h.shot("processes-menu")

	// Kill connection: the safety dialog shows the plan first.
	h.run(chromedp.Click(chromedp.CSS(row+" .kill-connection")), chromedp.WaitVisible(chromedp.CSS("#change-dialog #plan-title")))
	plan := eval[string](h, `document.querySelector("#change-dialog pre").textContent`)
	if !strings.Contains(plan, "KILL CONNECTION "+strconv.FormatInt(s.id, 10)) {
		t.Errorf("plan %q does not name the session", plan)
	}
	if !sessionAlive(t, admin, s.id) {
		t.Fatalf("session %d ended before the kill was confirmed", s.id)
	}
	h.shot("processes-kill")
	h.run(chromedp.Click(chromedp.CSS(`#change-dialog[data-ready] form button[type=submit]:not([name])`)), chromedp.WaitVisible(chromedp.CSS("#outcome-title")))
	if title := eval[string](h, `document.querySelector("#outcome-title").textContent`); title != "Done" {
		t.Fatalf("outcome %q: %s", title, eval[string](h, `document.querySelector("#change-dialog").textContent`))
	}
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		if err == nil {
			t.Errorf("the killed statement finished without an error")
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("session %d still runs after the kill", s.id)
	}
	if sessionAlive(t, admin, s.id) {
		t.Errorf("session %d is still on the server", s.id)
	}
	// The list refreshes after the change and the session is gone.
	h.run(chromedp.WaitNotPresent(chromedp.CSS(row)))
	h.noIssues("process list")
}

// TestProcessListLockChains shows a real lock chain root blocker first.
func TestProcessListLockChains(t *testing.T) {
	h := startHarness(t)
	schema := fmt.Sprintf("t_ps_web_%d", rand.IntN(1e9))
	chain := dbtest.StartLockChain(t, schema, 3)
	h.takeIssues()
	h.run(chromedp.Navigate(h.base+"/c/sandbox/processes?db="+schema), chromedp.WaitVisible(chromedp.CSS(".lock-chains")))
	ids := eval[[]string](h, `Array.from(document.querySelectorAll(".lock-chains tr.chain td.chain-id")).map(td => td.textContent.replace("└─", "").trim())`)
	want := []string{strconv.FormatInt(chain.IDs[0], 10), strconv.FormatInt(chain.IDs[1], 10), strconv.FormatInt(chain.IDs[2], 10)}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("chain order %v, want %v (root blocker first)", ids, want)
	}
	if role := eval[string](h, `document.querySelector(".lock-chains tr.lvl-0 .badge").textContent`); role != "root blocker" {
		t.Errorf("first line role %q", role)
	}
	// The table name is full of quotes: shown as text, quoted for SQL.
	if obj := eval[string](h, `document.querySelector(".lock-chains tr.lvl-1 td:nth-child(7)").textContent`); !strings.Contains(obj, "`t_ps_locks `") {
		t.Errorf("object %q", obj)
	}
	if n := eval[int](h, `document.querySelectorAll("#ps-body tr.row-blocker").length`); n == 0 {
		t.Errorf("no session row is marked as blocking")
	}
	// Grouping by lock role counts the chain.
	h.run(chromedp.SetValue(chromedp.CSS(`select[name=group]`), "lock_role"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("select[name=group]").dispatchEvent(new Event("input", {bubbles: true}))`),
		chromedp.WaitVisible(chromedp.CSS(`table[aria-label="Session groups"]`)))
	if txt := eval[string](h, `document.querySelector('table[aria-label="Session groups"]').textContent`); !strings.Contains(txt, "root") || !strings.Contains(txt, "blocked") {
		t.Errorf("groups %q", txt)
	}
	if !strings.Contains(eval[string](h, `location.search`), "group=lock_role") {
		t.Errorf("the filter is not in the address")
	}
	h.run(chromedp.Navigate(h.base+"/c/sandbox/processes?db="+schema), chromedp.WaitVisible(chromedp.CSS(".lock-chains")))
	h.shot("processes")
	h.noIssues("lock chains")
}

// TestVariableEditUndoAudit changes a variable from the variables page,
// shows a refused value next to its field, undoes the change, and finds
// both in the audit log and its CSV export.
func TestVariableEditUndoAudit(t *testing.T) {
	h := startHarness(t)
	admin := dbtest.Admin(t)
	value := func() int64 {
		var v int64
		if err := admin.QueryRow("SELECT @@global.max_connect_errors").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := value()
	t.Cleanup(func() { _, _ = admin.Exec(fmt.Sprintf("SET GLOBAL max_connect_errors = %d", before)) })
	target := before + 17

	h.takeIssues()
	row := "#var-max_connect_errors"
	h.run(chromedp.Navigate(h.base+"/c/sandbox-root/variables?q=max_connect_errors"), chromedp.WaitVisible(chromedp.CSS(row)))
	if n := eval[int](h, `document.querySelectorAll("table.vars tbody tr").length`); n != 1 {
		t.Errorf("an exact name lists %d variables, want 1", n)
	}
	if txt := eval[string](h, `document.querySelector("`+row+`").textContent`); !strings.Contains(txt, "uint") || !strings.Contains(txt, "4294967295") {
		t.Errorf("metadata missing from %q", txt)
	}
	h.noIssues("variables page")

	// A bad value: the validation message shows next to the field; the
	// server keeps its value.
	edit := func(v string) {
		h.run(chromedp.SetValue(chromedp.CSS(row+` input[name=value]`), v), chromedp.Click(chromedp.CSS(row+` form.var-form button[type=submit]`)))
	}
	h.run(chromedp.Click(chromedp.CSS(row + " details.var-edit summary")))
	edit("lots")
	h.run(chromedp.WaitVisible(chromedp.CSS(row + " .var-error .error")))
	if msg := eval[string](h, `document.querySelector("`+row+` .var-error").textContent`); !strings.Contains(msg, "max_connect_errors") {
		t.Errorf("validation message %q does not name the variable", msg)
	}
	if eval[int](h, `document.querySelectorAll("#change-dialog").length`) != 0 {
		t.Errorf("a refused value opened the dialog")
	}
	if got := value(); got != before {
		t.Fatalf("a refused value changed the server: %d", got)
	}
	for _, is := range h.takeIssues() {
		// The preview answers a bad value with 400, which is the point.
		if !strings.Contains(is, "400") {
			t.Errorf("bad value: %s", is)
		}
	}

	// A good value: dialog, run, list refreshed, undo offered.
	edit(strconv.FormatInt(target, 10))
	h.run(chromedp.WaitVisible(chromedp.CSS("#change-dialog #plan-title")))
	if eval[string](h, `document.querySelector("`+row+` .var-error").textContent`) != "" {
		t.Errorf("the old validation message stayed")
	}
	h.shot("variables-set")
	h.run(chromedp.Click(chromedp.CSS(`#change-dialog[data-ready] form button[type=submit]:not([name])`)), chromedp.WaitVisible(chromedp.CSS("#outcome-title")))
	if title := eval[string](h, `document.querySelector("#outcome-title").textContent`); title != "Done" {
		t.Fatalf("set outcome %q", title)
	}
	if got := value(); got != target {
		t.Fatalf("max_connect_errors = %d after the change, want %d", got, target)
	}
	want := strconv.FormatInt(target, 10)
	h.waitJS(`document.querySelector("`+row+` td.val code").textContent === "`+want+`"`, 5*time.Second)
	h.waitJS(`!document.querySelector("#vars-undo").disabled`, 5*time.Second)
	h.run(chromedp.Click(chromedp.CSS(".close-dialog")), chromedp.WaitNotPresent(chromedp.CSS("#change-dialog")))

	// Undo puts the old value back, through the dialog too.
	h.run(chromedp.Click(chromedp.CSS("#vars-undo")), chromedp.WaitVisible(chromedp.CSS("#change-dialog #plan-title")))
	h.run(chromedp.Click(chromedp.CSS(`#change-dialog[data-ready] form button[type=submit]:not([name])`)), chromedp.WaitVisible(chromedp.CSS("#outcome-title")))
	if got := value(); got != before {
		t.Fatalf("max_connect_errors = %d after undo, want %d", got, before)
	}
	h.waitJS(`document.querySelector("#vars-undo").disabled`, 5*time.Second)
	h.noIssues("variable change")
	h.run(chromedp.Navigate(h.base+"/c/sandbox-root/variables?q=innodb_buffer_pool"), chromedp.WaitVisible(chromedp.CSS("table.vars")))
	h.shot("variables")

	// The audit log has both changes; the CSV export too.
	h.run(chromedp.Navigate(h.base+"/audit"), chromedp.WaitVisible(chromedp.CSS("table.audit")))
	rows := eval[[]string](h, `Array.from(document.querySelectorAll("table.audit tbody tr")).map(tr => tr.textContent)`)
	if len(rows) != 2 || !strings.Contains(rows[0], "was "+want) || !strings.Contains(rows[1], "max_connect_errors = "+want) {
		t.Errorf("audit rows: %q", rows)
	}
	h.shot("audit")
	csv := eval[string](h, `fetch(document.querySelector("#audit-csv").href).then(r => r.ok ? r.text() : "HTTP " + r.status)`, chromedp.EvalAwaitPromise)
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "id,time,actor,source,profile") || !strings.Contains(csv, "sandbox-root") || !strings.Contains(csv, ",executed,") {
		t.Errorf("CSV export:\n%s", csv)
	}
	// Filters apply: searching for something else leaves nothing.
	h.run(chromedp.SetValue(chromedp.CSS("#audit-search"), "no such statement"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#audit-search").dispatchEvent(new Event("input", {bubbles: true}))`))
	h.waitJS(`document.querySelectorAll("table.audit").length === 0`, 5*time.Second)
	// A connection's audit page starts on that connection.
	h.run(chromedp.Navigate(h.base+"/c/sandbox/audit"), chromedp.WaitVisible(chromedp.CSS("#audit-body .empty")))
	h.run(chromedp.Navigate(h.base+"/c/sandbox-root/audit"), chromedp.WaitVisible(chromedp.CSS("table.audit")))
	h.noIssues("audit")
}

// TestStatusRefreshes checks the status page updates in place (no reload)
// and stops when paused.
func TestStatusRefreshes(t *testing.T) {
	h := startHarness(t)
	h.takeIssues()
	h.run(chromedp.Navigate(h.base+"/c/sandbox/status"), chromedp.WaitVisible(chromedp.CSS("#status-summary")))
	eval[chromedp.Void](h, `window.__statusMarker = 1; document.querySelector("#status-period").value = "3"`)
	at := eval[string](h, `document.querySelector(".status-sample").dataset.at`)
	h.waitJS(`document.querySelector(".status-sample").dataset.at !== "`+at+`"`, 10*time.Second)
	if eval[int](h, `window.__statusMarker || 0`) != 1 {
		t.Errorf("the page reloaded")
	}
	if txt := eval[string](h, `document.querySelector("#status-body").textContent`); !strings.Contains(txt, "queries/s") || !strings.Contains(txt, "MariaDB") {
		t.Errorf("status body: %q", txt)
	}
	h.waitJS(`document.querySelectorAll("#status-chart canvas").length === 1`, 5*time.Second)
	h.shot("status")

	h.run(chromedp.Click(chromedp.CSS("#status-auto")))
	h.waitJS(`!document.querySelector("#status-body").classList.contains("htmx-request")`, 5*time.Second)
	paused := eval[string](h, `document.querySelector(".status-sample").dataset.at`)
	time.Sleep(4 * time.Second)
	if now := eval[string](h, `document.querySelector(".status-sample").dataset.at`); now != paused {
		t.Errorf("the status refreshed while paused")
	}
	h.noIssues("status")
}
