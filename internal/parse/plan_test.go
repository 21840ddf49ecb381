package parse

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

// The package's golden files are rewritten with -update-plan; -update
// works too when another test file of the package defines it.
var updatePlan = flag.Bool("update-plan", false, "rewrite the plan golden files in testdata/plan")

func updatingPlans() bool {
	if *updatePlan {
		return true
	}
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const planDir = "testdata/plan"

// planFixtures lists the fixtures (not the goldens).
func planFixtures(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(planDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasSuffix(n, ".golden.json") || n == "README.md" || e.IsDir() {
			continue
		}
		out = append(out, n)
	}
	return out
}

func goldenName(fixture string) string {
	return strings.TrimSuffix(fixture, filepath.Ext(fixture)) + ".golden.json"
}

func TestPlanGolden(t *testing.T) {
	fixtures := planFixtures(t)
	if len(fixtures) < 100 {
		t.Fatalf("only %d plan fixtures", len(fixtures))
	}
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(planDir, name))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ReadPlan(b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join(planDir, goldenName(name))
			if updatingPlans() {
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
				t.Errorf("%s differs from its golden file (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestPlanFixturesFullyRead: every key of every fixture is understood (a
// note about an unknown key means a node kind was missed).
func TestPlanFixturesFullyRead(t *testing.T) {
	for _, name := range planFixtures(t) {
		b, err := os.ReadFile(filepath.Join(planDir, name))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ReadPlan(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(p.Notes) > 0 {
			t.Errorf("%s: %s", name, strings.Join(p.Notes, "; "))
		}
		wantFormat := map[string]dba.PlanFormat{".json": dba.PlanJSON, ".txt": dba.PlanTree, ".tsv": dba.PlanTabular}[filepath.Ext(name)]
		switch {
		case strings.Contains(name, "-v2."):
			wantFormat = dba.PlanJSONv2
		case strings.Contains(name, ".tabular."):
			wantFormat = dba.PlanTabular
		}
		if p.Format != wantFormat {
			t.Errorf("%s: format %s, want %s", name, p.Format, wantFormat)
		}
		if strings.Contains(name, ".analyze") != p.Analyzed {
			t.Errorf("%s: analyzed = %v", name, p.Analyzed)
		}
		wantFlavor := dba.FlavorMySQL
		if strings.HasPrefix(name, "mariadb") {
			wantFlavor = dba.FlavorMariaDB
		}
		if p.Flavor != wantFlavor && !(p.Format == dba.PlanJSON && p.Flavor == dba.FlavorUnknown) {
			t.Errorf("%s: flavour %s, want %s", name, p.Flavor, wantFlavor)
		}
		// IDs number the nodes in tree order.
		id := 0
		p.Root.Walk(func(n, _ *dba.PlanNode) bool {
			id++
			if n.ID != id {
				t.Errorf("%s: node %q has id %d, want %d", name, n.Label, n.ID, id)
			}
			if n.Kind == "" || n.Label == "" && n.Kind != dba.NodeTable {
				t.Errorf("%s: node %d has kind %q label %q", name, n.ID, n.Kind, n.Label)
			}
			return true
		})
	}
}

// find returns the first node matching fn.
func find(p dba.Plan, fn func(n *dba.PlanNode) bool) *dba.PlanNode {
	var found *dba.PlanNode
	p.Root.Walk(func(n, _ *dba.PlanNode) bool {
		if found == nil && fn(n) {
			found = n
		}
		return found == nil
	})
	return found
}

func table(name string) func(n *dba.PlanNode) bool {
	return func(n *dba.PlanNode) bool { return n.Kind == dba.NodeTable && n.Table == name }
}

func kind(k dba.NodeKind) func(n *dba.PlanNode) bool {
	return func(n *dba.PlanNode) bool { return n.Kind == k }
}

// TestPlanSemantics checks what each shape must yield, beyond the goldens:
// one assertion per node kind the parsers walk.
func TestPlanSemantics(t *testing.T) {
	tests := []struct {
		fixture string
		check   func(t *testing.T, p dba.Plan)
	}{
		{"mariadb-10.11-full-scan-no-index.explain.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("customers"))
			wantNode(t, n, "ALL", dba.FlagFullScan, dba.FlagUsingWhere)
			if len(n.PossibleKeys) != 0 || n.Rows == nil || *n.Rows < 40000 {
				t.Errorf("possible keys %v rows %v", n.PossibleKeys, n.Rows)
			}
		}},
		{"mariadb-10.11-pk-lookup.analyze.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("customers"))
			wantNode(t, n, "const")
			if n.Key != "PRIMARY" || !slices.Equal(n.KeyParts, []string{"id"}) {
				t.Errorf("key %s parts %v", n.Key, n.KeyParts)
			}
			if !p.Analyzed || p.TimeMs == nil {
				t.Errorf("analyzed %v time %v", p.Analyzed, p.TimeMs)
			}
		}},
		{"mariadb-10.11-covering-index.explain.json", func(t *testing.T, p dba.Plan) {
			wantNode(t, find(p, table("customers")), "ref", dba.FlagCoveringIndex)
		}},
		{"mariadb-10.11-join-three-tables.analyze.json", func(t *testing.T, p dba.Plan) {
			j := find(p, kind(dba.NodeJoin))
			if j == nil || len(j.Children) != 3 {
				t.Fatalf("join %+v", j)
			}
			for _, c := range j.Children {
				if c.Actual == nil || c.Actual.Rows == nil || c.Actual.Loops == nil || c.Actual.TimeMs == nil {
					t.Errorf("%s: actual %+v", c.Table, c.Actual)
				}
			}
		}},
		{"mariadb-10.11-group-by-temporary.explain.json", func(t *testing.T, p dba.Plan) {
			s := find(p, kind(dba.NodeSort))
			tt := find(p, kind(dba.NodeTemporary))
			if s == nil || tt == nil || !s.Has(dba.FlagFilesort) {
				t.Errorf("sort %+v temporary %+v", s, tt)
			}
		}},
		{"mariadb-10.11-order-by-filesort-limit.analyze.json", func(t *testing.T, p dba.Plan) {
			s := find(p, kind(dba.NodeSort))
			if s == nil || !s.Has(dba.FlagPriorityQueue) || !strings.Contains(s.Label, "total desc") {
				t.Errorf("sort %+v", s)
			}
		}},
		{"mariadb-10.11-dependent-subquery.analyze.json", func(t *testing.T, p dba.Plan) {
			sq := find(p, kind(dba.NodeSubquery))
			if sq == nil || !sq.Has(dba.FlagDependent) || !sq.Has(dba.FlagExpressionCache) || sq.SelectID != 2 {
				t.Fatalf("subquery %+v", sq)
			}
			o := find(p, table("o"))
			if o.Actual == nil || o.Actual.Loops == nil || *o.Actual.Loops < 1000 {
				t.Errorf("o loops %+v", o.Actual)
			}
		}},
		{"mariadb-10.11-not-in-subquery.explain.json", func(t *testing.T, p dba.Plan) {
			sq := find(p, kind(dba.NodeSubquery))
			if sq == nil || !sq.Has(dba.FlagMaterialized) {
				t.Errorf("subquery %+v", sq)
			}
		}},
		{"mariadb-10.11-semi-join.explain.json", func(t *testing.T, p dba.Plan) {
			if find(p, func(n *dba.PlanNode) bool { return n.Kind == dba.NodeTable && n.Table == "orders" }) == nil {
				t.Error("the subquery's table is missing")
			}
		}},
		{"mariadb-10.11-derived-table.explain.json", func(t *testing.T, p dba.Plan) {
			d := find(p, table("<derived2>"))
			if d == nil || len(d.Children) != 1 || d.Children[0].Kind != dba.NodeMaterialize {
				t.Fatalf("derived %+v", d)
			}
			if d.IsBaseTable() {
				t.Error("a derived table is not a base table")
			}
		}},
		{"mariadb-10.11-recursive-cte.explain.json", func(t *testing.T, p dba.Plan) {
			u := find(p, kind(dba.NodeUnion))
			if u == nil || !u.Has(dba.FlagRecursive) || len(u.Children) != 2 {
				t.Errorf("recursive union %+v", u)
			}
		}},
		{"mariadb-10.11-window-partition.analyze.json", func(t *testing.T, p dba.Plan) {
			w := find(p, kind(dba.NodeWindow))
			if w == nil || find(dba.Plan{Root: w}, kind(dba.NodeSort)) == nil || find(dba.Plan{Root: w}, kind(dba.NodeTemporary)) == nil {
				t.Errorf("window %+v", w)
			}
		}},
		{"mariadb-10.11-union-distinct.explain.json", func(t *testing.T, p dba.Plan) {
			u := find(p, kind(dba.NodeUnion))
			if u == nil || u.Table != "<union1,2>" || len(u.Children) != 2 || u.Children[1].Label != "UNION SELECT #2" {
				t.Errorf("union %+v", u)
			}
		}},
		{"mariadb-10.11-index-merge.explain.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("orders"))
			wantNode(t, n, "index_merge", dba.FlagIndexMerge)
			if !slices.Contains(n.Notes, "index merge: union(PRIMARY, idx_orders_customer)") {
				t.Errorf("notes %v", n.Notes)
			}
		}},
		{"mariadb-10.11-large-in-list.explain.json", func(t *testing.T, p dba.Plan) {
			// MariaDB turns an IN list of 1,000+ values into a join with a
			// table value constructor.
			if find(p, func(n *dba.PlanNode) bool { return strings.HasPrefix(n.Table, "<derived") }) == nil {
				t.Error("no derived table for the IN list")
			}
		}},
		{"mariadb-10.11-block-nested-loop.analyze.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("lc"))
			wantNode(t, n, "ALL", dba.FlagJoinBuffer, dba.FlagFullScan, dba.FlagUsingWhere)
			if n.Condition != "lc.discount_pct = p.stock" {
				t.Errorf("condition %q", n.Condition)
			}
			if n.Actual.Filtered == nil || *n.Actual.Filtered != 0 {
				t.Errorf("filtered %v", n.Actual.Filtered)
			}
		}},
		{"mariadb-10.11-impossible-where.explain.json", func(t *testing.T, p dba.Plan) {
			m := find(p, kind(dba.NodeMessage))
			if m == nil || !m.Has(dba.FlagImpossibleWhere) {
				t.Errorf("message %+v", m)
			}
		}},
		{"mariadb-10.11-no-tables.explain.json", func(t *testing.T, p dba.Plan) {
			if m := find(p, kind(dba.NodeMessage)); m == nil || !m.Has(dba.FlagNoTables) {
				t.Errorf("message %+v", m)
			}
		}},
		{"mariadb-10.11-index-condition-pushdown.explain.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("orders"))
			wantNode(t, n, "range", dba.FlagIndexCondition)
			if n.IndexCondition == "" {
				t.Error("no index condition")
			}
		}},
		{"mariadb-10.11-rowid-filter.explain.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("products"))
			wantNode(t, n, "range", dba.FlagRowidFilter)
		}},
		{"mariadb-10.11-range-checked-for-each-record.analyze.json", func(t *testing.T, p dba.Plan) {
			wantNode(t, find(p, table("o")), "ALL", dba.FlagRangeCheckedPerRow)
		}},
		{"mariadb-10.11-lateral-derived.explain.json", func(t *testing.T, p dba.Plan) {
			if find(p, func(n *dba.PlanNode) bool { return n.Has(dba.FlagLateral) }) == nil {
				t.Error("no lateral materialization")
			}
		}},
		{"mariadb-10.11-update.explain.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("orders"))
			if n == nil || n.Label != "Update orders" {
				t.Errorf("update %+v", n)
			}
		}},
		{"mariadb-10.11-delete.explain.json", func(t *testing.T, p dba.Plan) {
			if n := find(p, table("payments")); n == nil || n.Label != "Delete from payments" {
				t.Errorf("delete %+v", n)
			}
		}},
		{"mysql-8.0-derived-hash-join.explain.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("a1"))
			wantNode(t, n, "ALL", dba.FlagHashJoin, dba.FlagJoinBuffer)
			if p.Cost == nil || *p.Cost != 4.07 || n.Cost == nil || *n.Cost != 4.69 {
				t.Errorf("cost plan %v node %v", p.Cost, n.Cost)
			}
			if n.Filtered == nil || *n.Filtered != 100 {
				t.Errorf("filtered %v", n.Filtered)
			}
			if c := find(p, table("t1")); c == nil {
				t.Error("innermost derived table missing")
			}
		}},
		{"mysql-8.0-dependent-attached-subquery.explain.json", func(t *testing.T, p dba.Plan) {
			sq := find(p, kind(dba.NodeSubquery))
			if sq == nil || !sq.Has(dba.FlagDependent) || sq.Label != "Subquery #2 (in condition; dependent)" {
				t.Errorf("subquery %+v", sq)
			}
		}},
		{"mysql-8.0-union.explain.json", func(t *testing.T, p dba.Plan) {
			if p.Root.Children[0].Kind != dba.NodeUnion || len(p.Root.Children[0].Children) != 3 {
				t.Errorf("root %+v", p.Root)
			}
		}},
		{"mysql-8.0-having-subqueries.explain.json", func(t *testing.T, p dba.Plan) {
			n := 0
			p.Root.Walk(func(x, _ *dba.PlanNode) bool {
				if x.Kind == dba.NodeSubquery && strings.Contains(x.Label, "in HAVING") {
					n++
				}
				return true
			})
			if n != 2 {
				t.Errorf("%d HAVING subqueries", n)
			}
		}},
		{"mysql-8.0-window-order-by.explain.json", func(t *testing.T, p dba.Plan) {
			w := find(p, kind(dba.NodeWindow))
			if w == nil || !w.Has(dba.FlagFilesort) || !w.Has(dba.FlagTemporary) {
				t.Errorf("window %+v", w)
			}
			s := find(p, kind(dba.NodeSort))
			if s == nil || !s.Has(dba.FlagFilesort) {
				t.Errorf("order %+v", s)
			}
		}},
		{"mysql-5.6-derived-bnl.explain.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("a1"))
			wantNode(t, n, "ALL", dba.FlagJoinBuffer)
			if n.Has(dba.FlagHashJoin) || n.Rows == nil || *n.Rows != 7 {
				t.Errorf("%+v", n)
			}
		}},
		{"mysql-9.5-country-range.explain-v2.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("country"))
			wantNode(t, n, "range")
			if n.Key != "PRIMARY" || n.Schema != "world" || p.Root.Kind != dba.NodeFilter || p.Query == "" {
				t.Errorf("%+v root %+v", n, p.Root)
			}
		}},
		{"mysql-9.5-pk-range.analyze-v2.json", func(t *testing.T, p dba.Plan) {
			n := find(p, table("t3"))
			if n.Actual == nil || *n.Actual.Rows != 3 || *n.Actual.Loops != 1 || n.Actual.TimeMs == nil {
				t.Errorf("actual %+v", n.Actual)
			}
		}},
		{"mysql-9.5-hash-join.analyze.txt", func(t *testing.T, p dba.Plan) {
			j := p.Root
			if j.Kind != dba.NodeJoin || !j.Has(dba.FlagHashJoin) || j.Condition != "t2.c2 = t1.c1" {
				t.Errorf("root %+v", j)
			}
			if j.Actual == nil || *j.Actual.Rows != 1 || *j.Actual.TimeMs != 0.131 || *j.Actual.FirstRowMs != 0.121 {
				t.Errorf("actual %+v", j.Actual)
			}
			wantNode(t, find(p, table("t1")), "ALL", dba.FlagFullScan)
		}},
		{"mysql-9.5-country-range.tree.txt", func(t *testing.T, p dba.Plan) {
			n := find(p, table("country"))
			wantNode(t, n, "range")
			if n.Key != "PRIMARY" || n.Rows == nil || *n.Rows != 17 || n.Cost == nil || *n.Cost != 3.67 {
				t.Errorf("%+v", n)
			}
		}},
		{"mysql-9.5-country-range.tabular.txt", func(t *testing.T, p dba.Plan) {
			n := find(p, table("country"))
			wantNode(t, n, "range", dba.FlagUsingWhere)
			if n.Filtered == nil || *n.Filtered != 100 || n.KeyLength != "12" {
				t.Errorf("%+v", n)
			}
		}},
		{"mysql-8.0-derived-hash-join.tabular.tsv", func(t *testing.T, p dba.Plan) {
			// <derived2> -> 2 -> <derived3> -> 3 -> <derived4> -> 4 (t2, <derived5> -> 5 t1).
			if find(p, table("t1")) == nil || find(p, table("t2")) == nil {
				t.Fatal("derived blocks not linked")
			}
			wantNode(t, find(p, table("<derived5>")), "ALL", dba.FlagHashJoin, dba.FlagJoinBuffer)
		}},
		{"mysql-8.0-union.tabular.tsv", func(t *testing.T, p dba.Plan) {
			if p.Root.Kind != dba.NodeUnion || len(p.Root.Children) != 3 {
				t.Errorf("root %+v", p.Root)
			}
		}},
		{"mysql-8.0-dependent-subqueries.tabular.tsv", func(t *testing.T, p dba.Plan) {
			sq := find(p, kind(dba.NodeSubquery))
			if sq == nil || !sq.Has(dba.FlagDependent) {
				t.Errorf("subquery %+v", sq)
			}
		}},
		{"mysql-8.0-subquery-in-projection.tree.txt", func(t *testing.T, p dba.Plan) {
			sq := find(p, kind(dba.NodeSubquery))
			if p.Root.Label != "Query" || sq == nil || sq.SelectID != 2 || !sq.Has(dba.FlagDependent) {
				t.Errorf("root %+v subquery %+v", p.Root, sq)
			}
		}},
		{"mysql-8.0-dependent-subquery-condition.tree.txt", func(t *testing.T, p dba.Plan) {
			wantNode(t, find(p, table("i")), "range", dba.FlagRangeCheckedPerRow)
			wantNode(t, find(p, table("t1")), "index", dba.FlagCoveringIndex, dba.FlagFullScan)
		}},
		{"mysql-8.0-distinct-temporary.tree.txt", func(t *testing.T, p dba.Plan) {
			n := find(p, table("t2"))
			wantNode(t, n, "ref")
			if n.Key != "a" || !slices.Equal(n.Ref, []string{"t1.a"}) {
				t.Errorf("%+v", n)
			}
			if find(p, kind(dba.NodeTemporary)) == nil || find(p, kind(dba.NodeLimit)) == nil {
				t.Error("temporary table or limit missing")
			}
		}},
		{"mysql-8.0-antijoin-materialized.tree.txt", func(t *testing.T, p dba.Plan) {
			n := find(p, table("<subquery2>"))
			wantNode(t, n, "eq_ref")
			if n.Key != "<auto_distinct_key>" || n.IsBaseTable() {
				t.Errorf("%+v", n)
			}
		}},
		{"mysql-8.0-weedout.tree.txt", func(t *testing.T, p dba.Plan) {
			if !p.Root.Has(dba.FlagDuplicateWeedout) || p.Root.Kind != dba.NodeDistinct {
				t.Errorf("root %+v", p.Root)
			}
		}},
		{"mysql-8.0-lateral-derived.tree.txt", func(t *testing.T, p dba.Plan) {
			if find(p, func(n *dba.PlanNode) bool { return n.Has(dba.FlagLateral) }) == nil {
				t.Error("no lateral materialization")
			}
		}},
		{"mysql-8.0-cte.tree.txt", func(t *testing.T, p dba.Plan) {
			if find(p, kind(dba.NodeMaterialize)) == nil {
				t.Error("no materialized CTE")
			}
		}},
		{"mysql-8.0-update-multi-table.tree.txt", func(t *testing.T, p dba.Plan) {
			if p.Root.Kind != dba.NodeDML || p.Root.Table != "t1" {
				t.Errorf("root %+v", p.Root)
			}
		}},
		{"mysql-8.0-not-executable.tree.txt", func(t *testing.T, p dba.Plan) {
			if !p.Root.Has(dba.FlagNotExecutableByIter) {
				t.Errorf("root %+v", p.Root)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(planDir, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ReadPlan(b)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
		})
	}
}

