package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// startProposalsHarness is the browser harness on a workbench that serves
// MCP with proposals on, with one dev profile "root" on the sandbox.
func startProposalsHarness(t *testing.T) (*harness, *mcpServe) {
	t.Helper()
	chrome := chromium(t)
	m := startMCPServe(t, MCPOptions{Token: mcpToken, AllowProposals: true, Default: "root"})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return openBrowser(t, ctx, chrome, m.s), m
}

// TestBrowserProposalApproval: an agent proposes over HTTP; the human
// finds it on /proposals, reviews it in the safety dialog and runs it; the
// list shows it executed. Nothing runs before the click.
func TestBrowserProposalApproval(t *testing.T) {
	h, m := startProposalsHarness(t)
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
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "propose_change", Arguments: map[string]any{
		"sql": "UPDATE " + m.table + " SET n = 0 WHERE id = 7", "rationale": "reset item 7 <b>now</b>",
	}})
	if err != nil || res.IsError {
		t.Fatalf("propose: %v %+v", err, res)
	}
	h.takeIssues()
	h.run(chromedp.Navigate(h.base+"/proposals"), chromedp.WaitVisible(chromedp.CSS("#proposal-1 .review-proposal")))
	if got := eval[string](h, `document.querySelector("#proposal-1").textContent`); !strings.Contains(got, "test-agent 1.0") || !strings.Contains(got, "reset item 7 <b>now</b>") {
		t.Errorf("row: %s", got)
	}
	if eval[int](h, `document.querySelectorAll("#proposal-1 b").length`) != 0 {
		t.Error("the agent's rationale was rendered as HTML")
	}
	if sum() != 210 {
		t.Fatal("the proposal ran before anyone clicked")
	}
	h.shot("mcp-proposals")
	h.run(chromedp.Click(chromedp.CSS("#proposal-1 .review-proposal")), chromedp.WaitVisible(chromedp.CSS("#dialog-slot #change-dialog #plan-title")))
	if plan := eval[string](h, `document.querySelector("#change-dialog pre").textContent`); !strings.Contains(plan, "SET n = 0 WHERE id = 7") {
		t.Errorf("dialog shows %q", plan)
	}
	if sum() != 210 {
		t.Fatal("reviewing ran the proposal")
	}
	h.run(chromedp.Click(chromedp.CSS(`#change-dialog[data-ready] form button[type=submit]:not([name])`)), chromedp.WaitVisible(chromedp.CSS("#outcome-title")))
	if sum() != 203 {
		t.Errorf("after approval sum %d, want 203", sum())
	}
	h.waitJS(`(document.querySelector("#proposal-1") || {textContent: ""}).textContent.includes("executed")`, 10*time.Second)
	if is := h.takeIssues(); len(is) > 0 {
		t.Errorf("browser issues: %s", strings.Join(is, "\n"))
	}
	audit, err := m.s.wb.AuditLog(context.Background(), dba.AuditFilter{})
	if err != nil || len(audit) != 1 || audit[0].Source != "mcp" || !strings.HasPrefix(audit[0].Actor, "mcp agent test-agent 1.0") {
		t.Errorf("audit %+v %v", audit, err)
	}

	// A second proposal, rejected with a reason: it never runs.
	res, err = cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "propose_change", Arguments: map[string]any{
		"sql": "DELETE FROM " + m.table, "rationale": "empty it",
	}})
	if err != nil || res.IsError {
		t.Fatalf("propose: %v %+v", err, res)
	}
	h.run(chromedp.Navigate(h.base+"/proposals"), chromedp.WaitVisible(chromedp.CSS("#proposal-2 .reject-proposal")))
	h.run(chromedp.SendKeys(chromedp.CSS(`#proposal-2 input[name=reason]`), "too broad"), chromedp.Click(chromedp.CSS("#proposal-2 .reject-proposal")))
	h.waitJS(`(document.querySelector("#proposal-2") || {textContent: ""}).textContent.includes("rejected by a human: too broad")`, 10*time.Second)
	if eval[int](h, `document.querySelectorAll("#proposal-2 .review-proposal").length`) != 0 {
		t.Error("a rejected proposal still offers Review")
	}
	var rows int
	if err := admin.QueryRow("SELECT COUNT(*) FROM " + m.table).Scan(&rows); err != nil || rows != 20 {
		t.Errorf("rows %d %v after a rejected DELETE", rows, err)
	}
	if is := h.takeIssues(); len(is) > 0 {
		t.Errorf("browser issues: %s", strings.Join(is, "\n"))
	}
}
