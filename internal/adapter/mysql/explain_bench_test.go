package mysql

import (
	"context"
	"testing"

	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/parse"
)

// BenchmarkExplainSandbox is the server round trip mydba explain makes:
// EXPLAIN FORMAT=JSON of a three-table join on the read-only session,
// parsed; and ANALYZE FORMAT=JSON of a primary-key lookup (the statement
// itself costs nothing, so the figure is mydba's and the protocol's).
func BenchmarkExplainSandbox(b *testing.B) {
	db, err := Open(context.Background(), params(dbtest.Primary(b)))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		sql     string
		analyze bool
	}{
		{"explain-join", "SELECT o.id, p.name, oi.qty FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id WHERE o.customer_id = 7", false},
		{"analyze-pk", "SELECT * FROM customers WHERE id = 42", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				raw, err := db.Explain(ctx, c.sql, c.analyze)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := parse.ReadPlan([]byte(raw)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
