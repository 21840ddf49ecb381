package workbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/sqltext"
)

// findingsOf lists "code severity" of a statement's findings, optionally
// only those with the given codes.
func findingsOf(s AnalyzedStatement, codes ...string) []string {
	var out []string
	for _, f := range s.Findings {
		if len(codes) == 0 || contains(codes, f.Code) {
			out = append(out, f.Code+" "+string(f.Severity))
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestAnalyzeOffline(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	script := "-- nightly report\nSELECT id FROM orders;\n\n  SELECT * FROM t WHERE DATE(d) = '2024-01-01'; DELETE FROM t;\nCREATE USER x IDENTIFIED BY 'secret-pw'"
	res, err := w.Analyze(context.Background(), AnalyzeRequest{SQL: script})
	if err != nil {
		t.Fatal(err)
	}
	if res.SchemaAware || res.Profile != "" || len(res.Tables) != 0 {
		t.Errorf("offline result claims a schema: %+v", res)
	}
	type stmt struct {
		Line        int
		Class, Risk string
		Findings    []string
	}
	var got []stmt
	for _, s := range res.Statements {
		var fs []string
		for _, f := range s.Findings {
			fs = append(fs, fmt.Sprintf("%s %s %d:%d", f.Severity, f.Code, f.Line, f.Column))
		}
		got = append(got, stmt{s.Line, string(s.Class), string(s.Risk), fs})
	}
	want := []stmt{
		{Line: 1, Class: "read", Risk: "low"},
		{Line: 4, Class: "read", Risk: "low", Findings: []string{"warning SelectStar 4:10", "warning NonSargableDate 4:25"}},
		{Line: 4, Class: "write", Risk: "high", Findings: []string{"error DeleteWithoutWhere 4:49"}},
		{Line: 5, Class: "dcl", Risk: "critical"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
	if last := res.Statements[3].SQL; strings.Contains(last, "secret-pw") {
		t.Errorf("statement text shows the password: %s", last)
	}
	// Positions point at the evidence in the script.
	lines := strings.Split(script, "\n")
	f := res.Statements[1].Findings[1]
	if at := []rune(lines[f.Line-1])[f.Column-1:]; !strings.HasPrefix(string(at), "DATE(d)") {
		t.Errorf("position %d:%d points at %q", f.Line, f.Column, string(at))
	}
}

// TestAnalyzeSurvivesParserPanics: the parser's literal driver panics on
// long decimal literals; analyze reports the statement and goes on.
func TestAnalyzeSurvivesParserPanics(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	res, err := w.Analyze(context.Background(), AnalyzeRequest{SQL: "SELECT 1" + strings.Repeat("0", 90) + ";\nDELETE FROM t"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Statements {
		got = append(got, string(s.Class)+" "+strings.Join(findingsOf(s), ","))
	}
	if diff := cmp.Diff([]string{"unknown NotAnalyzed info", "write DeleteWithoutWhere error"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestAnalyzeRefusesBadInputBeforeConnecting: nothing listens on port 1,
// so reaching for the server would be ErrUnreachable.
func TestAnalyzeRefusesBadInputBeforeConnecting(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	nowhere := &ConnRequest{DSN: "mysql://u@127.0.0.1:1/", Timeout: time.Second}
	for _, req := range []AnalyzeRequest{
		{SQL: "  ;; -- nothing\n", Conn: nowhere},
		{SQL: "SELECT 1", Database: strings.Repeat("d", 65), Conn: nowhere},
		{SQL: "SELECT 1", LargeTableRows: -1, Conn: nowhere},
	} {
		if _, err := w.Analyze(context.Background(), req); !errors.Is(err, dba.ErrInvalid) {
			t.Errorf("%+v: err = %v, want ErrInvalid", req, err)
		}
	}
	if _, err := w.Analyze(context.Background(), AnalyzeRequest{SQL: "SELECT 1", Conn: nowhere}); !errors.Is(err, dba.ErrUnreachable) {
		t.Errorf("unreachable server: err = %v", err)
	}
}

// TestAnalyzeSchemaAware runs the schema-aware rules against the sandbox's
// shop: real column types, indexes and row estimates decide.
func TestAnalyzeSchemaAware(t *testing.T) {
	r := explorerRequest(t)
	admin := dbtest.Admin(t)
	db := fmt.Sprintf("t_analyze_%d", os.Getpid())
	dbtest.Exec(t, admin, "DROP DATABASE IF EXISTS "+db, "CREATE DATABASE "+db,
		"CREATE TABLE "+db+".refs (id INT UNSIGNED NOT NULL PRIMARY KEY, customer_ref VARCHAR(20) NOT NULL, coupon VARCHAR(16) CHARACTER SET latin1 NULL, KEY (customer_ref))")
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP DATABASE IF EXISTS "+db) })
	w := openWB(t, Options{DisableKeyring: true})
	script := strings.Join([]string{
		"SELECT id FROM customers WHERE email = 42",                                                // 1 email is VARCHAR
		"SELECT id FROM orders WHERE DATE(created_at) = '2024-01-01'",                              // 2
		"SELECT * FROM order_items",                                                                // 3 ~500k rows
		"SELECT * FROM products",                                                                   // 4 5k rows: bounded enough
		"SELECT id FROM customers WHERE LOWER(email) = 'a@b.c'",                                    // 5 email has no index
		"SELECT id FROM products WHERE LOWER(sku) = 'sku-1'",                                       // 6 sku is UNIQUE, _ci
		"SELECT code FROM legacy_coupons WHERE code NOT IN (SELECT coupon_code FROM orders)",       // 7 nullable
		"SELECT id FROM customers WHERE id NOT IN (SELECT customer_id FROM orders)",                // 8 NOT NULL
		"SELECT 1 FROM " + db + ".refs r JOIN customers c ON c.id = r.customer_ref",                // 9 types differ
		"SELECT 1 FROM " + db + ".refs r JOIN orders o ON o.coupon_code = r.coupon WHERE o.id = 1", // 10 collations differ
		"DELETE FROM order_items WHERE product_id = 7",                                             // 11 unbatched
		"DELETE FROM order_items WHERE order_id = 7 AND line_no = 1",                               // 12 one row
		"SELECT * FROM order_summary",                                                              // 13 a view: no row estimate
		"SELECT * FROM no_such_table",                                                              // 14
	}, ";\n")
	res, err := w.Analyze(context.Background(), AnalyzeRequest{Conn: &r, SQL: script})
	if err != nil {
		t.Fatal(err)
	}
	if !res.SchemaAware || res.Database != "shop" {
		t.Fatalf("schema_aware %v database %q", res.SchemaAware, res.Database)
	}
	rows := map[string]int64{}
	for _, tb := range res.Tables {
		if tb.Rows != nil {
			rows[tb.Name] = *tb.Rows
		}
	}
	if rows["order_items"] < 400_000 || rows["customers"] < 40_000 || rows["products"] > 10_000 {
		t.Errorf("row estimates read from the server look wrong: %v", rows)
	}
	if diff := cmp.Diff([]string{"table shop.no_such_table not found: rules that need its schema skipped it"}, res.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	codes := []string{sqltext.CodeImplicitConversion, sqltext.CodeNonSargableDate, sqltext.CodeUnboundedSelect, sqltext.CodeFunctionOnIndexedColumn,
		sqltext.CodeNotInNullableSubquery, sqltext.CodeDeleteWithoutLimit}
	want := [][]string{
		{"ImplicitConversion warning"},
		{"NonSargableDate warning"},
		{"UnboundedSelect warning"},
		nil,
		nil,
		{"FunctionOnIndexedColumn warning"},
		{"NotInNullableSubquery warning"},
		nil,
		{"ImplicitConversion warning"},
		{"ImplicitConversion warning"},
		{"DeleteWithoutLimit warning"},
		nil,
		nil,
		nil,
	}
	if len(res.Statements) != len(want) {
		t.Fatalf("%d statements, want %d", len(res.Statements), len(want))
	}
	for i, s := range res.Statements {
		if diff := cmp.Diff(want[i], findingsOf(s, codes...)); diff != "" {
			t.Errorf("statement %d %q (-want +got):\n%s", i+1, s.SQL, diff)
		}
	}
	fixOf := func(stmt int, code string) string {
		for _, f := range res.Statements[stmt-1].Findings {
			if f.Code == code {
				return f.Fix
			}
		}
		return ""
	}
	for _, c := range []struct {
		stmt       int
		code, want string
	}{
		{1, sqltext.CodeImplicitConversion, "`email` = '42'"},
		{2, sqltext.CodeNonSargableDate, "`created_at` >= '2024-01-01' AND `created_at` < '2024-01-02'. No index starts with `created_at` yet: ALTER TABLE `shop`.`orders` ADD INDEX `idx_orders_created_at` (`created_at`)."},
		{3, sqltext.CodeUnboundedSelect, "WHERE (`order_id`, `line_no`) > (?, ?) ORDER BY `order_id`, `line_no` LIMIT 1000"},
		{6, sqltext.CodeFunctionOnIndexedColumn, "`sku` = 'sku-1'"},
		{9, sqltext.CodeImplicitConversion, "MODIFY `customer_ref` int(10) unsigned NOT NULL"},
		{10, sqltext.CodeImplicitConversion, "COLLATE utf8mb4_unicode_ci"},
		{11, sqltext.CodeDeleteWithoutLimit, "ORDER BY `order_id`,`line_no` LIMIT 10000"},
	} {
		if got := fixOf(c.stmt, c.code); !strings.Contains(got, c.want) {
			t.Errorf("statement %d %s fix %q lacks %q", c.stmt, c.code, got, c.want)
		}
	}
	// Offline, the same script keeps only what the text shows.
	off, err := w.Analyze(context.Background(), AnalyzeRequest{SQL: script})
	if err != nil {
		t.Fatal(err)
	}
	if got := findingsOf(off.Statements[0], codes...); got != nil {
		t.Errorf("offline email = 42: %v", got)
	}
	if got := findingsOf(off.Statements[4], codes...); !cmp.Equal(got, []string{"FunctionOnIndexedColumn info"}) {
		t.Errorf("offline LOWER(email): %v", got)
	}
}

// TestAnalyzeDatabaseFlag: unqualified names resolve against Database
// when the connection has no default schema.
func TestAnalyzeDatabaseFlag(t *testing.T) {
	d := dbtest.LeastPriv(t)
	r := ConnRequest{DSN: "mysql://" + d.Target.User + "@" + d.Target.Address(), Password: &d.Password, Timeout: 5 * time.Second}
	w := openWB(t, Options{DisableKeyring: true})
	res, err := w.Analyze(context.Background(), AnalyzeRequest{Conn: &r, SQL: "SELECT * FROM order_items"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "--database") || len(res.Tables) != 0 {
		t.Errorf("without a database: notes %v tables %v", res.Notes, res.Tables)
	}
	res, err = w.Analyze(context.Background(), AnalyzeRequest{Conn: &r, SQL: "SELECT * FROM order_items", Database: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if got := findingsOf(res.Statements[0], sqltext.CodeUnboundedSelect); len(got) != 1 {
		t.Errorf("with --database shop: %v (notes %v)", res.Statements[0].Findings, res.Notes)
	}
}

func BenchmarkAnalyzeSchemaAware(b *testing.B) {
	dbtest.LeastPriv(b)
	r := ConnRequest{DSN: os.Getenv(dbtest.EnvLeastPriv), Timeout: 5 * time.Second}
	w, err := Open(context.Background(), Options{StateDir: b.TempDir(), DisableKeyring: true})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	script := "SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE DATE(o.created_at) = '2024-01-01';\n" +
		"SELECT * FROM order_items i JOIN products p ON p.id = i.product_id"
	for b.Loop() {
		if _, err := w.Analyze(context.Background(), AnalyzeRequest{Conn: &r, SQL: script}); err != nil {
			b.Fatal(err)
		}
	}
}
