package parse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

func loadPlan(t *testing.T, name string) dba.Plan {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(planDir, name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadPlan(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiffPlans(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		// must lists changes that have to be present (node, field, verdict).
		must []dba.PlanChange
		same bool
	}{
		{
			name:   "index added",
			before: "mariadb-10.11-diff-before.explain.json", after: "mariadb-10.11-diff-after.explain.json",
			must: []dba.PlanChange{
				// Before: a scan of orders, customers by primary key for each
				// row; after: customers by the new email index first, then
				// orders by customer, and a temporary table for the sort.
				{Node: "o", Field: "access", Before: "ALL", After: "ref", Verdict: dba.VerdictBetter},
				{Node: "o", Field: "key", Before: "", After: "idx_orders_customer", Verdict: dba.VerdictBetter},
				{Node: "o", Field: "flags", Before: "-full_scan", Verdict: dba.VerdictBetter},
				{Node: "c", Field: "key", Before: "PRIMARY", After: "idx_customers_email", Verdict: dba.VerdictChanged},
				{Node: "join order", Field: "join_order", Before: "o, c", After: "c, o", Verdict: dba.VerdictChanged},
				{Node: "Temporary table", Field: "added", Verdict: dba.VerdictWorse},
				{Node: "(statement)", Field: "rows_examined", Before: "60178", After: "2", Verdict: dba.VerdictBetter},
			},
		},
		{
			name:   "index added, measured",
			before: "mariadb-10.11-diff-before.analyze.json", after: "mariadb-10.11-diff-after.analyze.json",
			must: []dba.PlanChange{
				{Node: "o", Field: "actual_rows", Before: "60000", After: "1", Verdict: dba.VerdictBetter},
				{Node: "(statement)", Field: "time_ms", Verdict: dba.VerdictBetter},
			},
		},
		{
			name:   "index removed is the reverse",
			before: "mariadb-10.11-diff-after.explain.json", after: "mariadb-10.11-diff-before.explain.json",
			must: []dba.PlanChange{
				{Node: "o", Field: "access", Before: "ref", After: "ALL", Verdict: dba.VerdictWorse},
				{Node: "o", Field: "key", Before: "idx_orders_customer", After: "", Verdict: dba.VerdictWorse},
				{Node: "Temporary table", Field: "removed", Verdict: dba.VerdictBetter},
			},
		},
		{
			name:   "filesort removed by index order",
			before: "mariadb-10.11-order-by-filesort-limit.explain.json", after: "mariadb-10.11-order-by-index.explain.json",
			must: []dba.PlanChange{
				{Node: "Filesort: orders.total desc", Field: "removed", Verdict: dba.VerdictBetter},
			},
		},
		{name: "same plan", before: "mariadb-10.11-join-three-tables.explain.json", after: "mariadb-10.11-join-three-tables.explain.json", same: true},
		{name: "same tree", before: "mysql-8.0-cte.tree.txt", after: "mysql-8.0-cte.tree.txt", same: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DiffPlans(loadPlan(t, tt.before), loadPlan(t, tt.after))
			if d.Same != tt.same {
				t.Errorf("same = %v; changes %+v", d.Same, d.Changes)
			}
			for _, m := range tt.must {
				if !slices.ContainsFunc(d.Changes, func(c dba.PlanChange) bool {
					return c.Node == m.Node && c.Field == m.Field && c.Verdict == m.Verdict &&
						(m.Before == "" || c.Before == m.Before) && (m.After == "" || c.After == m.After)
				}) {
					t.Errorf("missing %+v in\n%+v", m, d.Changes)
				}
			}
		})
	}
}

func TestDiffPlansGolden(t *testing.T) {
	d := DiffPlans(loadPlan(t, "mariadb-10.11-diff-before.analyze.json"), loadPlan(t, "mariadb-10.11-diff-after.analyze.json"))
	// Measured times vary run to run; the golden keeps the rest.
	for i := range d.Changes {
		if d.Changes[i].Field == "time_ms" {
			d.Changes[i].Before, d.Changes[i].After = "T", "T"
		}
	}
	d.Before.TimeMs, d.After.TimeMs = nil, nil
	got, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join(planDir, "diff", "mariadb-10.11-diff.golden.json")
	if updatingPlans() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update-plan)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("diff golden (-want +got):\n%s", diff)
	}
}

// TestDiffPlansEmpty: plans without nodes or figures compare without
// inventing changes.
func TestDiffPlansEmpty(t *testing.T) {
	p := dba.Plan{Format: dba.PlanTree, Root: &dba.PlanNode{ID: 1, Kind: dba.NodeOperation, Label: "x"}}
	d := DiffPlans(p, p)
	if !d.Same || len(d.Changes) != 0 || d.Before.RowsExamined != nil {
		t.Errorf("%+v", d)
	}
}

func FuzzDiffPlans(f *testing.F) {
	f.Add([]byte(`{"query_block":{"select_id":1,"table":{"table_name":"t","access_type":"ALL","rows":10}}}`), []byte("-> Table scan on t  (cost=1 rows=10)"))
	f.Add([]byte("id\tselect_type\ttable\ttype\n1\tSIMPLE\tt\tref"), []byte(`{"query_block":{"select_id":1,"nested_loop":[{"table":{"table_name":"t","access_type":"range"}}]}}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		pa, err := ReadPlan(a)
		if err != nil {
			return
		}
		pb, err := ReadPlan(b)
		if err != nil {
			return
		}
		d := DiffPlans(pa, pb)
		if d.Same != (len(d.Changes) == 0) {
			t.Fatalf("same %v with %d changes", d.Same, len(d.Changes))
		}
		if self := DiffPlans(pa, pa); !self.Same {
			t.Fatalf("a plan differs from itself: %+v", self.Changes)
		}
	})
}