func wantNode(t *testing.T, n *dba.PlanNode, access string, flags ...dba.PlanFlag) {
	t.Helper()
	if n == nil {
		t.Fatal("node not found")
	}
	if n.Access != access {
		t.Errorf("%s: access %q, want %q", n.Label, n.Access, access)
	}
	for _, f := range flags {
		if !n.Has(f) {
			t.Errorf("%s: flags %v lack %s", n.Label, n.Flags, f)
		}
	}
}

// TestPlanBadInput: malformed, truncated and unknown input is an error that
// says what is wrong; nothing is invented and nothing panics.
func TestPlanBadInput(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(planDir, "mariadb-10.11-join-three-tables.analyze.json"))
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat(`{"query_block":{"select_id":1,"table":{"table_name":"t","materialized":`, 300) + "{}" + strings.Repeat("}}}", 300)
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"empty", "", "plan is empty"},
		{"spaces", "  \n\t ", "plan is empty"},
		{"truncated JSON", string(good[:len(good)/2]), "plan JSON is truncated"},
		{"malformed JSON", `{"query_block": {"select_id": 1,, }}`, "plan JSON is malformed at byte"},
		{"trailing data", `{"query_block": {"select_id": 1}} {"x": 1}`, "unexpected data after the document"},
		{"JSON array", `[1, 2]`, "plan JSON is not an object"},
		{"unknown JSON shape", `{"plan_v9": {"steps": []}}`, "unknown plan shape: top-level keys [plan_v9]"},
		{"query_block not an object", `{"query_block": [1]}`, "query_block is not an object"},
		{"v2 without operation", `{"query_plan": {"inputs": []}, "json_schema_version": "2.0"}`, "version 2 plan has no operation"},
		{"binary garbage", "\x00\x01\x02\xff\xfe garbage", "plan is not UTF-8"},
		{"prose", "this is not a plan at all", "not a plan"},
		{"tree continuation first", "  cost=1\n-> Table scan on t", "not a plan"},
		{"tabular without columns", "a\tb\n1\t2", `no "id" column`},
		{"tabular ragged row", "id\tselect_type\ttable\ttype\n1\tSIMPLE\tt", "a row has 3 cells"},
		{"tabular header only", "id\tselect_type\ttable\ttype\n", "no rows"},
		{"spaces and tabs only", " \t \n\t", "plan is empty"},
		{"too deep", deep, "nested more than"},
		{"unterminated comment", `{"query_block": {"select_id": 1} /* end`, "malformed"},
		{"own JSON without root", `{"format": "json", "root": null}`, "has no root node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ReadPlan([]byte(tt.input))
			if err == nil {
				t.Fatalf("no error; plan %+v", p)
			}
			if !errors.Is(err, dba.ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
		})
	}
	big := make([]byte, MaxPlanBytes+1)
	if _, err := ReadPlan(big); err == nil || !strings.Contains(err.Error(), "plans are read up to") {
		t.Errorf("oversized: %v", err)
	}
}

