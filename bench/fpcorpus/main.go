// Command fpcorpus writes a deterministic corpus of SQL statements for
// comparing mydba's fingerprints with pt-fingerprint's: one statement per
// line on stdout, and on stderr the category of each line ("agree" where
// the two tools must produce the same text, otherwise the name of a
// documented, deliberate difference).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
)

var (
	tables  = []string{"orders", "order_items", "customers", "products", "payments", "page_views", "`weird table`", "shop.orders"}
	columns = []string{"id", "status", "email", "created_at", "total", "qty", "unit_price", "name", "country", "`select`"}
	words   = []string{"new", "shipped", "it\\'s", "x;y", "--not a comment", "/* not a comment */", "ünïcödé", "🐬", "NULL", "a,b"}
)

type gen struct{ r *rand.Rand }

func (g gen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g gen) num() string {
	switch g.r.IntN(6) {
	case 0:
		return fmt.Sprint(g.r.IntN(1000000))
	case 1:
		return fmt.Sprintf("%d.%02d", g.r.IntN(1000), g.r.IntN(100))
	case 2:
		return fmt.Sprintf("-%d", g.r.IntN(100))
	case 3:
		return fmt.Sprintf("%de%d", 1+g.r.IntN(9), g.r.IntN(20))
	case 4:
		return fmt.Sprintf("%d", g.r.Int64())
	}
	return "0"
}

func (g gen) str() string {
	if g.r.IntN(2) == 0 {
		return "'" + g.pick(words) + "'"
	}
	return `"` + strings.ReplaceAll(g.pick(words), `"`, `\"`) + `"`
}

func (g gen) val() string {
	switch g.r.IntN(5) {
	case 0, 1:
		return g.num()
	case 2, 3:
		return g.str()
	}
	return "NULL"
}

func (g gen) list(n int) string {
	vs := make([]string, n)
	for i := range vs {
		vs[i] = g.val()
	}
	sep := []string{",", ", ", " , "}[g.r.IntN(3)]
	return strings.Join(vs, sep)
}

func (g gen) where() string {
	conds := []string{}
	for range 1 + g.r.IntN(3) {
		c := g.pick(columns)
		switch g.r.IntN(7) {
		case 0:
			conds = append(conds, c+" = "+g.val())
		case 1:
			conds = append(conds, c+"="+g.num())
		case 2:
			conds = append(conds, c+" IN ("+g.list(1+g.r.IntN(8))+")")
		case 3:
			conds = append(conds, c+" BETWEEN "+g.num()+" AND "+g.num())
		case 4:
			conds = append(conds, c+" LIKE "+g.str())
		case 5:
			conds = append(conds, c+" IS NULL")
		case 6:
			conds = append(conds, c+" > "+g.num())
		}
	}
	return strings.Join(conds, []string{" AND ", " and ", " OR "}[g.r.IntN(3)])
}

func (g gen) ws(s string) string {
	switch g.r.IntN(5) {
	case 0:
		return strings.ReplaceAll(s, " ", "  ")
	case 1:
		return strings.ReplaceAll(s, " ", "\t")
	case 2:
		return "  " + s
	}
	return s
}

func (g gen) agree() string {
	t := g.pick(tables)
	switch g.r.IntN(12) {
	case 0:
		return "SELECT * FROM " + t + " WHERE " + g.where()
	case 1:
		return "select " + g.pick(columns) + ", " + g.pick(columns) + " from " + t + " where " + g.where() + " order by " + g.pick(columns) + " ASC limit " + fmt.Sprint(g.r.IntN(100))
	case 2:
		rows := []string{}
		for range 1 + g.r.IntN(5) {
			rows = append(rows, "("+g.list(3)+")")
		}
		verb := []string{"INSERT INTO", "insert ignore into", "REPLACE INTO"}[g.r.IntN(3)]
		return verb + " " + t + " (a, b, c) VALUES " + strings.Join(rows, ",")
	case 3:
		return "UPDATE " + t + " SET " + g.pick(columns) + " = " + g.val() + " WHERE " + g.where()
	case 4:
		return "DELETE FROM " + t + " WHERE " + g.where() + " LIMIT " + fmt.Sprint(g.r.IntN(1000))
	case 5:
		return "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE " + g.where() + " LIMIT " + fmt.Sprint(g.r.IntN(50)) + ", " + fmt.Sprint(g.r.IntN(50))
	case 6:
		return "SELECT /* app=shop */ " + g.pick(columns) + " FROM " + t + " WHERE " + g.where()
	case 7:
		return "select " + g.val() + " union select " + g.val() + " union all select " + g.val()
	case 8:
		return "CALL place_order(" + g.list(3) + ")"
	case 9:
		return "USE shop"
	case 10:
		return "SELECT COUNT(*) FROM " + t + " WHERE " + g.pick(columns) + " IN (SELECT id FROM customers WHERE country IN (" + g.list(3) + "))"
	}
	return "select sum(total) from orders where status = " + g.str() + " group by country order by country asc, id desc"
}

func (g gen) differ() (string, string) {
	switch g.r.IntN(10) {
	case 9:
		return "use-spacing", "USE  shop"
	case 5:
		return "doubled-quote", "SELECT * FROM customers WHERE name = 'O''Brien' AND id = " + g.num()
	case 6:
		return "doubled-quote", `SELECT * FROM t WHERE b = "say ""hi"""`
	case 7:
		return "trailing-space", "SELECT * FROM orders WHERE id = " + g.num() + "   "
	case 8:
		return "call-spacing", "CALL  place_order(" + g.list(2) + ")"
	case 0:
		return "ident-digits", "SELECT c1, c2 FROM t" + fmt.Sprint(g.r.IntN(9)) + " WHERE c3 = " + g.num()
	case 1:
		return "binary-minus", "SELECT total-" + fmt.Sprint(1+g.r.IntN(9)) + " FROM orders WHERE id = " + g.num()
	case 2:
		return "hex-literal", "SELECT * FROM t WHERE h = 0x" + fmt.Sprintf("%X", g.r.IntN(1<<20)) + " OR b = X'" + fmt.Sprintf("%X", 16+g.r.IntN(200)) + "'"
	case 3:
		return "limit-repeat", "SELECT * FROM (SELECT * FROM orders LIMIT 5, 10) x LIMIT 1, 2"
	}
	return "trailing-comment", "SELECT * FROM orders WHERE id = " + g.num() + " -- from the app"
}

func main() {
	n := flag.Int("n", 20000, "statements")
	share := flag.Float64("differ", 0.05, "share of statements in deliberate-difference categories")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	g := gen{r: rand.New(rand.NewPCG(*seed, 42))}
	for range *n {
		cat, q := "agree", ""
		if g.r.Float64() < *share {
			cat, q = g.differ()
		} else {
			q = g.agree()
			// pt-fingerprint matches CALL and USE with single spaces only;
			// those spacings are the call-spacing and use-spacing categories.
			if !strings.HasPrefix(q, "CALL") && !strings.HasPrefix(q, "USE") {
				q = g.ws(q)
			}
		}
		fmt.Fprintln(os.Stdout, q+";")
		fmt.Fprintln(os.Stderr, cat)
	}
}
