package safety

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
)

// fakeTarget stands in for the engine so the policy can be tested without a
// server; the adapter's real Target is tested against the sandbox in the
// workbench package.
type fakeTarget struct {
	facts    Facts
	affected int64
	executed []string
	modes    []TxMode
}

func (f *fakeTarget) Server() dba.Server { return dba.Server{Flavor: dba.FlavorMariaDB} }
func (f *fakeTarget) Facts(ctx context.Context, stmt string, cl sqltext.Classification) (Facts, error) {
	return f.facts, nil
}
func (f *fakeTarget) Execute(ctx context.Context, stmt string, args []any, mode TxMode, check func(int64) error) (Result, error) {
	f.executed = append(f.executed, stmt)
	f.modes = append(f.modes, mode)
	r := Result{RowsAffected: f.affected}
	if mode == TxRollback {
		r.RolledBack = true
	}
	if check != nil && mode == TxCommit {
		if err := check(f.affected); err != nil {
			r.RolledBack = true
			return r, err
		}
	}
	return r, nil
}

type memAudit struct{ recs []AuditRecord }

func (m *memAudit) Audit(ctx context.Context, r AuditRecord) error {
	m.recs = append(m.recs, r)
	return nil
}

func TestPolicyMatrix(t *testing.T) {
	const (
		update = "UPDATE orders SET status = 'x' WHERE id = 1"
		drop   = "DROP TABLE orders"
		del    = "DELETE FROM orders WHERE status = 'old'"
	)
	ok := Approval{Confirmed: true, TypedName: "db1", Reason: "ticket 42"}
	tests := []struct {
		name     string
		env      dba.Env
		sql      string
		rows     int64
		affected int64
		approval Approval
		verdict  Verdict
		status   string
		ran      bool
	}{
		{"dev: ordinary write runs", dba.EnvDev, update, 1, 1, Approval{}, Allow, "executed", true},
		{"dev: destructive asks, no answer refuses", dba.EnvDev, drop, -1, 0, Approval{}, Confirm, "refused", false},
		{"dev: destructive confirmed runs", dba.EnvDev, drop, -1, 0, Approval{Confirmed: true}, Confirm, "executed", true},
		{"staging: every write asks", dba.EnvStaging, update, 1, 1, Approval{}, Confirm, "refused", false},
		{"staging: confirmed runs", dba.EnvStaging, update, 1, 1, Approval{Confirmed: true}, Confirm, "executed", true},
		{"prod: name not typed", dba.EnvProd, update, 1, 1, Approval{Confirmed: true, Reason: "r"}, Confirm, "refused", false},
		{"prod: wrong name typed", dba.EnvProd, update, 1, 1, Approval{Confirmed: true, TypedName: "db2", Reason: "r"}, Confirm, "refused", false},
		{"prod: no reason", dba.EnvProd, update, 1, 1, Approval{Confirmed: true, TypedName: "db1"}, Confirm, "refused", false},
		{"prod: name and reason run", dba.EnvProd, update, 1, 1, ok, Confirm, "executed", true},
		{"prod: critical refused whatever the approval", dba.EnvProd, drop, -1, 0, ok, Refuse, "refused", false},
		{"prod: over the row limit refused", dba.EnvProd, del, 5000, 5000, ok, Refuse, "refused", false},
		{"prod: uncountable write refused", dba.EnvProd, del, -1, 10, ok, Refuse, "refused", false},
		{"prod: estimate low, actual rows high: rolled back", dba.EnvProd, del, 10, 2000, ok, Confirm, "refused", true},
		{"prod: dry run", dba.EnvProd, update, 1, 1, Approval{DryRun: true}, Confirm, "dry run", false},
		{"prod: a read is allowed", dba.EnvProd, "SELECT 1", -1, 0, Approval{}, Allow, "executed", true},
		{"prod: SET GLOBAL asks", dba.EnvProd, "SET GLOBAL max_connections = 10", -1, 0, ok, Confirm, "executed", true},
		{"prod: shutdown refused", dba.EnvProd, "SHUTDOWN", -1, 0, ok, Refuse, "refused", false},
		{"prod: unparseable asks", dba.EnvProd, "FROBNICATE t", -1, 0, ok, Confirm, "executed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTarget{facts: Facts{Rows: tt.rows, RowsExact: tt.rows >= 0, Transactional: true}, affected: tt.affected}
			au := &memAudit{}
			g := &Gate{Policy: DefaultPolicy(), Auditor: au}
			p, err := g.Plan(context.Background(), ft, Request{Profile: "db1", Env: tt.env, Statement: tt.sql, Actor: "me", Source: "test"})
			if err != nil {
				t.Fatal(err)
			}
			if p.Decision.Verdict != tt.verdict {
				t.Errorf("verdict %s, want %s (%q)", p.Decision.Verdict, tt.verdict, p.Decision.Why)
			}
			out, err := g.Execute(context.Background(), ft, p, tt.approval)
			if out.Status != tt.status {
				t.Errorf("status %q, want %q (err %v)", out.Status, tt.status, err)
			}
			if (tt.status == "refused") != errors.Is(err, ErrRefused) {
				t.Errorf("err %v for status %s", err, out.Status)
			}
			if ran := len(ft.executed) > 0; ran != tt.ran {
				t.Errorf("executed=%v, want %v", ran, tt.ran)
			}
			if len(au.recs) != 1 || au.recs[0].Status != tt.status || au.recs[0].Profile != "db1" || au.recs[0].Actor != "me" {
				t.Errorf("audit = %+v", au.recs)
			}
		})
	}
}