// TestPlanUnknownVersion: a newer server's extra keys are reported, the
// rest of the plan still reads, and nothing is made up for them.
func TestPlanUnknownVersion(t *testing.T) {
	in := `{"query_block": {"select_id": 1, "r_frobnicate": 3, "table": {"table_name": "t", "access_type": "ALL", "rows": 10, "quantum_cost": 2,
		"future_wrapper": {"query_block": {"select_id": 2, "table": {"table_name": "u", "access_type": "ref"}}}}}}`
	p, err := ReadPlan([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`skipped unknown key "future_wrapper" in table`,
		`skipped unknown key "quantum_cost" in table`,
		`skipped unknown key "r_frobnicate" in query_block`,
	}
	if diff := cmp.Diff(want, p.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if find(p, table("u")) == nil {
		t.Error("the steps inside an unknown key were dropped")
	}
	if n := find(p, table("t")); n.Cost != nil || n.Filtered != nil {
		t.Errorf("invented figures: %+v", n)
	}
	v2 := `{"query_plan": {"operation": "Frobnicate t", "access_type": "frobnicate", "estimated_rows": 3, "new_key": 1}, "json_schema_version": "3.0"}`
	p, err = ReadPlan([]byte(v2))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Notes) != 3 || p.Root.Kind != dba.NodeOperation || *p.Root.Rows != 3 {
		t.Errorf("notes %v root %+v", p.Notes, p.Root)
	}
}

// TestPlanOwnJSONRoundTrip: mydba's own -o json output reads back as the
// same plan (plan-diff of saved runs).
func TestPlanOwnJSONRoundTrip(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(planDir, "mariadb-10.11-dependent-subquery.analyze.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadPlan(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, wrap := range []bool{false, true} {
		var out []byte
		if wrap {
			out, err = json.Marshal(dba.PlanReport{Statement: "SELECT 1", Server: dba.Server{Flavor: dba.FlavorMariaDB, Version: dba.Version{Major: 10, Minor: 11, Patch: 6}}, Plan: p})
		} else {
			out, err = json.Marshal(p)
		}
		if err != nil {
			t.Fatal(err)
		}
		back, err := ReadPlan(out)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, back); diff != "" {
			t.Errorf("wrap=%v round trip (-want +got):\n%s", wrap, diff)
		}
	}
}

