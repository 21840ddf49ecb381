package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

func TestExecKillSetAuditCLI(t *testing.T) {
	d := dbtest.Primary(t)
	admin := dbtest.Admin(t)
	schema := fmt.Sprintf("t_cli_gate_%d", rand.IntN(1e9))
	dbtest.Exec(t, admin, "CREATE DATABASE "+schema, "CREATE TABLE "+schema+".t (id INT PRIMARY KEY, v INT)", "INSERT INTO "+schema+".t VALUES (1,0),(2,0),(3,0)")
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + schema) })
	c := newCLI(t)
	dsn := "mysql://root@" + d.Target.Address() + "/" + schema
	c.ok(d.Password+"\n", "conn", "add", "p", dsn, "--env", "prod", "--password-stdin")
	c.ok(d.Password+"\n", "conn", "add", "d", dsn, "--password-stdin")

	// A script on prod without flags: plan shown, nothing changed, the
	// error says which flags confirm.
	r := c.run("", "-c", "p", "exec", "UPDATE t SET v = 1 WHERE id = 1")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--confirm p and --reason") || !strings.Contains(r.stdout, "decision:    confirm") {
		t.Errorf("unconfirmed prod exec: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := c.ok("", "-c", "p", "exec", "--dry-run", "UPDATE t SET v = 1 WHERE id <= 2")
	for _, want := range []string{"rows:        2 (counted)", "replicated:  yes", "in a transaction", "dry run: nothing was sent"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	out = c.ok("", "-c", "p", "exec", "--confirm", "p", "--reason", "ticket 7", "UPDATE t SET v = 1 WHERE id <= 2")
	if !strings.Contains(out, "executed: 2 rows affected") {
		t.Errorf("confirmed exec:\n%s", out)
	}
	if r := c.run("", "-c", "p", "exec", "--confirm", "p", "--reason", "x", "DROP TABLE t"); r.code != exitUsage || !strings.Contains(r.stderr, "critical") {
		t.Errorf("DROP on prod: exit %d %s", r.code, r.stderr)
	}
	out = c.ok("", "-c", "d", "exec", "--rollback", "DELETE FROM t WHERE id = 3")
	if !strings.Contains(out, "rolled back: 1 rows would have been affected") {
		t.Errorf("rollback:\n%s", out)
	}
	var n int
	admin.QueryRow("SELECT COUNT(*) FROM " + schema + ".t").Scan(&n)
	if n != 3 {
		t.Errorf("%d rows after a rolled back delete", n)
	}
	// JSON: the plan goes to stderr, the outcome document to stdout.
	r = c.run("", "-c", "d", "exec", "-o", "json", "UPDATE t SET v = 5 WHERE id = 3")
	var outcome struct {
		Status string
		Result struct {
			RowsAffected int64 `json:"rows_affected"`
		}
		Plan struct {
			Classification struct{ Risk string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &outcome); err != nil || outcome.Status != "executed" || outcome.Result.RowsAffected != 1 || outcome.Plan.Classification.Risk != "medium" {
		t.Errorf("json outcome %+v %v\n%s", outcome, err, r.stdout)
	}
	if !strings.Contains(r.stderr, "Plan for d") {
		t.Errorf("plan not on stderr with -o json: %q", r.stderr)
	}
	if r := c.run("", "-c", "d", "kill", "abc"); r.code != exitUsage {
		t.Errorf("kill abc: %d", r.code)
	}
	if r := c.run("", "-c", "d", "kill", "--yes", "999999999"); r.code != exitNotFound {
		t.Errorf("kill unknown: %d %s", r.code, r.stderr)
	}
	if r := c.run("", "-c", "d", "set", "max_connections"); r.code != exitUsage {
		t.Errorf("set without =: %d", r.code)
	}
	if r := c.run("", "-c", "d", "set", "--yes", "performance_schema=OFF"); r.code != exitUsage || !strings.Contains(r.stderr, "read-only") {
		t.Errorf("set read-only: %d %s", r.code, r.stderr)
	}

	var recs []dba.AuditEntry
	if err := json.Unmarshal([]byte(c.ok("", "audit", "-o", "json")), &recs); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, e := range recs {
		statuses = append(statuses, e.Profile+":"+e.Status)
	}
	want := "d:executed d:rolled back p:refused p:executed p:dry run p:refused"
	if strings.Join(statuses, " ") != want {
		t.Errorf("audit trail %q, want %q", strings.Join(statuses, " "), want)
	}
	if recs[2].Reason != "x" || !recs[3].TypedName || recs[3].Reason != "ticket 7" || recs[3].Actor == "" {
		t.Errorf("audit details: %+v / %+v", recs[2], recs[3])
	}
	rows, err := csv.NewReader(strings.NewReader(c.ok("", "audit", "export", "--profile", "p"))).ReadAll()
	if err != nil || len(rows) != 5 || rows[0][0] != "id" {
		t.Errorf("audit export: %d rows, %v", len(rows), err)
	}
	if out := c.ok("", "audit", "search", "DROP"); !strings.Contains(out, "DROP TABLE t") || strings.Contains(out, "UPDATE") {
		t.Errorf("audit search:\n%s", out)
	}
}

func TestConfiguredPolicy(t *testing.T) {
	d := dbtest.Primary(t)
	admin := dbtest.Admin(t)
	schema := fmt.Sprintf("t_cli_cfg_%d", rand.IntN(1e9))
	dbtest.Exec(t, admin, "CREATE DATABASE "+schema, "CREATE TABLE "+schema+".t (id INT PRIMARY KEY, v INT)", "INSERT INTO "+schema+".t VALUES (1,0),(2,0),(3,0)")
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + schema) })
	c := newCLI(t)
	cfg := c.env["MYDBA_HOME"] + "/config.toml"
	if err := os.WriteFile(cfg, []byte("[policy.prod]\nmax_rows = 2\n[policy.dev]\nblocked = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dsn := "mysql://root@" + d.Target.Address() + "/" + schema
	c.ok(d.Password+"\n", "conn", "add", "p", dsn, "--env", "prod", "--password-stdin")
	c.ok(d.Password+"\n", "conn", "add", "d", dsn, "--password-stdin")
	if r := c.run("", "-c", "p", "exec", "--confirm", "p", "--reason", "r", "UPDATE t SET v = 1 WHERE id <= 3"); r.code != exitUsage || !strings.Contains(r.stderr, "at most 2") {
		t.Errorf("3 rows with max_rows=2: exit %d %s", r.code, r.stderr)
	}
	c.ok("", "-c", "p", "exec", "--confirm", "p", "--reason", "r", "UPDATE t SET v = 1 WHERE id <= 2")
	if r := c.run("", "-c", "d", "exec", "--yes", "UPDATE t SET v = 1 WHERE id = 3"); r.code != exitUsage || !strings.Contains(r.stderr, "blocked") {
		t.Errorf("blocked dev: exit %d %s", r.code, r.stderr)
	}
	os.WriteFile(cfg, []byte("[policy.prod]\nmax_row = 2\n"), 0o600)
	if r := c.run("", "-c", "p", "exec", "--yes", "UPDATE t SET v = 1 WHERE id = 3"); r.code != exitUsage || !strings.Contains(r.stderr, "unknown key policy.prod.max_row") {
		t.Errorf("typo in config: exit %d %s", r.code, r.stderr)
	}
}
