package workbench

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

func TestProfileRefusesBeforeConnecting(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	// Nothing listens on port 1: any attempt to connect would fail
	// differently.
	cr := ConnRequest{DSN: "mysql://u@127.0.0.1:1/", Timeout: time.Second}
	tests := []struct {
		name string
		sql  string
		want string
	}{
		{"write", "UPDATE shop.orders SET status = 'x'", "mydba exec"},
		{"ddl", "DROP TABLE shop.orders", "profiles reads only"},
		{"locking read", "SELECT * FROM shop.orders FOR UPDATE", "locking read"},
		{"two statements", "SELECT 1; SELECT 2", "2 statements"},
		{"empty", "  ;  ", "no SQL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.ProfileStatement(context.Background(), ProfileRequest{Conn: cr, SQL: tt.sql})
			if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// pfsInstance starts a private MariaDB with performance_schema ON and its
// default consumers (statements and stages not recorded) and a user.
func pfsInstance(t *testing.T) (*dbtest.Instance, dba.Target, string) {
	t.Helper()
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{ExtraConfig: []string{"performance_schema=ON"}})
	inst.SQL(t, "CREATE USER 't_prof'@'%' IDENTIFIED BY 't-prof-pw'; GRANT ALL ON *.* TO 't_prof'@'%'; CREATE DATABASE t_prof; CREATE TABLE t_prof.t (a INT); INSERT INTO t_prof.t VALUES (1), (2), (3);")
	return inst, dba.Target{Host: "127.0.0.1", Port: inst.Port, User: "t_prof", Database: "t_prof"}, "t-prof-pw"
}

func pfsSettings(t *testing.T, inst *dbtest.Instance) string {
	t.Helper()
	return inst.SQL(t, "SELECT NAME, ENABLED FROM performance_schema.setup_consumers ORDER BY NAME; SELECT NAME, ENABLED, TIMED FROM performance_schema.setup_instruments WHERE NAME LIKE 'stage/%' OR NAME LIKE 'statement/%' OR NAME LIKE 'wait/%' ORDER BY NAME;")
}

// TestProfileEnableThroughGate: missing settings are named and nothing
// runs; with consent they are switched on through the gate, the
// statement is profiled, and every setting is put back, all audited; a
// dry run changes nothing; prod needs the typed name and a reason.
func TestProfileEnableThroughGate(t *testing.T) {
	inst, tgt, pw := pfsInstance(t)
	w := openWB(t, Options{DisableKeyring: true})
	ctx := context.Background()
	for _, env := range []dba.Env{dba.EnvDev, dba.EnvProd} {
		if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "pfs-" + string(env), Env: env, Target: tgt}, Password: ptr(pw)}); err != nil {
			t.Fatal(err)
		}
	}
	dev := ConnRequest{Profile: "pfs-dev", Timeout: 5 * time.Second}
	prod := ConnRequest{Profile: "pfs-prod", Timeout: 5 * time.Second}
	before := pfsSettings(t, inst)
	audits := func() []dba.AuditEntry {
		t.Helper()
		es, err := w.AuditLog(ctx, dba.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	const q = "SELECT * FROM t WHERE a > 1"

	res, err := w.ProfileStatement(ctx, ProfileRequest{Conn: dev, SQL: q})
	var nie *dba.NotInstrumentedError
	if !errors.As(err, &nie) || !nie.Fixable() || res.Statement != nil || len(res.Changes) != 0 {
		t.Fatalf("without consent: %v, %+v", err, res)
	}
	for _, want := range []string{"consumer events_stages_history_long is NO", "instruments stage/%"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if len(audits()) != 0 {
		t.Error("a refused profile was audited as a change")
	}

	res, err = w.ProfileStatement(ctx, ProfileRequest{Conn: dev, SQL: q, Enable: true, Approve: approve(Approval{DryRun: true})})
	if err != nil || res.Statement != nil || len(res.Changes) != 2 || res.Changes[0].Status != "dry run" {
		t.Fatalf("dry run: %v %+v", err, res)
	}
	if pfsSettings(t, inst) != before {
		t.Fatal("a dry run changed settings")
	}

	plans := 0
	res, err = w.ProfileStatement(ctx, ProfileRequest{Conn: dev, SQL: q, Enable: true, Waits: true, Source: "test",
		Approve: func(p Plan) (Approval, error) { plans++; return Approval{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Statement
	if p == nil || p.RowsSent != 2 || len(p.Stages) < 5 || len(p.Waits) == 0 {
		t.Fatalf("profile %+v", p)
	}
	var purposes []string
	for _, c := range res.Changes {
		if c.Status != "executed" {
			t.Errorf("change %+v", c)
		}
		purposes = append(purposes, c.Purpose)
	}
	if strings.Join(purposes, ",") != "enable,enable,restore,restore" || plans != 2 {
		t.Errorf("changes %v, %d approvals asked", purposes, plans)
	}
	if after := pfsSettings(t, inst); after != before {
		t.Errorf("settings not restored after the profile")
	}
	if es := audits(); len(es) != 6 || es[0].Status != "executed" || !strings.Contains(es[0].Statement, "SET ENABLED = 'NO'") || es[0].Source != "test" {
		t.Errorf("audit: %d records, newest %+v", len(es), es[0])
	}
	hist, err := w.History(ctx, dba.HistoryFilter{})
	if err != nil || len(hist) != 1 || hist[0].Statement != q || hist[0].Rows != 2 {
		t.Errorf("history %+v %v", hist, err)
	}

	// A failing statement still restores.
	res, err = w.ProfileStatement(ctx, ProfileRequest{Conn: dev, SQL: "SELECT * FROM no_such_table", Enable: true})
	if !errors.Is(err, dba.ErrNotFound) || len(res.Changes) != 4 {
		t.Errorf("failing statement: %v, %d changes", err, len(res.Changes))
	}
	if pfsSettings(t, inst) != before {
		t.Error("settings not restored after a failing statement")
	}

	// prod: without the typed name the gate refuses and nothing runs.
	res, err = w.ProfileStatement(ctx, ProfileRequest{Conn: prod, SQL: q, Enable: true, Approve: approve(Approval{Confirmed: true})})
	if !errors.Is(err, ErrRefused) || res.Statement != nil || pfsSettings(t, inst) != before {
		t.Errorf("prod without the name: %v %+v", err, res.Statement)
	}
	res, err = w.ProfileStatement(ctx, ProfileRequest{Conn: prod, SQL: q, Enable: true,
		Approve: approve(Approval{Confirmed: true, TypedName: "pfs-prod", Reason: "slow report"})})
	if err != nil || res.Statement == nil || pfsSettings(t, inst) != before {
		t.Fatalf("prod with approval: %v", err)
	}
	es := audits()
	if es[0].Reason != "slow report (restore after mydba profile)" || !es[0].TypedName || es[0].Profile != "pfs-prod" {
		t.Errorf("restore audited as %+v", es[0])
	}
}

func TestTopBadInput(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	cr := ConnRequest{DSN: "mysql://u@127.0.0.1:1/", Timeout: time.Second}
	for _, req := range []TopRequest{{Conn: cr, OrderBy: "latency"}, {Conn: cr, Limit: -1}, {Conn: cr, Limit: MaxTopLimit + 1}} {
		if _, err := w.Top(context.Background(), req); !errors.Is(err, dba.ErrInvalid) {
			t.Errorf("%+v: %v", req, err)
		}
	}
	if _, err := w.DigestTrend(context.Background(), TrendRequest{Conn: cr, Since: -time.Hour}); !errors.Is(err, dba.ErrInvalid) {
		t.Errorf("negative since: %v", err)
	}
	if _, err := w.DigestTrend(context.Background(), TrendRequest{Conn: cr, Since: time.Hour}); !errors.Is(err, dba.ErrNotFound) || !strings.Contains(err.Error(), "there are 0") {
		t.Errorf("no snapshots: %v", err)
	}
}

func TestTopSandbox(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	cr := sandboxRequest(t, dbtest.EnvLeastPriv, dbtest.LeastPriv)
	top, err := w.Top(context.Background(), TopRequest{Conn: cr, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if top.OrderBy != dba.OrderTotalTime || len(top.Digests) != 10 || top.Totals.TotalTime <= 0 || top.Server.Flavor != dba.FlavorMariaDB {
		t.Fatalf("top %+v", top)
	}
	sum := 0.0
	for i, d := range top.Digests {
		if d.Rank != i+1 || d.QueryID == "" || (d.Example == nil) == (d.ExampleNote == "") || d.Own {
			t.Errorf("row %d: %+v", i, d)
		}
		if i > 0 && d.TotalTime > top.Digests[i-1].TotalTime {
			t.Errorf("row %d out of order", i)
		}
		sum += d.ImpactPct
	}
	if sum <= 0 || sum > 100.0001 {
		t.Errorf("impacts sum to %v", sum)
	}
}

// TestDigestTrendAcrossTruncate snapshots a private server's digest table
// around its own statements and a TRUNCATE of the table: the growth is
// counted exactly, and after the TRUNCATE the row restarts from zero,
// never negative.
func TestDigestTrendAcrossTruncate(t *testing.T) {
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{ExtraConfig: []string{"performance_schema=ON",
		"performance-schema-consumer-events-statements-current=ON", "performance-schema-consumer-events-statements-history=ON",
		"performance-schema-consumer-events-statements-history-long=ON"}})
	inst.SQL(t, "CREATE USER 't_trend'@'%' IDENTIFIED BY 't-trend-pw'; GRANT ALL ON *.* TO 't_trend'@'%'; CREATE DATABASE t_trend; CREATE TABLE t_trend.t (a INT);")
	cr := ConnRequest{DSN: "mysql://t_trend:t-trend-pw@127.0.0.1:" + strconv.Itoa(inst.Port) + "/t_trend", Timeout: 5 * time.Second}
	w := openWB(t, Options{DisableKeyring: true})
	ctx := context.Background()
	run := func(n int) {
		for i := 0; i < n; i++ {
			inst.SQL(t, "SELECT a FROM t_trend.t WHERE a = "+strconv.Itoa(i))
		}
	}
	trend := func(snapshot bool) dba.DigestTrend {
		t.Helper()
		tr, err := w.DigestTrend(ctx, TrendRequest{Conn: cr, Since: time.Millisecond, Snapshot: snapshot})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	find := func(tr dba.DigestTrend) *dba.DigestDelta {
		for i := range tr.Digests {
			if strings.HasPrefix(tr.Digests[i].Text, "SELECT `a` FROM `t_trend` . `t` WHERE `a` = ?") {
				return &tr.Digests[i]
			}
		}
		return nil
	}
	// Sixty statements that will not run again: the second snapshot then
	// stores only the rows that changed.
	var quiet strings.Builder
	for i := 0; i < 60; i++ {
		quiet.WriteString("SELECT a AS c" + strconv.Itoa(i) + " FROM t_trend.t;")
	}
	inst.SQL(t, quiet.String())
	run(5)
	s1, err := w.SnapshotDigests(ctx, cr)
	if err != nil || !s1.Full || s1.Digests == 0 {
		t.Fatalf("first snapshot %+v %v", s1, err)
	}
	if _, err := w.DigestTrend(ctx, TrendRequest{Conn: cr, Since: time.Hour}); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("trend from one snapshot: %v", err)
	}
	run(3)
	tr := trend(true)
	d := find(tr)
	if d == nil || d.Count != 3 || d.Status != "" || d.BaseAvgTime == nil || d.Example == nil || d.QueryID == "" {
		t.Fatalf("after 3 more runs: %+v (notes %q)", d, tr.Notes)
	}
	if tr.To.Full || tr.To.Stored >= tr.To.Digests {
		t.Errorf("second snapshot stored %d of %d rows (full %v): only changed rows should be stored", tr.To.Stored, tr.To.Digests, tr.To.Full)
	}
	for _, x := range tr.Digests {
		if x.Own {
			t.Errorf("own statement listed: %s", x.Text)
		}
	}

	inst.SQL(t, "TRUNCATE TABLE performance_schema.events_statements_summary_by_digest")
	run(2)
	tr = trend(true)
	d = find(tr)
	if d == nil || d.Count != 2 || d.Status != "restarted" || !tr.To.Full || tr.Restarted+tr.Vanished == 0 {
		t.Fatalf("after TRUNCATE: %+v, to %+v, restarted %d vanished %d", d, tr.To, tr.Restarted, tr.Vanished)
	}
	if !strings.Contains(strings.Join(tr.Notes, " "), "TRUNCATE") {
		t.Errorf("notes %q", tr.Notes)
	}
	list, err := w.DigestSnapshots(ctx, cr)
	if err != nil || len(list) != 3 {
		t.Errorf("%d snapshots, %v", len(list), err)
	}
}
