package mysql

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/parse"
)

var updatePlanFixtures = flag.Bool("update-plan-fixtures", false, "re-capture the MariaDB plan fixtures of internal/parse from the sandbox")

// planFixtureDir is where the parser's golden tests read the fixtures.
const planFixtureDir = "../../parse/testdata/plan"

// planQuery is one statement whose plans are captured from the sandbox's
// shop schema. read: the statement only reads, so ANALYZE FORMAT=JSON
// (which executes it) is captured too.
type planQuery struct {
	name string
	sql  string
	read bool
}

func largeInList(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Itoa(i*150 + 1)
	}
	return strings.Join(ids, ",")
}

// planQueries covers the shapes the parser must read: access types, joins,
// semi- and anti-joins, derived tables, CTEs, window functions, unions,
// index merge, covering indexes, filesort and temporary tables, subqueries
// with and without expression cache, IN lists over MariaDB's conversion
// threshold, and DML. Every ANALYZE here finishes in well under a second.
var planQueries = []planQuery{
	{"pk-lookup", "SELECT * FROM customers WHERE id = 42", true},
	{"full-scan-no-index", "SELECT id, name FROM customers WHERE email = 'user42@example.com'", true},
	{"range-pk", "SELECT * FROM orders WHERE id BETWEEN 1000 AND 1100", true},
	{"ref-secondary", "SELECT * FROM orders WHERE customer_id = 42", true},
	{"covering-index", "SELECT country, city FROM customers WHERE country = 'DE'", true},
	{"index-condition-pushdown", "SELECT * FROM orders WHERE customer_id BETWEEN 100 AND 120 AND created_at >= '2024-06-01'", true},
	{"join-eq-ref", "SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id < 200", true},
	{"join-three-tables", "SELECT o.id, p.name, oi.qty FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id WHERE o.customer_id = 7", true},
	{"group-by-temporary", "SELECT status, count(*) FROM orders GROUP BY status", true},
	{"order-by-filesort-limit", "SELECT id, total FROM orders ORDER BY total DESC LIMIT 10", true},
	{"order-by-index", "SELECT id FROM orders ORDER BY id DESC LIMIT 10", true},
	{"semi-join", "SELECT * FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE total > 990)", true},
	{"anti-join-not-exists", "SELECT c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)", true},
	{"dependent-subquery", "SELECT c.id, (SELECT max(o.created_at) FROM orders o WHERE o.customer_id = c.id) AS last_order FROM customers c WHERE c.country = 'DE' AND c.city LIKE 'B%'", true},
	{"not-in-subquery", "SELECT id FROM products WHERE id NOT IN (SELECT product_id FROM order_items WHERE qty > 8)", true},
	{"derived-table", "SELECT t.customer_id, t.n FROM (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id) t WHERE t.n > 8", true},
	{"derived-merged", "SELECT * FROM (SELECT * FROM orders WHERE total > 500) t WHERE t.customer_id = 5", true},
	{"recursive-cte", "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 100) SELECT * FROM seq", true},
	{"cte-order-limit", "WITH big AS (SELECT customer_id, sum(total) AS s FROM orders GROUP BY customer_id) SELECT * FROM big ORDER BY s DESC LIMIT 10", true},
	{"window-partition", "SELECT id, customer_id, row_number() OVER (PARTITION BY customer_id ORDER BY created_at) AS rn FROM orders WHERE customer_id < 100", true},
	{"window-rank", "SELECT category, name, rank() OVER (PARTITION BY category ORDER BY price DESC) AS r FROM products", true},
	{"union-distinct", "SELECT id FROM customers WHERE country = 'FR' UNION SELECT customer_id FROM orders WHERE total > 995", true},
	{"union-all", "SELECT id FROM orders WHERE customer_id = 1 UNION ALL SELECT id FROM orders WHERE customer_id = 2", true},
	{"index-merge", "SELECT * FROM orders WHERE id = 5 OR customer_id = 7", true},
	{"large-in-list", "SELECT id, total FROM orders WHERE id IN (" + largeInList(1200) + ")", true},
	{"small-in-list", "SELECT id, name FROM customers WHERE id IN (3, 14, 15, 92, 65, 35, 89, 79)", true},
	{"function-on-column", "SELECT count(*) FROM orders WHERE YEAR(created_at) = 2024", true},
	{"like-leading-wildcard", "SELECT id FROM customers WHERE email LIKE '%@example.org'", true},
	{"block-nested-loop", "SELECT p.id, lc.code FROM products p JOIN legacy_coupons lc ON lc.discount_pct = p.stock WHERE p.category = 'books'", true},
	{"impossible-where", "SELECT * FROM orders WHERE id = -1", true},
	{"no-tables", "SELECT 1 + 1", true},
	{"optimized-away", "SELECT max(id) FROM orders", true},
	{"count-star", "SELECT count(*) FROM orders", true},
	{"distinct", "SELECT DISTINCT shipping_country FROM orders", true},
	{"group-having", "SELECT customer_id, sum(total) FROM orders GROUP BY customer_id HAVING sum(total) > 9000", true},
	{"left-join-is-null", "SELECT c.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL", true},
	{"view", "SELECT * FROM order_summary LIMIT 10", true},
	{"offset-paging", "SELECT id FROM orders ORDER BY created_at LIMIT 10 OFFSET 50000", true},
	{"aria-table", "SELECT * FROM page_views WHERE customer_id = 5", true},
	{"myisam-range", "SELECT * FROM legacy_coupons WHERE discount_pct > 50", true},
	{"rowid-filter", "SELECT * FROM products WHERE sku LIKE 'B%' AND category IN ('books', 'toys', 'pets')", true},
	{"uncorrelated-scalar-subquery", "SELECT (SELECT count(*) FROM products) AS n, id FROM customers LIMIT 3", true},
	{"range-checked-for-each-record", "SELECT c.id, o.id FROM customers c JOIN orders o ON o.id < c.id WHERE c.id < 5", true},
	{"lateral-derived", "SELECT c.name, t.s FROM customers c JOIN (SELECT customer_id, sum(total) AS s FROM orders GROUP BY customer_id) t ON t.customer_id = c.id WHERE c.country = 'DE' AND c.city = 'Berlin'", true},
	{"update", "UPDATE orders SET note = 'x' WHERE status = 'cancelled'", false},
	{"delete", "DELETE FROM payments WHERE created_at < '2020-01-01'", false},
	{"update-join", "UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.note = 'vip' WHERE c.country = 'LU'", false},
	{"insert-select", "INSERT INTO legacy_coupons (code, discount_pct, valid_from, max_uses) SELECT sku, 5, '2024-01-01', 1 FROM products WHERE category = 'books'", false},
	{"delete-order-limit", "DELETE FROM page_views WHERE viewed_at < '2023-01-01' ORDER BY viewed_at LIMIT 100", false},
}

