package workbench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// gateFixture is a private schema on the sandbox primary and one profile
// per environment, all as root, so only the policy differs.
type gateFixture struct {
	w      *Workbench
	admin  *sql.DB
	schema string
}

func newGateFixture(t *testing.T) gateFixture {
	t.Helper()
	d := dbtest.Primary(t)
	admin := dbtest.Admin(t)
	schema := fmt.Sprintf("t_gate_%d", rand.IntN(1e9))
	dbtest.Exec(t, admin,
		"CREATE DATABASE "+schema,
		"CREATE TABLE "+schema+".items (id INT PRIMARY KEY, v INT NOT NULL DEFAULT 0, note VARCHAR(20)) ENGINE=InnoDB",
		"INSERT INTO "+schema+".items (id) SELECT seq FROM seq_1_to_2000",
		"CREATE TABLE "+schema+".legacy (id INT PRIMARY KEY, v INT) ENGINE=MyISAM",
		"INSERT INTO "+schema+".legacy VALUES (1, 0), (2, 0)",
	)
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + schema) })
	w := openWB(t, Options{DisableKeyring: true})
	for _, env := range []dba.Env{dba.EnvDev, dba.EnvStaging, dba.EnvProd} {
		tgt := d.Target
		tgt.Database = schema
		if _, err := w.AddProfile(context.Background(), ProfileInput{Profile: dba.Profile{Name: string(env), Env: env, Target: tgt}, Password: ptr(d.Password)}); err != nil {
			t.Fatal(err)
		}
	}
	return gateFixture{w: w, admin: admin, schema: schema}
}

