package workbench

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/export"
	"github.com/mydba/mydba/internal/sqltext"
)

var updateQueryFixtures = flag.Bool("update-query", false, "rewrite the export package's fixture captured from the sandbox")

// queryConn is an ad-hoc connection to the sandbox as the least-privilege
// user, in database db.
func queryConn(t testing.TB, db string) ConnRequest {
	t.Helper()
	d := dbtest.LeastPriv(t)
	return ConnRequest{DSN: "mysql://" + d.Target.User + "@" + d.Target.Address() + "/" + db, Password: ptr(d.Password), Timeout: 5 * time.Second}
}

// testSchema creates a schema named t_query_<name>_<random> (the name may
// hold any characters) and drops it when the test ends.
func testSchema(t testing.TB, admin *sql.DB, name string) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	s := "t_query_" + name + "_" + hex.EncodeToString(b)
	dbtest.Exec(t, admin, "CREATE SCHEMA "+sqltext.QuoteIdent(s))
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP SCHEMA IF EXISTS "+sqltext.QuoteIdent(s)) })
	return s
}

// typesTable has a column of every type the exports must write exactly.
const typesTable = `CREATE TABLE %s (
  id INT AUTO_INCREMENT PRIMARY KEY,
  ti TINYINT, si SMALLINT UNSIGNED, mi MEDIUMINT, i INT, bi BIGINT, ubi BIGINT UNSIGNED, zf INT(5) ZEROFILL,
  d DECIMAL(30,10), f FLOAT, db DOUBLE,
  b1 BIT(1), b13 BIT(13), b64 BIT(64),
  c CHAR(10), vc VARCHAR(200), tx TEXT, l1 VARCHAR(20) CHARACTER SET latin1,
  bin BINARY(4), vb VARBINARY(20), bl BLOB,
  e ENUM('a','b','c d'), st SET('x','y','z'),
  dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL DEFAULT NULL, tm TIME, tm6 TIME(6), yr YEAR,
  js JSON, g GEOMETRY NULL
) DEFAULT CHARSET=utf8mb4`