// writePlanSidecars writes, next to the fixtures, the statements they
// explain and the shop tables as the explorer describes them: the plan
// advisor's tests read both.
func writePlanSidecars(t *testing.T, db *DB) {
	t.Helper()
	dir := filepath.Join(planFixtureDir, "sql")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	stmts := map[string]string{}
	for _, q := range planQueries {
		stmts[q.name] = q.sql
	}
	b, err := json.MarshalIndent(stmts, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mariadb-10.11-queries.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	var tables []dba.TableDetail
	for _, name := range []string{"customers", "legacy_coupons", "order_items", "orders", "page_views", "payments", "products"} {
		d, err := db.Describe(context.Background(), "shop", name)
		if err != nil {
			t.Fatal(err)
		}
		// Times and the DDL text are not what the advisor reads.
		d.Table.Created, d.Table.Updated, d.Create = "", "", ""
		tables = append(tables, d)
	}
	b, err = json.MarshalIndent(tables, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mariadb-10.11-shop-tables.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// planShape is what must stay the same when a fixture is captured again:
// the tree, tables, access types, keys and flags; never figures or times.
func planShape(p dba.Plan) []string {
	var out []string
	var walk func(n *dba.PlanNode, depth int)
	walk = func(n *dba.PlanNode, depth int) {
		var flags []string
		for _, f := range n.Flags {
			switch f {
			case dba.FlagSortOnDisk, dba.FlagPriorityQueue:
			default:
				flags = append(flags, string(f))
			}
		}
		out = append(out, fmt.Sprintf("%s%s %q %s %s %s [%s]", strings.Repeat("  ", depth), n.Kind, n.Table, n.Access, n.Key, strings.Join(n.KeyParts, ","), strings.Join(flags, ",")))
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	walk(p.Root, 0)
	return out
}

// TestPlanFixturesCurrent captures every plan again from the sandbox and
// checks it still has the shape of the committed fixture (with
// -update-plan-fixtures it rewrites the fixtures instead). EXPLAIN of the
// writes goes through the writable session, as mydba explain does.
func TestPlanFixturesCurrent(t *testing.T) {
	db := open(t, params(dbtest.Primary(t)))
	if !db.Server().IsMariaDB() || !db.Server().Version.AtLeast(10, 11) || db.Server().Version.AtLeast(10, 12) {
		// The project's sandbox is Debian 12's MariaDB 10.11; a server
		// that required tests run against must be that one.
		if dbtest.Required() {
			t.Fatalf("fixtures are MariaDB 10.11; the sandbox runs %s", db.Server().Raw)
		}
		t.Skipf("fixtures are MariaDB 10.11; the sandbox runs %s", db.Server().Raw)
	}
	ctx := context.Background()
	wr, err := db.OpenWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer wr.Close()
	if *updatePlanFixtures {
		writePlanSidecars(t, db)
	}
	for _, q := range planQueries {
		modes := []bool{false}
		if q.read && !testing.Short() {
			modes = append(modes, true)
		}
		for _, analyze := range modes {
			kind := "explain"
			if analyze {
				kind = "analyze"
			}
			t.Run(q.name+"/"+kind, func(t *testing.T) {
				cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				var raw string
				var err error
				if q.read {
					raw, err = db.Explain(cctx, q.sql, analyze)
				} else {
					raw, err = wr.Explain(cctx, q.sql)
				}
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(planFixtureDir, fmt.Sprintf("mariadb-10.11-%s.%s.json", q.name, kind))
				if *updatePlanFixtures {
					if err := os.WriteFile(path, []byte(raw+"\n"), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (capture with -update-plan-fixtures)", err)
				}
				wp, err := parse.ReadPlan(want)
				if err != nil {
					t.Fatalf("fixture: %v", err)
				}
				gp, err := parse.ReadPlan([]byte(raw))
				if err != nil {
					t.Fatalf("captured: %v\n%s", err, raw)
				}
				if diff := cmp.Diff(planShape(wp), planShape(gp)); diff != "" {
					t.Errorf("plan shape changed (-fixture +now); re-capture with -update-plan-fixtures if the server changed:\n%s", diff)
				}
				if gp.Analyzed != analyze {
					t.Errorf("analyzed = %v, want %v", gp.Analyzed, analyze)
				}
			})
		}
	}
}
