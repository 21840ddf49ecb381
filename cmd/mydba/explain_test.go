package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

const planFixtures = "../../internal/parse/testdata/plan/"

// TestExplainFromFile renders saved plans (no server): the tree, the
// findings, and the JSON document, against golden files.
func TestExplainFromFile(t *testing.T) {
	c := newCLI(t)
	tests := []struct {
		golden string
		args   []string
	}{
		{"explain-from-mariadb", []string{"explain", "--from", planFixtures + "mariadb-10.11-dependent-subquery.analyze.json",
			"SELECT c.id, (SELECT max(o.created_at) FROM orders o WHERE o.customer_id = c.id) AS last_order FROM customers c WHERE c.country = 'DE' AND c.city LIKE 'B%'"}},
		{"explain-from-mariadb-json", []string{"explain", "-o", "json", "--from", planFixtures + "mariadb-10.11-group-by-temporary.explain.json", "SELECT status, count(*) FROM orders GROUP BY status"}},
		{"explain-from-mariadb-csv", []string{"explain", "-o", "csv", "--from", planFixtures + "mariadb-10.11-block-nested-loop.analyze.json",
			"SELECT p.id, lc.code FROM products p JOIN legacy_coupons lc ON lc.discount_pct = p.stock WHERE p.category = 'books'"}},
		{"explain-from-mysql-tree", []string{"explain", "--from", planFixtures + "mysql-9.5-hash-join.analyze.txt", "SELECT * FROM t1 JOIN t2 ON (t1.c1 = t2.c2)"}},
		{"explain-from-mysql-json", []string{"explain", "--from", planFixtures + "mysql-8.0-derived-hash-join.explain.json"}},
		{"explain-from-mysql-v2", []string{"explain", "--from", planFixtures + "mysql-9.5-country-range.analyze-v2.json"}},
		{"explain-from-tabular", []string{"explain", "--from", planFixtures + "mysql-8.0-derived-hash-join.tabular.tsv"}},
		{"plan-diff", []string{"plan-diff", planFixtures + "mariadb-10.11-diff-before.explain.json", planFixtures + "mariadb-10.11-diff-after.explain.json"}},
		{"plan-diff-json", []string{"plan-diff", "-o", "json", planFixtures + "mariadb-10.11-diff-before.explain.json", planFixtures + "mariadb-10.11-diff-after.explain.json"}},
		{"plan-diff-same", []string{"plan-diff", planFixtures + "mysql-8.0-cte.tree.txt", planFixtures + "mysql-8.0-cte.tree.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			golden(t, tt.golden, c.ok("", tt.args...))
		})
	}
	// A plan piped on stdin reads like a file.
	if out := c.ok("-> Table scan on t  (cost=1 rows=20000)\n", "explain", "--from", "-"); !strings.Contains(out, "Table scan on t") {
		t.Errorf("stdin plan:\n%s", out)
	}
}

// TestExplainBadInputOffline: clear errors, right exit codes, no server
// needed.
func TestExplainBadInputOffline(t *testing.T) {
	c := newCLI(t)
	bad := t.TempDir() + "/bad.json"
	if err := writeFile(bad, `{"query_block": {"select_id": 1, "table": {`); err != nil {
		t.Fatal(err)
	}
	garbage := t.TempDir() + "/garbage.bin"
	if err := writeFile(garbage, "\x00\xff\xfe\x01binary"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"missing plan file", "", []string{"explain", "--from", "/nonexistent/plan.json"}, exitNotFound, "plan file /nonexistent/plan.json"},
		{"truncated plan", "", []string{"explain", "--from", bad}, exitUsage, "plan JSON is truncated"},
		{"binary plan", "", []string{"plan-diff", garbage, garbage}, exitUsage, "not UTF-8"},
		{"from with analyze", "", []string{"explain", "--from", bad, "--analyze"}, exitUsage, "--from reads a saved plan"},
		{"diff one file", "", []string{"plan-diff", bad}, exitUsage, "give two plan files"},
		{"diff sql without against", "", []string{"plan-diff", "--sql", "SELECT 1"}, exitUsage, "--sql needs --against"},
		{"diff files and sql", "", []string{"plan-diff", "--sql", "SELECT 1", "--against", "x", bad, bad}, exitUsage, "not both"},
		{"no statement", "", []string{"explain"}, exitUsage, "no SQL"},
		{"bad max time", "", []string{"explain", "--max-time", "0s", "SELECT 1"}, exitUsage, "--max-time must be positive"},
		{"worse fails", "", []string{"plan-diff", "--fail-worse", planFixtures + "mariadb-10.11-diff-after.explain.json", planFixtures + "mariadb-10.11-diff-before.explain.json"}, exitError, "the plan got worse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(tt.stdin, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d (want %d), stderr %q lacks %q", r.code, tt.code, r.stderr, tt.stderr)
			}
		})
	}
}