// typesRows are the values: typical, all NULL, extremes and every escape,
// zero and partial-zero dates, and id 0 in an AUTO_INCREMENT column.
var typesRows = []string{
	`(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'0', b'0', b'0', '', '', '', '', 0x00000000, X'', X'', '', '', '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '00:00:00', '00:00:00', 0, '[]', NULL)`,
	`(1, 1, 2, 3, 4, 5, 6, 42, 1.5, 0.5, 0.1, b'1', b'1010101010101', 1, 'abc', 'hello', 'text', 'café', 0x41424344, 0x0102, 0xCAFE, 'a', 'x', '2024-02-29', '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123', '12:34:56', '12:34:56.654321', 2024, '{"a": 1}', ST_GeomFromText('POINT(1 2)'))`,
	`(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	`(3, -128, 65535, -8388608, -2147483648, -9223372036854775808, 18446744073709551615, 99999, -12345678901234567890.0123456789, -3.14159, 1.7976931348623157e308, b'1', b'1111111111111', 0xFFFFFFFFFFFFFFFF,
	  'q''"\\z', CONCAT('q''uote "dq" back\\slash nul', CHAR(0), ' nl', CHAR(10), ' cr', CHAR(13), ' tab', CHAR(9), ' ctrlz', CHAR(26), ' emoji 😀 ü'),
	  REPEAT('long ', 2000), 'ÿ€', 0x00275C0A, 0x0027225C0D1A, 0x00FF27225C0A0D1A,
	  'c d', 'x,z', '2024-00-15', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999', '-838:59:59', '-00:00:01.500000', 2155,
	  '{"a": [1, "two", null, true], "b": {"c": "\\u00fc \\"q\\""}, "d": 1.5e300}', ST_GeomFromText('LINESTRING(0 0, 1.5 -2.25)'))`,
	`(4, 127, 1, 8388607, 2147483647, 9223372036854775807, 0, 1, 0.0000000001, 1e-10, 2.2250738585072014e-308, b'0', b'0', 0x8000000000000000,
	  ' sp ', '  ', '', '', 0x20202020, 0x00, 0x00, 'b', 'x,y,z', '1000-01-01', '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01', '838:59:59', '-838:59:59.000000', 1901,
	  '"just a string"', NULL)`,
}

// createTypes creates and fills the types table in schema s.
func createTypes(t testing.TB, admin *sql.DB, s, table string) string {
	t.Helper()
	name := sqltext.QuoteIdent(s) + "." + sqltext.QuoteIdent(table)
	dbtest.Exec(t, admin, fmt.Sprintf(typesTable, name),
		// NO_AUTO_VALUE_ON_ZERO keeps id 0; no NO_ZERO_DATE keeps the zero dates.
		"SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'; INSERT INTO "+name+" VALUES "+strings.Join(typesRows, ",\n")+"; SET SESSION sql_mode = DEFAULT")
	return name
}

func TestPlanScript(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		n    int
		err  error
		msg  string
	}{
		{"reads and session statements", "SELECT 1; SHOW TABLES;\nUSE shop; SET @a = 1; EXPLAIN SELECT 1; DESCRIBE t; SHOW ENGINE INNODB STATUS", 7, nil, ""},
		{"delimiter", "DELIMITER //\nSELECT 1//\nSELECT 2//", 2, nil, ""},
		{"empty", "", 0, dba.ErrInvalid, "no SQL statement"},
		{"only comments", "-- nothing\n/* here */", 0, dba.ErrInvalid, "no SQL statement"},
		{"write after a read", "SELECT 1;\nDELETE FROM t", 0, dba.ErrRefused, "statement 2 (line 2: DELETE FROM t) refused: DELETE is a write statement (deletes rows)"},
		{"write mentions the gate", "UPDATE t SET a = 1", 0, dba.ErrRefused, "writes arrive with the safety gate. Nothing was sent to the server"},
		{"insert", "INSERT INTO t VALUES (1)", 0, dba.ErrRefused, "INSERT is a write statement"},
		{"locking read", "SELECT * FROM t FOR UPDATE", 0, dba.ErrRefused, "a locking read"},
		{"into outfile", "SELECT * FROM t INTO OUTFILE '/tmp/x'", 0, dba.ErrRefused, "a file write"},
		{"ddl", "DROP TABLE t", 0, dba.ErrRefused, "is DDL"},
		{"set global", "SET GLOBAL max_connections = 1", 0, dba.ErrRefused, "an admin statement"},
		{"kill", "KILL 1", 0, dba.ErrRefused, "KILL is an admin statement"},
		{"read write session", "SET SESSION TRANSACTION READ WRITE", 0, dba.ErrRefused, "the session stays read-only"},
		{"statement timeout off", "SET max_statement_time = 0", 0, dba.ErrRefused, "--max-time"},
		{"does not parse", "SELEC 1", 0, dba.ErrRefused, "could not be checked: not understood by the SQL parser"},
		{"call", "CALL p()", 0, dba.ErrRefused, "CALL is a write statement"},
		{"transaction", "BEGIN", 0, dba.ErrRefused, "a transaction statement"},
		{"lock tables", "LOCK TABLES t READ", 0, dba.ErrRefused, "a transaction statement"},
		{"do", "DO SLEEP(1)", 0, dba.ErrRefused, "DO is a write statement"},
		{"hidden in an executable comment", "SELECT 1 /*!50000 ; DROP TABLE t */", 0, dba.ErrRefused, "refused"},
		{"procedure body", "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//", 0, dba.ErrRefused, "line 2: CREATE PROCEDURE p() BEGIN SELECT 1; END) refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := planScript(tt.sql)
			if tt.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(plan) != tt.n {
					t.Errorf("%d statements, want %d", len(plan), tt.n)
				}
				return
			}
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v; want %v mentioning %q", err, tt.err, tt.msg)
			}
		})
	}
}

// TestQueryRefusedSendsNothing: a refused script is refused before mydba
// connects (the address here has no server at all) and leaves the data
// as it was.
func TestQueryRefusedSendsNothing(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	nowhere := ConnRequest{DSN: "mysql://mydba@127.0.0.1:1/", Password: ptr("x"), Timeout: time.Second}
	for _, script := range []string{"SELECT 1; DELETE FROM t", "SELEC 1"} {
		_, err := w.Query(ctx, QueryRequest{Conn: nowhere, SQL: script})
		if !errors.Is(err, dba.ErrRefused) {
			t.Errorf("%q: %v, want a refusal before any connection", script, err)
		}
	}
	var out bytes.Buffer
	if _, err := w.Export(ctx, ExportRequest{Query: QueryRequest{Conn: nowhere, SQL: "UPDATE t SET a = 1"}, Format: export.CSV, Out: &out}); !errors.Is(err, dba.ErrRefused) || out.Len() > 0 {
		t.Errorf("export: %v, wrote %q", err, out.String())
	}

	admin := dbtest.Admin(t)
	s := testSchema(t, admin, "refuse")
	tbl := sqltext.QuoteIdent(s) + ".t"
	dbtest.Exec(t, admin, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, v INT)", "INSERT INTO "+tbl+" VALUES (1, 1), (2, 2), (3, 3)")
	for _, script := range []string{
		"SELECT COUNT(*) FROM " + tbl + "; DELETE FROM " + tbl,
		"UPDATE " + tbl + " SET v = 0",
		"SELECT * FROM " + tbl + " FOR UPDATE",
		"SET SESSION TRANSACTION READ WRITE; DELETE FROM " + tbl,
		"SELECT 1 /*!50000 ; DROP TABLE " + tbl + " */",
	} {
		res, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, s), SQL: script})
		if !errors.Is(err, dba.ErrRefused) || len(res.Statements) != 0 {
			t.Errorf("%q: %v, %d statements ran", script, err, len(res.Statements))
		}
	}
	var n, sum int
	if err := admin.QueryRow("SELECT COUNT(*), SUM(v) FROM "+tbl).Scan(&n, &sum); err != nil || n != 3 || sum != 6 {
		t.Errorf("table changed: %d rows, sum %d (%v)", n, sum, err)
	}
}

// TestQueryScript checks statements share one session (USE and @vars
// carry over) and that the next call gets a clean one.
func TestQueryScript(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	admin := dbtest.Admin(t)
	s := testSchema(t, admin, "script")
	var recorded []dba.HistoryEntry
	res, err := w.Query(ctx, QueryRequest{
		Conn:   queryConn(t, "shop"),
		SQL:    "USE " + sqltext.QuoteIdent(s) + ";\nSET @n := 41;\nSELECT @n + 1 AS n, DATABASE() AS db;\n\nSELECT COUNT(*) FROM shop.customers",
		Record: func(_ context.Context, e dba.HistoryEntry) { recorded = append(recorded, e) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Statements) != 4 {
		t.Fatalf("%d statements", len(res.Statements))
	}
	got := res.Statements[2]
	if got.Line != 3 || got.Class != "read" || got.Kind != "SELECT" || len(got.ResultSets) != 1 {
		t.Fatalf("statement 3: %+v", got)
	}
	row := got.ResultSets[0].Rows[0]
	if string(row[0]) != "42" || string(row[1]) != s {
		t.Errorf("row %q: USE or @n did not carry over", row)
	}
	if res.Statements[0].Kind != "USE" || len(res.Statements[0].ResultSets) != 0 {
		t.Errorf("USE: %+v", res.Statements[0])
	}
	if c := res.Statements[3]; c.RowsExamined == nil || *c.RowsExamined == 0 {
		t.Errorf("COUNT(*) over customers: rows examined %v, want the server's figure", c.RowsExamined)
	}
	if len(recorded) != 4 || recorded[0].Database != s || recorded[2].Database != s || recorded[2].Rows != 1 || recorded[0].Profile != "(dsn)" || recorded[3].Statement != "SELECT COUNT(*) FROM shop.customers" {
		t.Errorf("history hook: %+v", recorded)
	}

	again, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, "shop"), SQL: "SELECT @n, DATABASE()"})
	if err != nil {
		t.Fatal(err)
	}
	if row := again.Statements[0].ResultSets[0].Rows[0]; row[0] != nil || string(row[1]) != "shop" {
		t.Errorf("a new call inherited the old session: %q", row)
	}
}

func TestQueryErrors(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	tests := []struct {
		sql  string
		kind error
		msg  string
	}{
		{"SELECT * FROM shop.no_such_table", dba.ErrNotFound, "statement 1 (line 1: SELECT * FROM shop.no_such_table): not found: server error 1146: Table 'shop.no_such_table' doesn't exist"},
		{"SELECT 1;\nSELECT * FROM no_such_schema.t", dba.ErrNotFound, "statement 2 (line 2"},
		{"SELECT no_such_column FROM shop.customers", dba.ErrInvalid, "Unknown column 'no_such_column'"},
		{"SELECT * FROM `shop`.`no such ☕ table`", dba.ErrNotFound, "Table 'shop.no such ☕ table' doesn't exist"},
		// Identifiers are limited to the BMP on both servers: the server's
		// own refusal comes through.
		{"SELECT * FROM `shop`.`no such 😀 table`", nil, "server error 1300: Invalid utf8mb4 character string"},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			var recorded []dba.HistoryEntry
			res, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, "shop"), SQL: tt.sql, Record: func(_ context.Context, e dba.HistoryEntry) { recorded = append(recorded, e) }})
			if err == nil || (tt.kind != nil && !errors.Is(err, tt.kind)) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %v; want %v with %q", err, tt.kind, tt.msg)
			}
			last := res.Statements[len(res.Statements)-1]
			if last.Error == "" || len(recorded) != len(res.Statements) || recorded[len(recorded)-1].Error == "" {
				t.Errorf("the failing statement is not reported: %+v / %+v", last, recorded)
			}
		})
	}
}

func TestQueryCaps(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	tests := []struct {
		name      string
		sql       string
		rows      int64
		bytes     int64
		wantRows  int64
		truncated string
	}{
		{"under the row cap", "SELECT seq FROM seq_1_to_100", 100, 0, 100, ""},
		{"over the row cap", "SELECT seq FROM seq_1_to_101", 100, 0, 100, dba.CapRows},
		{"byte cap", "SELECT REPEAT('x', 100) FROM seq_1_to_100", 0, 1000, 10, dba.CapBytes},
		{"no cap", "SELECT seq FROM seq_1_to_5000", 0, 0, 5000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, "shop"), SQL: tt.sql + "; SELECT 'next'", MaxRows: tt.rows, MaxBytes: tt.bytes})
			if err != nil {
				t.Fatal(err)
			}
			rs := res.Statements[0].ResultSets[0]
			if rs.RowCount != tt.wantRows || int64(len(rs.Rows)) != tt.wantRows || rs.Truncated != (tt.truncated != "") || rs.Cap != tt.truncated {
				t.Errorf("rows %d (%d kept), truncated %v by %q; want %d, %q", rs.RowCount, len(rs.Rows), rs.Truncated, rs.Cap, tt.wantRows, tt.truncated)
			}
			// The statement after a capped one runs normally on the same
			// session: the runner's KILL QUERY does not leak into it.
			if next := res.Statements[1]; next.Error != "" || string(next.ResultSets[0].Rows[0][0]) != "next" {
				t.Errorf("next statement: %+v", next)
			}
		})
	}
}

// TestQueryCapKillRace repeats a cap on a result the server has already
// sent whole, so the KILL lands on an idle session: the next statement
// must never be the one killed.
func TestQueryCapKillRace(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	script := strings.Repeat("SELECT seq FROM seq_1_to_3;\nSELECT 'next';\n", 25)
	res, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, "shop"), SQL: script, MaxRows: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range res.Statements {
		if st.Error != "" {
			t.Fatalf("statement %d: %s", st.Index, st.Error)
		}
	}
}

// peakHeap samples the heap while fn runs and returns the peak in bytes.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak.Load()
}

// processlistHas reports whether a statement holding marker still runs.
// The marker is split in the query so the check never finds itself.
func processlistHas(t testing.TB, admin *sql.DB, marker string) bool {
	t.Helper()
	half := len(marker) / 2
	var n int
	if err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE CONCAT('%', ?, ?, '%')", marker[:half], marker[half:]).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestQueryOneGigabyte: a 1 GB result is capped for display (and the
// server stops sending it), and streams through an export in constant
// memory.
func TestQueryOneGigabyte(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	admin := dbtest.Admin(t)
	marker := "t_query_gb_" + strings.ReplaceAll(t.Name(), "/", "_")
	sqlText := "SELECT /* " + marker + " */ seq, REPEAT('x', 1048576) FROM seq_1_to_1024"

	var res QueryResult
	var err error
	start := time.Now()
	peak := peakHeap(func() {
		res, err = w.Query(ctx, QueryRequest{Conn: queryConn(t, "shop"), SQL: sqlText, MaxRows: 1000, MaxBytes: 16 << 20})
	})
	if err != nil {
		t.Fatal(err)
	}
	rs := res.Statements[0].ResultSets[0]
	if !rs.Truncated || rs.Cap != dba.CapBytes || rs.RowCount != 15 {
		t.Errorf("rows %d truncated %v by %q; want 15 rows cut by max_bytes", rs.RowCount, rs.Truncated, rs.Cap)
	}
	took := time.Since(start)
	t.Logf("capped 1 GB result: %d rows kept in %v, peak heap %d MiB", rs.RowCount, took, peak>>20)
	// Draining the rest would take seconds (streaming 1 GB does, below).
	if took > 3*time.Second {
		t.Errorf("the capped query took %v: the rest of the result was read, not stopped", took)
	}
	if peak > 96<<20 {
		t.Errorf("peak heap %d MiB for 16 MiB of kept rows", peak>>20)
	}
	// The statement was stopped, not drained: it is gone at once.
	if processlistHas(t, admin, marker) {
		t.Error("the capped statement still runs on the server")
	}
	if testing.Short() {
		return
	}
	var n countingWriter
	var er ExportResult
	start = time.Now()
	peak = peakHeap(func() {
		// The default 30 s statement limit is for people; a loaded test
		// machine may need longer to stream a gigabyte.
		er, err = w.Export(ctx, ExportRequest{Query: QueryRequest{Conn: queryConn(t, "shop"), SQL: sqlText, MaxTime: 5 * time.Minute}, Format: export.CSV, Out: &n})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exported %d rows, %d MiB of CSV in %v, peak heap %d MiB", er.Rows, n.n>>20, time.Since(start), peak>>20)
	if er.Rows != 1024 || er.Truncated || n.n < 1<<30 {
		t.Errorf("exported %d rows, %d bytes, truncated %v", er.Rows, n.n, er.Truncated)
	}
	if peak > 64<<20 {
		t.Errorf("peak heap %d MiB streaming 1 GB: not constant memory", peak>>20)
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// TestQueryMaxTime: a statement past --max-time is stopped on the server.
func TestQueryMaxTime(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	admin := dbtest.Admin(t)
	marker := "t_query_maxtime_" + hex.EncodeToString([]byte(time.Now().Format("150405.000")))
	start := time.Now()
	// A join of 500,000 rows with itself: it runs until stopped. (MariaDB's
	// SLEEP and BENCHMARK return normally when max_statement_time stops them.)
	res, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, "shop"), SQL: "SELECT 1; SELECT /* " + marker + " */ COUNT(*) FROM order_items a, order_items b WHERE a.qty + b.qty = 7", MaxTime: time.Second})
	took := time.Since(start)
	if !errors.Is(err, dba.ErrTimeout) {
		t.Fatalf("error %v, want a timeout", err)
	}
	if took > 4*time.Second {
		t.Errorf("took %v with --max-time 1s", took)
	}
	if len(res.Statements) != 2 || res.Statements[1].Error == "" {
		t.Errorf("statements: %+v", res.Statements)
	}
	deadline := time.Now().Add(2 * time.Second)
	for processlistHas(t, admin, marker) {
		if time.Now().After(deadline) {
			t.Fatal("the statement still runs on the server after its time limit")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fixtureValue is one value in a captured fixture: null, the text when it
// is valid UTF-8, else {"hex": "..."}.
type fixtureValue struct {
	v []byte
}

func (f fixtureValue) MarshalJSON() ([]byte, error) {
	switch {
	case f.v == nil:
		return []byte("null"), nil
	case utf8.Valid(f.v):
		return json.Marshal(string(f.v))
	}
	return json.Marshal(map[string]string{"hex": hex.EncodeToString(f.v)})
}

type fixture struct {
	Source  string           `json:"source"`
	Columns []dba.Column     `json:"columns"`
	Rows    [][]fixtureValue `json:"rows"`
}

// TestQueryTypes reads every type back as the server's exact text and
// keeps the export package's MariaDB fixture honest: it is this output.
func TestQueryTypes(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	admin := dbtest.Admin(t)
	s := testSchema(t, admin, "types")
	name := createTypes(t, admin, s, "types")
	res, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, s), SQL: "SELECT * FROM " + name + " ORDER BY id"})
	if err != nil {
		t.Fatal(err)
	}
	rs := res.Statements[0].ResultSets[0]
	byName := func(row int, col string) []byte {
		for i, c := range rs.Columns {
			if c.Name == col {
				return rs.Rows[row][i]
			}
		}
		t.Fatalf("no column %s", col)
		return nil
	}
	checks := []struct {
		row  int
		col  string
		want string
	}{
		{0, "dt", "0000-00-00"}, {0, "dtm", "0000-00-00 00:00:00.000000"}, {0, "ts", "0000-00-00 00:00:00.000"},
		{3, "dt", "2024-00-15"}, {3, "tm", "-838:59:59"}, {3, "tm6", "-00:00:01.500000"}, {3, "zf", "99999"},
		{1, "dtm", "2024-02-29 23:59:59.123456"}, {1, "zf", "42"}, // the mariadb client pads ZEROFILL itself {3, "ubi", "18446744073709551615"},
		{3, "d", "-12345678901234567890.0123456789"}, {1, "l1", "café"},
	}
	for _, c := range checks {
		if got := string(byName(c.row, c.col)); got != c.want {
			t.Errorf("row %d %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}
	if v := byName(2, "vc"); v != nil {
		t.Errorf("NULL read as %q", v)
	}
	if v := byName(0, "vc"); v == nil || len(v) != 0 {
		t.Errorf("'' read as %v", v)
	}

	f := fixture{Source: fmt.Sprintf("mydba query on the sandbox (%s %d.%d): SELECT * FROM types ORDER BY id; see testdata/README.md", res.Server.Flavor, res.Server.Version.Major, res.Server.Version.Minor), Columns: rs.Columns}
	for _, row := range rs.Rows {
		fr := make([]fixtureValue, len(row))
		for i, v := range row {
			fr[i] = fixtureValue{v}
		}
		f.Rows = append(f.Rows, fr)
	}
	got, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("..", "export", "testdata", "mariadb-10.11-types.json")
	if *updateQueryFixtures {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestQueryTypes -update-query writes it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("the server's output differs from %s; diff:\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// mariadbClient runs the mariadb client as root on the sandbox primary.
func mariadbClient(t *testing.T, db string, stdin io.Reader, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("mariadb")
	if err != nil {
		dbtest.Missing(t, "the mariadb client is not installed")
	}
	d := dbtest.Primary(t)
	all := append([]string{"--no-defaults", "-h" + d.Target.Host, fmt.Sprintf("-P%d", d.Target.Port), "-u" + d.Target.User, "-p" + d.Password, "--database=" + db}, args...)
	cmd := exec.Command(bin, all...)
	cmd.Stdin = stdin
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mariadb: %v: %s", err, stderr.String())
	}
	return out.String()
}

// TestExportSQLRoundTrip exports tables with every type — and with
// identifiers holding backticks, quotes, spaces and emoji — as INSERT
// statements, loads them into empty copies with the mariadb client and
// compares checksums and rows.
func TestExportSQLRoundTrip(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	admin := dbtest.Admin(t)
	src := testSchema(t, admin, "src ü☕`'\"")
	dst := testSchema(t, admin, "dst")
	types := createTypes(t, admin, src, "types")
	// Identifiers take any BMP character (emoji like ☕ included; the
	// server refuses those beyond it, 😀); values take anything.
	odd := sqltext.QuoteIdent(src) + "." + sqltext.QuoteIdent("we`ird 'tab\"le ☕")
	dbtest.Exec(t, admin,
		"CREATE TABLE "+odd+" (`id 1` INT PRIMARY KEY, `ü` VARCHAR(20), `☕ emoji` TEXT, `a``b` BLOB, `\"q\"` JSON)",
		"INSERT INTO "+odd+" VALUES (1, 'ü', '😀', 0x00, '{}'), (2, NULL, 'it''s', 0x5C27, '[1]')")

	for _, tc := range []struct {
		name, table, query string
		batch              bool
	}{
		{"types", "types", "SELECT * FROM " + types + " ORDER BY id", false},
		{"odd names", "we`ird 'tab\"le ☕", "SELECT * FROM " + odd, false},
		{"named with --table", "renamed", "SELECT * FROM " + types + " WHERE id > 1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dstTable := sqltext.QuoteIdent(dst) + "." + sqltext.QuoteIdent(tc.table)
			srcTable := types
			if tc.name == "odd names" {
				srcTable = odd
			}
			dbtest.Exec(t, admin, "CREATE TABLE "+dstTable+" LIKE "+srcTable)
			req := ExportRequest{Query: QueryRequest{Conn: queryConn(t, src), SQL: tc.query}, Format: export.SQL}
			if tc.batch {
				req.Table = "`" + strings.ReplaceAll(tc.table, "`", "``") + "`"
			}
			var out bytes.Buffer
			req.Out = &out
			res, err := w.Export(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Table != sqltext.QuoteIdent(tc.table) {
				t.Errorf("INSERT target %s, want %s", res.Table, sqltext.QuoteIdent(tc.table))
			}
			mariadbClient(t, dst, &out)
			// Compared in SQL too, independently of mydba's reader: a digest
			// of every row's hex values, order-free.
			digest := func(from string) string {
				var d sql.NullString
				q := "SELECT MD5(GROUP_CONCAT(h ORDER BY h)) FROM (SELECT MD5(CONCAT_WS(0x1F, " + columnList(t, admin, srcTable) + ")) h FROM " + from + ") y"
				if err := admin.QueryRow(q).Scan(&d); err != nil {
					t.Fatal(err)
				}
				return d.String
			}
			if want, got := digest("("+tc.query+") x"), digest(dstTable); want == "" || want != got {
				t.Errorf("rows differ after the round trip: digest %s, want %s", got, want)
			}
			if tc.query == "SELECT * FROM "+srcTable || strings.HasSuffix(tc.query, "ORDER BY id") {
				var sumSrc, sumDst sql.NullInt64
				var name string
				admin.QueryRow("CHECKSUM TABLE "+srcTable).Scan(&name, &sumSrc)
				admin.QueryRow("CHECKSUM TABLE "+dstTable).Scan(&name, &sumDst)
				if !sumSrc.Valid || sumSrc != sumDst {
					t.Errorf("CHECKSUM TABLE %v after the round trip, want %v", sumDst, sumSrc)
				}
			}
			// Row by row through mydba's own reader too.
			a, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, src), SQL: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			b, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, dst), SQL: "SELECT * FROM " + dstTable + " ORDER BY 1"})
			if err != nil {
				t.Fatal(err)
			}
			ar, br := a.Statements[0].ResultSets[0].Rows, b.Statements[0].ResultSets[0].Rows
			if diff := cmp.Diff(rowStrings(ar), rowStrings(br)); diff != "" {
				t.Errorf("rows (-source +copy):\n%s", diff)
			}
		})
	}
}