func (f gateFixture) count(t *testing.T, where string) int {
	t.Helper()
	var n int
	if err := f.admin.QueryRow("SELECT COUNT(*) FROM " + f.schema + ".items WHERE " + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func approve(a Approval) func(Plan) (Approval, error) {
	return func(Plan) (Approval, error) { return a, nil }
}

func TestGatePolicyOnSandbox(t *testing.T) {
	f := newGateFixture(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		profile  string
		sql      string
		approval Approval
		status   string
		refused  bool
		check    func(t *testing.T)
	}{
		{"dev runs an ordinary update", "dev", "UPDATE items SET v = 1 WHERE id <= 10", Approval{}, "executed", false,
			func(t *testing.T) {
				if n := f.count(t, "v = 1"); n != 10 {
					t.Errorf("%d rows with v=1, want 10", n)
				}
			}},
		{"dev asks before a DROP: no answer refuses", "dev", "DROP TABLE legacy", Approval{}, "refused", true,
			func(t *testing.T) {
				var n int
				if err := f.admin.QueryRow("SELECT COUNT(*) FROM " + f.schema + ".legacy").Scan(&n); err != nil || n != 2 {
					t.Errorf("legacy gone after a refused DROP: %v", err)
				}
			}},
		{"staging asks for every change", "staging", "UPDATE items SET v = 2 WHERE id <= 10", Approval{}, "refused", true,
			func(t *testing.T) {
				if n := f.count(t, "v = 2"); n != 0 {
					t.Errorf("refused update changed %d rows", n)
				}
			}},
		{"staging runs when confirmed", "staging", "UPDATE items SET v = 2 WHERE id <= 10", Approval{Confirmed: true}, "executed", false,
			func(t *testing.T) {
				if n := f.count(t, "v = 2"); n != 10 {
					t.Errorf("%d rows with v=2", n)
				}
			}},
		{"prod without the typed name", "prod", "UPDATE items SET v = 3 WHERE id <= 5", Approval{Confirmed: true, Reason: "r"}, "refused", true, nil},
		{"prod with name and reason", "prod", "UPDATE items SET v = 3 WHERE id <= 5", Approval{Confirmed: true, TypedName: "prod", Reason: "ticket 1"}, "executed", false,
			func(t *testing.T) {
				if n := f.count(t, "v = 3"); n != 5 {
					t.Errorf("%d rows with v=3", n)
				}
			}},
		{"prod refuses DML over 1,000 rows", "prod", "DELETE FROM items WHERE id > 500", Approval{Confirmed: true, TypedName: "prod", Reason: "cleanup"}, "refused", true,
			func(t *testing.T) {
				if n := f.count(t, "1=1"); n != 2000 {
					t.Errorf("%d rows left after a refused DELETE", n)
				}
			}},
		{"dry run changes nothing", "prod", "UPDATE items SET v = 9 WHERE id = 1", Approval{DryRun: true}, "dry run", false,
			func(t *testing.T) {
				if n := f.count(t, "v = 9"); n != 0 {
					t.Errorf("dry run changed %d rows", n)
				}
			}},
		{"rollback shows the effect and undoes it", "dev", "UPDATE items SET v = 7 WHERE id <= 100", Approval{Rollback: true}, "rolled back", false,
			func(t *testing.T) {
				if n := f.count(t, "v = 7"); n != 0 {
					t.Errorf("rolled back update left %d rows", n)
				}
			}},
		{"rollback of a MyISAM write is refused", "dev", "UPDATE legacy SET v = 5", Approval{Confirmed: true, Rollback: true}, "refused", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.w.Change(ctx, ChangeRequest{Conn: ConnRequest{Profile: tt.profile}, SQL: tt.sql, Source: "test", Approve: approve(tt.approval)})
			if out.Status != tt.status {
				t.Errorf("status %q, want %q (err %v, decision %+v)", out.Status, tt.status, err, out.Plan.Decision)
			}
			if tt.refused != errors.Is(err, ErrRefused) {
				t.Errorf("err = %v", err)
			}
			if tt.status == "rolled back" && out.Result.RowsAffected != 100 {
				t.Errorf("rollback reported %d rows, want 100", out.Result.RowsAffected)
			}
			if tt.check != nil {
				tt.check(t)
			}
			recs, aerr := f.w.AuditLog(ctx, dba.AuditFilter{Limit: 1})
			if aerr != nil || len(recs) != 1 || recs[0].Status != tt.status || recs[0].Profile != tt.profile || recs[0].Source != "test" {
				t.Errorf("audit: %+v %v", recs, aerr)
			}
		})
	}
	// Plans carry the facts: exact count, replication, EXPLAIN, mode.
	out, _ := f.w.Change(ctx, ChangeRequest{Conn: ConnRequest{Profile: "prod"}, SQL: "DELETE FROM items WHERE id BETWEEN 11 AND 40", Approve: approve(Approval{DryRun: true})})
	p := out.Plan
	if p.Rows != 30 || !p.RowsExact || !p.Replicated || p.Mode == 0 || len(p.Explain) < 2 {
		t.Errorf("plan facts: rows %d exact %v replicated %v mode %v explain %q notes %q", p.Rows, p.RowsExact, p.Replicated, p.ModeText, p.Explain, p.Notes)
	}
	out, _ = f.w.Change(ctx, ChangeRequest{Conn: ConnRequest{Profile: "dev"}, SQL: "UPDATE legacy SET v = 1 WHERE id = 1", Approve: approve(Approval{DryRun: true})})
	if out.Plan.Transactional || !strings.Contains(strings.Join(out.Plan.Notes, " "), "MyISAM") {
		t.Errorf("MyISAM plan: transactional %v notes %q", out.Plan.Transactional, out.Plan.Notes)
	}
}

// TestProdRefusesCriticalCorpus runs every critical statement of the
// adversarial corpus against a prod profile: all refused, the table and the
// server still there.
func TestProdRefusesCriticalCorpus(t *testing.T) {
	f := newGateFixture(t)
	ctx := context.Background()
	critical := []string{
		"DROP TABLE items",
		"DROP TABLE IF EXISTS items, legacy",
		"TRUNCATE TABLE items",
		"TRUNCATE items",
		"DROP DATABASE " + f.schema,
		"ALTER TABLE items DROP COLUMN note",
		"CREATE OR REPLACE TABLE items (id INT)",
		"/*!50000 DROP TABLE items */",
		"/*M!100100 DROP TABLE items */",
		"GRANT ALL PRIVILEGES ON *.* TO 'mydba'@'127.0.0.1'",
		"REVOKE SELECT ON *.* FROM 'mydba'@'127.0.0.1'",
		"DROP USER 'mydba'@'127.0.0.1'",
		"RESET MASTER",
		"PURGE BINARY LOGS BEFORE NOW()",
		"CHANGE MASTER TO MASTER_HOST='127.0.0.1'",
		"SHUTDOWN",
	}
	for _, q := range critical {
		t.Run(q, func(t *testing.T) {
			out, err := f.w.Change(ctx, ChangeRequest{Conn: ConnRequest{Profile: "prod"}, SQL: q,
				Approve: approve(Approval{Confirmed: true, TypedName: "prod", Reason: "adversarial test"})})
			if !errors.Is(err, ErrRefused) || out.Status != "refused" {
				t.Errorf("status %q err %v (class %s risk %s)", out.Status, err, out.Plan.Class.Class, out.Plan.Class.Risk)
			}
		})
	}
	if n := f.count(t, "1=1"); n != 2000 {
		t.Errorf("items has %d rows after the corpus", n)
	}
	var cols int
	if err := f.admin.QueryRow("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'items'", f.schema).Scan(&cols); err != nil || cols != 3 {
		t.Errorf("items has %d columns (err %v)", cols, err)
	}
	recs, _ := f.w.AuditLog(ctx, dba.AuditFilter{Status: "refused"})
	if len(recs) != len(critical) {
		t.Errorf("%d refusals audited, want %d", len(recs), len(critical))
	}
}

func TestGateKill(t *testing.T) {
	f := newGateFixture(t)
	ctx := context.Background()
	victim, err := f.admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	var id int64
	if err := victim.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var x int
		done <- victim.QueryRowContext(ctx, "SELECT SLEEP(60) /* victim */").Scan(&x)
	}()
	time.Sleep(300 * time.Millisecond)
	if _, err := f.w.Kill(ctx, KillRequest{Conn: ConnRequest{Profile: "dev"}, ID: id, QueryOnly: true}); !errors.Is(err, ErrRefused) {
		t.Fatalf("unconfirmed kill in dev: %v", err)
	}
	out, err := f.w.Kill(ctx, KillRequest{Conn: ConnRequest{Profile: "dev"}, ID: id, QueryOnly: true, Approve: approve(Approval{Confirmed: true})})
	if err != nil || out.Status != "executed" {
		t.Fatalf("kill: %v %+v", err, out.Status)
	}
	if !strings.Contains(out.Plan.Statement, "victim") || !strings.Contains(out.Plan.Statement, "KILL QUERY") {
		t.Errorf("the plan does not describe the session: %s", out.Plan.Statement)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the victim's statement still runs after KILL QUERY")
	}
	if _, err := f.w.Kill(ctx, KillRequest{Conn: ConnRequest{Profile: "dev"}, ID: 999999999, Approve: approve(Approval{Confirmed: true})}); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("kill of an unknown session: %v", err)
	}
}

