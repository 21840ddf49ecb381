package views

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

func fp(f float64) *float64 { return &f }

func TestPlanNumbers(t *testing.T) {
	if optNum(nil) != "" || optPct(nil) != "" || optMs(nil) != "" {
		t.Error("an unknown figure must print as nothing, never as zero")
	}
	if optPct(fp(12.5)) != "12.5%" {
		t.Errorf("optPct = %q", optPct(fp(12.5)))
	}
}

func TestNodeSeverities(t *testing.T) {
	f := func(node int, sev dba.Severity, positive bool) dba.PlanFinding {
		return dba.PlanFinding{Finding: dba.Finding{Code: "X", Severity: sev}, Node: node, Positive: positive}
	}
	got := nodeSeverities([]dba.PlanFinding{
		f(1, dba.SeverityInfo, true),
		f(2, dba.SeverityInfo, true), f(2, dba.SeverityWarning, false),
		f(3, dba.SeverityWarning, false), f(3, dba.SeverityError, false), f(3, dba.SeverityInfo, false),
		f(4, dba.SeverityError, false), f(4, dba.SeverityInfo, true),
		f(0, dba.SeverityError, false),
	})
	want := map[int]string{1: "good", 2: "warning", 3: "error", 4: "error"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("severities (-want +got):\n%s", diff)
	}
}

func TestPlanRows(t *testing.T) {
	leaf := func(id int, table string) *dba.PlanNode {
		return &dba.PlanNode{ID: id, Kind: dba.NodeTable, Label: table, Table: table, Rows: fp(100), Actual: &dba.PlanActual{Rows: fp(5)}}
	}
	p := dba.Plan{Root: &dba.PlanNode{ID: 1, Kind: dba.NodeSelect, Label: "SELECT #1", Children: []*dba.PlanNode{
		{ID: 2, Kind: dba.NodeJoin, Label: "Nested loop", Children: []*dba.PlanNode{leaf(3, "a"), leaf(4, "b")}},
		{ID: 5, Kind: dba.NodeSort, Label: "Filesort"},
	}}}
	p.Root.Children[0].Children[1].Actual.Rows = fp(50) // within 10x: not a misestimate
	rows := planRows(p, []dba.PlanFinding{{Finding: dba.Finding{Severity: dba.SeverityWarning}, Node: 5}}, map[int]string{3: "worse"})
	type row struct {
		ID                    int
		Prefix, Step, Sev, Mk string
		Mis                   bool
	}
	var got []row
	for _, r := range rows {
		got = append(got, row{r.Node.ID, r.Prefix, r.Node.StepName(), r.Severity, r.Mark, r.Misestimate})
	}
	want := []row{
		{1, "", "SELECT #1", "", "", false},
		{2, "├─ ", "Nested loop", "", "", false},
		{3, "│  ├─ ", "table a", "", "worse", true},
		{4, "│  └─ ", "table b", "", "", false},
		{5, "└─ ", "Filesort", "warning", "", false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if planRowClass(rows[2]) != "pn-row mark-worse" || planRowClass(rows[4]) != "pn-row sev-warning" {
		t.Errorf("classes %q, %q", planRowClass(rows[2]), planRowClass(rows[4]))
	}
	if len(planRows(dba.Plan{}, nil, nil)) != 0 {
		t.Error("a plan without a root has rows")
	}
}

func TestDiffMarks(t *testing.T) {
	d := dba.PlanDiff{Changes: []dba.PlanChange{
		{Verdict: dba.VerdictBetter, BeforeID: 2, AfterID: 3},
		{Verdict: dba.VerdictWorse, BeforeID: 2, AfterID: 4},
		{Verdict: dba.VerdictChanged, BeforeID: 5},
		{Verdict: dba.VerdictBetter, AfterID: 3},
		{Verdict: dba.VerdictWorse}, // the whole statement
	}}
	before, after := diffMarks(d)
	if diff := cmp.Diff(map[int]string{2: "worse", 5: "changed"}, before); diff != "" {
		t.Errorf("before (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]string{3: "better", 4: "worse"}, after); diff != "" {
		t.Errorf("after (-want +got):\n%s", diff)
	}
	if got := diffCounts(d); got != "2 worse, 2 better, 1 changed" {
		t.Errorf("counts %q", got)
	}
}

func TestWaterfall(t *testing.T) {
	total := 200 * time.Millisecond
	tests := []struct {
		d    time.Duration
		frac string
	}{
		{0, "0.000000"},
		{50 * time.Microsecond, "0.000250"},
		{100 * time.Millisecond, "0.500000"},
		{300 * time.Millisecond, "1.000000"},
		{-time.Millisecond, "0.000000"},
		{1500 * time.Millisecond, "1.000000"},
	}
	for _, tt := range tests {
		if got := waterfallFrac(tt.d, total); got != tt.frac {
			t.Errorf("waterfallFrac(%v) = %s, want %s", tt.d, got, tt.frac)
		}
	}
	if waterfallFrac(time.Second, 0) != "0" {
		t.Error("a statement without a duration has no bars")
	}
	if shareClass(99.2) != "wf-hot" || shareClass(12) != "wf-warm" || shareClass(0.1) != "" {
		t.Error("share classes")
	}
	if got := stageCoverage(fp(99.95)); got != ", cover 100.0% of the duration" {
		t.Errorf("stageCoverage = %q", got)
	}
	if got := stageCoverage(nil); got != "" {
		t.Errorf("unknown coverage = %q", got)
	}
}

func TestTopHelpers(t *testing.T) {
	if trendMetric(dba.OrderCount) != "count" || trendMetric(dba.OrderMaxTime) != "avg" || trendMetric(dba.OrderRowsExamined) != "total" {
		t.Error("trend metrics")
	}
	f := TopForm{Order: dba.OrderCount, Limit: 50, NoIndex: true}
	if got := topSortURL(Page{Profile: "a b"}, f, "avg"); got != "/c/a%20b/top?by=avg&limit=50&no_index=1" {
		t.Errorf("sort URL %q", got)
	}
	if ariaSort(f, dba.OrderCount) != "descending" || ariaSort(f, dba.OrderAvgTime) != "none" {
		t.Error("aria-sort")
	}
	ex := &dba.DigestExample{Text: "SELECT 1"}
	cut := &dba.DigestExample{Text: "SELECT 1, 2, 3", Truncated: true}
	if !explainable(dba.TopDigest{Example: ex}) || explainable(dba.TopDigest{Example: cut}) || explainable(dba.TopDigest{}) {
		t.Error("only whole examples are explained")
	}
	if topStatement(dba.TopDigest{Digest: dba.Digest{Text: "SELECT ?"}}) != "SELECT ?" || topStatement(dba.TopDigest{Example: ex}) != "SELECT 1" {
		t.Error("statement text")
	}
}