// numberRE masks figures that move with statistics and timing.
var numberRE = regexp.MustCompile(`\d[\d,]*(\.\d+)?`)

// TestExplainLive explains, analyzes and refuses on the sandbox, checks
// that writes are never kept and that ANALYZE of a write is gated and
// audited.
func TestExplainLive(t *testing.T) {
	d := dbtest.Primary(t)
	admin := dbtest.Admin(t)
	schema := fmt.Sprintf("t_explain_cli_%d", rand.IntN(1e9))
	dbtest.Exec(t, admin, "CREATE DATABASE "+schema,
		"CREATE TABLE "+schema+".t (id INT PRIMARY KEY, v INT, note VARCHAR(20))",
		"INSERT INTO "+schema+".t SELECT seq, seq % 7, 'n' FROM seq_1_to_20000",
		"CREATE TABLE "+schema+".m (id INT PRIMARY KEY, v INT) ENGINE=MyISAM",
		"INSERT INTO "+schema+".m VALUES (1, 1), (2, 2)",
		"ANALYZE TABLE "+schema+".t")
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + schema) })
	c := newCLI(t)
	dsn := "mysql://root@" + d.Target.Address() + "/" + schema
	c.ok(d.Password+"\n", "conn", "add", "d", dsn, "--password-stdin")
	c.ok(d.Password+"\n", "conn", "add", "p", dsn, "--env", "prod", "--password-stdin")
	replica := dbtest.Replica(t)
	c.ok(replica.Password+"\n", "conn", "add", "r", "mysql://root@"+replica.Target.Address()+"/shop", "--password-stdin")
	c.ok(d.Password+"\n", "conn", "add", "shop", "mysql://root@"+d.Target.Address()+"/shop", "--password-stdin")

	// EXPLAIN of a read: the tree and the advice (masked figures).
	out := c.ok("", "-c", "d", "explain", "-o", "csv", "SELECT id FROM t WHERE v = 3 ORDER BY note")
	golden(t, "explain-live-csv", numberRE.ReplaceAllString(out, "N"))
	var rep dba.PlanReport
	js := c.ok("", "-c", "d", "explain", "-o", "json", "SELECT id FROM t WHERE v = 3 ORDER BY note")
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Executed || rep.Plan.Analyzed || !hasFinding(rep, "NoUsableIndex", "CREATE INDEX idx_t_v_note ON "+schema+".t (v, note);") {
		t.Errorf("explain json: %s", js)
	}

	// ANALYZE of a read: measured, on the read-only session.
	js = c.ok("", "-c", "d", "explain", "--analyze", "-o", "json", "SELECT count(*) FROM t WHERE note = 'n'")
	rep = dba.PlanReport{}
	if err := json.Unmarshal([]byte(js), &rep); err != nil || !rep.Executed || !rep.Plan.Analyzed || rep.Plan.TimeMs == nil {
		t.Errorf("analyze: %v %s", err, js)
	}

	// EXPLAIN of a write executes nothing and needs no confirmation.
	out = c.ok("", "-c", "p", "explain", "UPDATE t SET v = 99 WHERE note = 'n'")
	if !strings.Contains(out, "estimated (not executed)") || !strings.Contains(out, "Update t") {
		t.Errorf("explain update:\n%s", out)
	}
	unchanged := func(what string) {
		t.Helper()
		var n int
		if err := admin.QueryRow("SELECT COUNT(*) FROM " + schema + ".t WHERE v = 99").Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows changed (%v)", what, n, err)
		}
	}
	unchanged("explain update")

	// ANALYZE of a write without confirmation: refused, nothing run.
	r := c.run("", "-c", "d", "explain", "--analyze", "UPDATE t SET v = 99 WHERE id < 10")
	if r.code != exitUsage || !strings.Contains(r.stderr, "confirm with --yes") || !strings.Contains(r.stdout, "ANALYZE UPDATE") {
		t.Errorf("unconfirmed analyze: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	unchanged("refused analyze")
	// Confirmed: executed, measured, rolled back.
	out = c.ok("", "-c", "d", "explain", "--analyze", "--yes", "UPDATE t SET v = 99 WHERE id < 10")
	if !strings.Contains(out, "executed and rolled back") || !strings.Contains(out, "actual rows") {
		t.Errorf("confirmed analyze:\n%s", out)
	}
	unchanged("rolled back analyze")
	// prod: the name typed back and a reason, like any change.
	if r := c.run("", "-c", "p", "explain", "--analyze", "--yes", "DELETE FROM t WHERE id < 3"); r.code != exitUsage || !strings.Contains(r.stderr, "connection name") {
		t.Errorf("prod analyze with --yes only: exit %d %s", r.code, r.stderr)
	}
	c.ok("", "-c", "p", "explain", "--analyze", "--confirm", "p", "--reason", "measure the purge", "DELETE FROM t WHERE id < 3")
	var n int
	admin.QueryRow("SELECT COUNT(*) FROM " + schema + ".t").Scan(&n)
	if n != 20000 {
		t.Errorf("%d rows after an analyzed DELETE", n)
	}
	// A table without transactions: refused, the rollback could not undo it.
	r = c.run("", "-c", "d", "explain", "--analyze", "--yes", "UPDATE m SET v = 5")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no transactions") {
		t.Errorf("MyISAM analyze: exit %d %s", r.code, r.stderr)
	}
	var v int
	admin.QueryRow("SELECT v FROM " + schema + ".m WHERE id = 1").Scan(&v)
	if v != 1 {
		t.Errorf("MyISAM row changed to %d", v)
	}
	// Every ANALYZE of a write is in the audit log, refusals too.
	audit := c.ok("", "audit", "-o", "json")
	for _, want := range []string{`"status": "rolled back"`, `"status": "refused"`, "ANALYZE UPDATE t SET v = 99 WHERE id", "measure the purge"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %q", want)
		}
	}
	if strings.Contains(audit, "UPDATE t SET v = 99 WHERE note") {
		t.Error("a plain EXPLAIN was audited")
	}

	// Bad input: each a clear message, nothing sent or changed.
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
		within time.Duration
	}{
		{"EXPLAIN given", []string{"explain", "EXPLAIN SELECT 1"}, exitUsage, "give the statement itself", 2 * time.Second},
		{"two statements", []string{"explain", "SELECT 1; SELECT 2"}, exitUsage, "explain takes one", 2 * time.Second},
		{"DDL", []string{"explain", "DROP TABLE t"}, exitUsage, "EXPLAIN takes SELECT", 2 * time.Second},
		{"locking read analyzed", []string{"explain", "--analyze", "SELECT * FROM t FOR UPDATE"}, exitUsage, "locking read", 2 * time.Second},
		{"unknown table", []string{"explain", "SELECT * FROM nope"}, exitNotFound, "could not explain the statement", 5 * time.Second},
		{"unknown column", []string{"explain", "SELECT nope FROM t"}, exitUsage, "Unknown column", 5 * time.Second},
		{"statement time limit", []string{"explain", "--analyze", "--max-time", "1s", "SELECT SLEEP(5)"}, exitUnreachable, "--max-time 1s", 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run("", append([]string{"-c", "d"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d (want %d), stderr %q lacks %q", r.code, tt.code, r.stderr, tt.stderr)
			}
			if r.took > tt.within {
				t.Errorf("took %v", r.took)
			}
		})
	}
	if r := c.run("", "-c", "d", "explain", "SELECT * FROM t FOR UPDATE"); r.code != 0 {
		t.Errorf("EXPLAIN of a locking read: %s", r.stderr)
	}

	// The same statement explained on the primary and the replica.
	out = c.ok("", "-c", "shop", "plan-diff", "--against", "r", "--sql", "SELECT * FROM orders WHERE customer_id = 42")
	if !strings.Contains(out, "shop (MariaDB") || !strings.Contains(out, "r (MariaDB") {
		t.Errorf("two servers:\n%s", out)
	}
	unchanged("end")
}

func hasFinding(rep dba.PlanReport, code, fix string) bool {
	for _, f := range rep.Findings {
		if f.Code == code && strings.Contains(f.Fix, fix) {
			return true
		}
	}
	return false
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