func TestGateSetVariableAndUndo(t *testing.T) {
	f := newGateFixture(t)
	ctx := context.Background()
	var before int64
	if err := f.admin.QueryRow("SELECT @@global.max_connect_errors").Scan(&before); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.admin.Exec(fmt.Sprintf("SET GLOBAL max_connect_errors = %d", before)) })
	target := before + 17
	out, err := f.w.SetVariable(ctx, SetRequest{Conn: ConnRequest{Profile: "dev"}, Name: "MAX_CONNECT_ERRORS", Value: fmt.Sprint(target), Approve: approve(Approval{Confirmed: true})})
	if err != nil || out.Status != "executed" {
		t.Fatalf("set: %v %q", err, out.Status)
	}
	if !strings.Contains(out.Plan.Statement, fmt.Sprintf("= %d /* was %d */", target, before)) {
		t.Errorf("plan statement %q", out.Plan.Statement)
	}
	var now int64
	f.admin.QueryRow("SELECT @@global.max_connect_errors").Scan(&now)
	if now != target {
		t.Fatalf("max_connect_errors = %d, want %d", now, target)
	}
	if _, err := f.w.UndoVariable(ctx, ConnRequest{Profile: "dev"}, "test", approve(Approval{Confirmed: true})); err != nil {
		t.Fatal(err)
	}
	f.admin.QueryRow("SELECT @@global.max_connect_errors").Scan(&now)
	if now != before {
		t.Errorf("after undo max_connect_errors = %d, want %d", now, before)
	}
	if _, err := f.w.UndoVariable(ctx, ConnRequest{Profile: "dev"}, "test", approve(Approval{Confirmed: true})); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("second undo: %v (the undo must not be undoable itself)", err)
	}
	bad := []struct {
		name, value, scope string
		err                error
		msg                string
	}{
		{"performance_schema", "OFF", "", dba.ErrInvalid, "read-only"},
		{"max_connections", "lots", "", dba.ErrInvalid, "max_connections"},
		{"max_connections", "0", "", dba.ErrInvalid, "max_connections"},
		{"binlog_format", "FANCY", "", dba.ErrInvalid, "binlog_format"},
		{"no_such_variable", "1", "", dba.ErrNotFound, "no_such_variable"},
		{"max_connect_errors", "5", "persist", dba.ErrInvalid, "PERSIST"},
		{"max_connect_errors", "5", "session", dba.ErrInvalid, "global-only"},
		{"sql_mode; DROP TABLE items", "x", "", dba.ErrInvalid, "variable name"},
	}
	for _, b := range bad {
		_, err := f.w.SetVariable(ctx, SetRequest{Conn: ConnRequest{Profile: "dev"}, Name: b.name, Value: b.value, Scope: b.scope, Approve: approve(Approval{Confirmed: true})})
		if !errors.Is(err, b.err) || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("set %s=%s (%s): %v", b.name, b.value, b.scope, err)
		}
	}
}
