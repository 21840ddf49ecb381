package sqltext

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestIndexUses(t *testing.T) {
	shop := map[string][]string{
		"orders":    {"id", "customer_id", "status", "created_at", "total"},
		"customers": {"id", "email", "name", "country", "city"},
	}
	columnsOf := func(_, table string) []string { return shop[strings.ToLower(table)] }
	tests := []struct {
		name string
		sql  string
		want []IndexUse
	}{
		{"equality and range", "SELECT * FROM orders WHERE status = 'paid' AND created_at >= '2024-01-01' AND total > 10",
			[]IndexUse{{Table: "orders", Alias: "orders", Equal: []string{"status"}, Range: []string{"created_at", "total"}}}},
		{"in list, between, like prefix, is null", "SELECT id FROM shop.customers c WHERE c.country IN ('DE', 'FR') AND c.id BETWEEN 1 AND 9 AND c.name LIKE 'Ann%' AND c.city IS NULL",
			[]IndexUse{{Schema: "shop", Table: "customers", Alias: "c", Equal: []string{"city"}, In: []string{"country"}, Range: []string{"id", "name"}}}},
		{"single-value IN is equality", "SELECT id FROM customers WHERE country IN ('DE')",
			[]IndexUse{{Table: "customers", Alias: "customers", Equal: []string{"country"}}}},
		{"join columns both sides", "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = 'x'",
			[]IndexUse{
				{Table: "orders", Alias: "o", Join: []string{"customer_id"}},
				{Table: "customers", Alias: "c", Equal: []string{"email"}, Join: []string{"id"}},
			}},
		{"unqualified columns resolved by schema", "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE email = 'x' AND status = 'paid'",
			[]IndexUse{
				{Table: "orders", Alias: "o", Equal: []string{"status"}, Join: []string{"customer_id"}},
				{Table: "customers", Alias: "c", Equal: []string{"email"}, Join: []string{"id"}},
			}},
		{"order by one table", "SELECT * FROM orders WHERE customer_id = 5 ORDER BY created_at DESC, id LIMIT 10",
			[]IndexUse{{Table: "orders", Alias: "orders", Equal: []string{"customer_id"}, OrderBy: []OrderColumn{{"created_at", true}, {"id", false}}, Limit: true}}},
		{"order by two tables is nobody's", "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY c.name, o.id",
			[]IndexUse{{Table: "orders", Alias: "o", Join: []string{"customer_id"}}, {Table: "customers", Alias: "c", Join: []string{"id"}}}},
		{"group by", "SELECT status, count(*) FROM orders GROUP BY status",
			[]IndexUse{{Table: "orders", Alias: "orders", GroupBy: []string{"status"}}}},
		{"function and leading wildcard are unusable", "SELECT * FROM orders WHERE YEAR(created_at) = 2024 AND status LIKE '%aid'",
			[]IndexUse{{Table: "orders", Alias: "orders", Unusable: []string{"YEAR(`created_at`)=2024 (the column is inside an expression)", "`status` LIKE '%aid' (a leading wildcard reads every row)"}}}},
		{"correlated subquery joins the outer row", "SELECT c.id, (SELECT max(o.created_at) FROM orders o WHERE o.customer_id = c.id) FROM customers c WHERE c.country = 'DE'",
			[]IndexUse{{Table: "customers", Alias: "c", Equal: []string{"country"}}, {Table: "orders", Alias: "o", Join: []string{"customer_id"}}}},
		{"exists subquery", "SELECT id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'new')",
			[]IndexUse{{Table: "customers", Alias: "c"}, {Table: "orders", Alias: "o", Equal: []string{"status"}, Join: []string{"customer_id"}}}},
		{"derived table and CTE are not base tables", "WITH big AS (SELECT customer_id FROM orders WHERE total > 5) SELECT * FROM big JOIN (SELECT id FROM customers WHERE country = 'DE') t ON t.id = big.customer_id",
			[]IndexUse{{Table: "orders", Alias: "orders", Range: []string{"total"}}, {Table: "customers", Alias: "customers", Equal: []string{"country"}}}},
		{"union", "SELECT id FROM orders WHERE customer_id = 1 UNION SELECT id FROM customers WHERE email = 'a'",
			[]IndexUse{{Table: "orders", Alias: "orders", Equal: []string{"customer_id"}}, {Table: "customers", Alias: "customers", Equal: []string{"email"}}}},
		{"update", "UPDATE orders SET status = 'x' WHERE created_at < '2020-01-01' ORDER BY id LIMIT 10",
			[]IndexUse{{Table: "orders", Alias: "orders", Range: []string{"created_at"}, OrderBy: []OrderColumn{{Column: "id"}}, Limit: true}}},
		{"delete", "DELETE FROM orders WHERE customer_id = 3",
			[]IndexUse{{Table: "orders", Alias: "orders", Equal: []string{"customer_id"}}}},
		{"insert select", "INSERT INTO t (a) SELECT id FROM orders WHERE status = 'new'",
			[]IndexUse{{Table: "orders", Alias: "orders", Equal: []string{"status"}}}},
		{"using", "SELECT * FROM orders JOIN customers USING (id)",
			[]IndexUse{{Table: "orders", Alias: "orders", Join: []string{"id"}}, {Table: "customers", Alias: "customers", Join: []string{"id"}}}},
		{"range against another table", "SELECT * FROM customers c JOIN orders o ON o.id < c.id WHERE c.id < 5",
			[]IndexUse{{Table: "customers", Alias: "c", Range: []string{"id"}}, {Table: "orders", Alias: "o", Range: []string{"id"}}}},
		{"or is not an index range", "SELECT * FROM orders WHERE status = 'a' OR customer_id = 4",
			[]IndexUse{{Table: "orders", Alias: "orders"}}},
	}
	c := NewClassifier()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.IndexUses(tt.sql, columnsOf)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestIndexUsesBadInput(t *testing.T) {
	c := NewClassifier()
	for _, sql := range []string{"SELEC * FRM t", "SELECT 1; SELECT 2", ""} {
		if _, err := c.IndexUses(sql, nil); err == nil {
			t.Errorf("%q: no error", sql)
		}
	}
	// Unqualified columns of a join without schema are left out, not guessed.
	got, err := c.IndexUses("SELECT * FROM a JOIN b ON a.id = b.id WHERE x = 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range got {
		if len(u.Equal) > 0 {
			t.Errorf("guessed %+v", u)
		}
	}
}

func FuzzIndexUses(f *testing.F) {
	f.Add("SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = 'x' ORDER BY o.id")
	f.Add("WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 3) SELECT * FROM s")
	f.Add("DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.country = 'LU'")
	f.Fuzz(func(t *testing.T, sql string) {
		c := NewClassifier()
		_, _ = c.IndexUses(sql, func(string, string) []string { return []string{"id"} })
	})
}