func TestPlanModes(t *testing.T) {
	g := &Gate{Policy: DefaultPolicy()}
	tests := []struct {
		sql           string
		transactional bool
		mode          TxMode
		text          string
	}{
		{"UPDATE t SET a = 1 WHERE id = 1", true, TxCommit, "in a transaction"},
		{"UPDATE t SET a = 1 WHERE id = 1", false, NoTx, "cannot be rolled back"},
		{"ALTER TABLE t ADD COLUMN c INT", true, NoTx, "commits implicitly"},
	}
	for _, tt := range tests {
		p, err := g.Plan(context.Background(), &fakeTarget{facts: Facts{Rows: 1, Transactional: tt.transactional}}, Request{Profile: "x", Env: dba.EnvDev, Statement: tt.sql})
		if err != nil {
			t.Fatal(err)
		}
		if p.Mode != tt.mode || !strings.Contains(p.ModeText, tt.text) {
			t.Errorf("%s: mode %d %q", tt.sql, p.Mode, p.ModeText)
		}
	}
	// Rollback of a non-transactional change is refused.
	ft := &fakeTarget{facts: Facts{Rows: 1}}
	p, _ := g.Plan(context.Background(), ft, Request{Profile: "x", Env: dba.EnvDev, Statement: "ALTER TABLE t ADD COLUMN c INT"})
	if _, err := g.Execute(context.Background(), ft, p, Approval{Confirmed: true, Rollback: true}); !errors.Is(err, ErrRefused) || len(ft.executed) != 0 {
		t.Errorf("rollback of DDL: %v, ran %v", err, ft.executed)
	}
	// Several statements are never planned together.
	if _, err := g.Plan(context.Background(), ft, Request{Profile: "x", Env: dba.EnvDev, Statement: "DELETE FROM a; DELETE FROM b"}); !errors.Is(err, dba.ErrInvalid) {
		t.Errorf("two statements: %v", err)
	}
}

func TestRedactedDisplay(t *testing.T) {
	au := &memAudit{}
	g := &Gate{Policy: DefaultPolicy(), Auditor: au}
	ft := &fakeTarget{}
	p, err := g.Plan(context.Background(), ft, Request{Profile: "x", Env: dba.EnvDev, Statement: "CREATE USER 'a'@'%' IDENTIFIED BY 'Sekr1t-pw'"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Statement, "Sekr1t-pw") {
		t.Errorf("plan shows the password: %s", p.Statement)
	}
	g.Execute(context.Background(), ft, p, Approval{Confirmed: true})
	if len(ft.executed) != 1 || !strings.Contains(ft.executed[0], "Sekr1t-pw") {
		t.Errorf("the real statement must run: %q", ft.executed)
	}
	if strings.Contains(au.recs[0].Statement, "Sekr1t-pw") {
		t.Errorf("audit keeps the password: %s", au.recs[0].Statement)
	}
}