func FuzzParsePlan(f *testing.F) {
	for _, name := range planFixtures(f) {
		b, err := os.ReadFile(filepath.Join(planDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"query_block":{"select_id":1,"nested_loop":[{"block-nl-join":{"table":{"table_name":"t"}}}]}}`))
	f.Add([]byte("-> a\n    -> b (cost=1..2 rows=3) (actual time=1..2 rows=3 loops=4)\n  x"))
	f.Add([]byte("id\tselect_type\ttable\ttype\n1\tPRIMARY\t<derived2>\tALL\n2\tDERIVED\t<union2,3>\tALL"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadPlan(b)
		if err != nil {
			if !errors.Is(err, dba.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if p.Root == nil {
			t.Fatal("plan without root")
		}
		id := 0
		p.Root.Walk(func(n, _ *dba.PlanNode) bool {
			id++
			if n.ID != id {
				t.Fatalf("node id %d, want %d", n.ID, id)
			}
			return true
		})
		if _, err := json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPlanTabularTrailingEmptyCell: the mariadb client ends a row whose
// Extra is empty with a tab; the last row must keep it.
func TestPlanTabularTrailingEmptyCell(t *testing.T) {
	in := "id\tselect_type\ttable\ttype\tpossible_keys\tkey\tkey_len\tref\trows\tExtra\n1\tSIMPLE\tpage_views\tref\tidx_page_views_customer\tidx_page_views_customer\t5\tconst\t1\t\n"
	p, err := ReadPlan([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	n := find(p, table("page_views"))
	if n == nil || n.Access != "ref" || n.Rows == nil || *n.Rows != 1 {
		t.Errorf("%+v", n)
	}
}
