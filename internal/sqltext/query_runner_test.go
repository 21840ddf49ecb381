package sqltext

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckSessionStatement(t *testing.T) {
	tests := []struct {
		sql  string
		want string // "" when allowed, else part of the refusal
	}{
		{"USE shop", ""},
		{"SET @a = 1, @b := 'x'", ""},
		{"SET SESSION sql_mode = ''", ""},
		{"SET time_zone = '+00:00'", ""},
		{"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", ""},
		{"SET SESSION TRANSACTION READ WRITE", "tx_read_only"},
		{"SET TRANSACTION READ WRITE", "read-only"},
		{"SET @@session.transaction_read_only = OFF", "transaction_read_only"},
		{"SET tx_read_only = 0", "read-only"},
		{"SET max_statement_time = 0", "--max-time"},
		{"SET LOCAL max_execution_time = 0", "--max-time"},
		{"SET @a = 1, max_statement_time = 0", "max_statement_time"},
		{"SET NAMES latin1", "SET NAMES"},
		{"SET CHARACTER SET latin1", "SET CHARACTER SET"},
		{"SET character_set_results = NULL", "utf8mb4"},
		{"/*!40101 SET NAMES latin1 */", "SET NAMES"},
	}
	c := NewClassifier()
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			err := c.CheckSessionStatement(tt.sql)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Errorf("allowed; want a refusal mentioning %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("refusal %q lacks %q", err, tt.want)
			}
		})
	}
}

func TestUsedDatabase(t *testing.T) {
	c := NewClassifier()
	if db, ok := c.UsedDatabase("USE `we``ird 😀`"); !ok || db != "we`ird 😀" {
		t.Errorf("got %q %v", db, ok)
	}
	if _, ok := c.UsedDatabase("SELECT 1"); ok {
		t.Error("SELECT is not USE")
	}
}

func TestSourceTable(t *testing.T) {
	tests := []struct {
		sql  string
		want TableRef
		err  string
	}{
		{"SELECT * FROM orders", TableRef{Name: "orders"}, ""},
		{"SELECT * FROM shop.orders o WHERE o.id < 10 ORDER BY id", TableRef{Schema: "shop", Name: "orders"}, ""},
		{"select id, total as total, o.* from `we``ird`.`tab le 😀` o", TableRef{Schema: "we`ird", Name: "tab le 😀"}, ""},
		{"TABLE orders", TableRef{Name: "orders"}, ""},
		{"SELECT DISTINCT customer_id FROM orders", TableRef{Name: "orders"}, ""},
		{"SELECT id AS order_id FROM orders", TableRef{}, "renamed"},
		{"SELECT id, total * 2 FROM orders", TableRef{}, "expression"},
		{"SELECT * FROM orders JOIN customers USING (id)", TableRef{}, "exactly one table"},
		{"SELECT * FROM orders, customers", TableRef{}, "exactly one table"},
		{"SELECT * FROM (SELECT 1) x", TableRef{}, "derived"},
		{"WITH x AS (SELECT 1) SELECT * FROM x", TableRef{}, "common table expression"},
		{"SELECT 1", TableRef{}, "exactly one table"},
		{"SELECT * FROM a UNION SELECT * FROM b", TableRef{}, "single SELECT"},
		{"SHOW TABLES", TableRef{}, "single SELECT"},
		{"SELEC 1", TableRef{}, "not understood"},
	}
	c := NewClassifier()
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			got, err := c.SourceTable(tt.sql)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want one mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTableName(t *testing.T) {
	tests := []struct {
		in   string
		want TableRef
		err  string
	}{
		{"orders", TableRef{Name: "orders"}, ""},
		{" shop.orders ", TableRef{Schema: "shop", Name: "orders"}, ""},
		{"`my.schema`.`odd``name`", TableRef{Schema: "my.schema", Name: "odd`name"}, ""},
		{"`tab le 😀`", TableRef{Name: "tab le 😀"}, ""},
		{"shop.`o.rders`", TableRef{Schema: "shop", Name: "o.rders"}, ""},
		{"a.b.c", TableRef{}, "want name or schema.name"},
		{"", TableRef{}, "empty name"},
		{"shop.", TableRef{}, "empty name"},
		{"`open", TableRef{}, "unclosed backtick"},
		{"`a`b", TableRef{}, "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTableName(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want one mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseTableName checks a quoted name always reads back as itself.
func FuzzParseTableName(f *testing.F) {
	for _, s := range []string{"orders", "a`b", "my.schema", "😀", " x "} {
		f.Add(s, "shop")
	}
	f.Fuzz(func(t *testing.T, name, schema string) {
		if name == "" {
			return
		}
		ref := TableRef{Schema: schema, Name: name}
		got, err := ParseTableName(ref.String())
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if got != ref {
			t.Fatalf("%s read back as %+v", ref, got)
		}
		// Arbitrary input never panics.
		_, _ = ParseTableName(name)
	})
}