// columnList is every column of a table, each wrapped so NULL and ”
// differ in a CONCAT_WS, for a byte-exact comparison in SQL.
func columnList(t *testing.T, admin *sql.DB, table string) string {
	t.Helper()
	rows, err := admin.Query("SELECT * FROM " + table + " LIMIT 0")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		q := sqltext.QuoteIdent(c)
		parts[i] = "IFNULL(HEX(" + q + "), 'NULL')"
	}
	return strings.Join(parts, ", ")
}

func rowStrings(rows [][][]byte) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, v := range r {
			if v == nil {
				out[i][j] = "<NULL>"
			} else {
				out[i][j] = "'" + string(v) + "'"
			}
		}
	}
	return out
}

// TestExportMatchesWriters: the streaming export of each format is
// exactly what the writer makes of the rows Query returns, and the source
// table is named only when the query reads one table unchanged.
func TestExportMatchesWriters(t *testing.T) {
	w := openWB(t, Options{})
	ctx := context.Background()
	admin := dbtest.Admin(t)
	s := testSchema(t, admin, "formats")
	name := createTypes(t, admin, s, "types")
	q := "SELECT * FROM " + name + " ORDER BY id"
	res, err := w.Query(ctx, QueryRequest{Conn: queryConn(t, s), SQL: q})
	if err != nil {
		t.Fatal(err)
	}
	rs := res.Statements[0].ResultSets[0]
	for _, f := range export.Formats {
		t.Run(string(f), func(t *testing.T) {
			var got, want bytes.Buffer
			er, err := w.Export(ctx, ExportRequest{Query: QueryRequest{Conn: queryConn(t, s), SQL: "USE " + sqltext.QuoteIdent(s) + "; " + q}, Format: f, Out: &got})
			if err != nil {
				t.Fatal(err)
			}
			if er.Rows != int64(len(rs.Rows)) || er.Truncated {
				t.Errorf("rows %d truncated %v", er.Rows, er.Truncated)
			}
			wr, err := export.New(f, &want, export.Options{Table: export.Table{Name: "types"}})
			if err != nil {
				t.Fatal(err)
			}
			wr.Begin(rs.Columns)
			for _, r := range rs.Rows {
				wr.Row(r)
			}
			wr.End()
			if got.String() != want.String() {
				t.Errorf("export differs from the writer's output:\n%s", cmp.Diff(want.String(), got.String()))
			}
		})
	}
	for _, tt := range []struct{ sql, msg string }{
		{"SELECT id * 2 FROM " + name, "name it with --table"},
		{"SELECT 1; SELECT 2", "statements 1 and 2 both return rows"},
		{"USE shop", "nothing to export"},
	} {
		_, err := w.Export(ctx, ExportRequest{Query: QueryRequest{Conn: queryConn(t, s), SQL: tt.sql}, Format: export.SQL, Out: io.Discard})
		if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want %q", tt.sql, err, tt.msg)
		}
	}
}

// BenchmarkExportCSV streams 1,000,000 rows of five columns through the
// whole runner (driver, caps, CSV writer) and reports rows per second and
// the peak heap, which must not grow with the row count.
func BenchmarkExportCSV(b *testing.B) {
	w, err := Open(context.Background(), Options{StateDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	conn := queryConn(b, "shop")
	const q = "SELECT seq AS id, seq * 7 % 1000 AS qty, CONCAT('item-', seq) AS name, seq / 100 AS price, " +
		"DATE_ADD(TIMESTAMP'2024-01-01 00:00:00', INTERVAL seq % 100000 SECOND) AS created_at FROM seq_1_to_1000000"
	ctx := context.Background()
	var rows int64
	var out countingWriter
	b.ResetTimer()
	peak := peakHeap(func() {
		for b.Loop() {
			res, err := w.Export(ctx, ExportRequest{Query: QueryRequest{Conn: conn, SQL: q}, Format: export.CSV, Out: &out})
			if err != nil {
				b.Fatal(err)
			}
			rows += res.Rows
		}
	})
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(out.n)/float64(b.N), "csv-bytes/op")
}
