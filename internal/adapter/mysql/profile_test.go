package mysql

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/sqltext"
)

// TestProfileSQLPerVersion pins the profile's SQL per server: the threads
// table has HISTORY from MySQL 5.7.6 and MariaDB 10.5.2; statements have
// CPU_TIME from MySQL 8.0.28 and MAX_TOTAL_MEMORY from 8.0.31.
func TestProfileSQLPerVersion(t *testing.T) {
	tests := []struct {
		version      string
		history, cpu bool
		memory       bool
	}{
		{"10.4.34-MariaDB", false, false, false},
		{"10.5.2-MariaDB", true, false, false},
		{"10.11.19-MariaDB-0+deb12u1-log", true, false, false},
		{"11.4.2-MariaDB", true, false, false},
		{"5.7.5", false, false, false},
		{"5.7.44", true, false, false},
		{"8.0.27", true, false, false},
		{"8.0.28", true, true, false},
		{"8.0.31", true, true, true},
		{"8.4.3", true, true, true},
		{"9.1.0", true, true, true},
	}
	c := sqltext.NewClassifier()
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			s := mustServer(t, tt.version)
			th := profileThreadSQL(s)
			if got := strings.Contains(th, "HISTORY AS history"); got != tt.history {
				t.Errorf("HISTORY column %v, want %v: %s", got, tt.history, th)
			}
			st := profileStatementSQL(s)
			if got := strings.Contains(st, "CPU_TIME AS cpu_time"); got != tt.cpu {
				t.Errorf("CPU_TIME %v, want %v", got, tt.cpu)
			}
			if got := strings.Contains(st, "MAX_TOTAL_MEMORY"); got != tt.memory {
				t.Errorf("MAX_TOTAL_MEMORY %v, want %v", got, tt.memory)
			}
			if !strings.HasSuffix(st, "WHERE THREAD_ID = ? AND SQL_TEXT LIKE '/* mydba:profile */%' ORDER BY EVENT_ID DESC LIMIT 1") {
				t.Errorf("statement lookup: %s", st)
			}
			for _, q := range []string{th, st, profileStagesSQL, profileWaitsSQL, profileInstrumentsSQL(profileInstrumentPatterns(true))} {
				if !strings.HasPrefix(q, "/* mydba:profile-read */ SELECT") {
					t.Errorf("untagged: %.60q", q)
				}
				// The read tag must never match the profiled statement's.
				if strings.HasPrefix(q, strings.TrimSpace(profileTag)) {
					t.Errorf("read statement carries the profile tag: %.60q", q)
				}
				if cl := c.Classify(q); !cl.IsRead() {
					t.Errorf("not a read: %.80q", q)
				}
			}
		})
	}
}

func readyAll(waits bool) ProfilingReadiness {
	r := ProfilingReadiness{PerformanceSchema: true, Consumers: map[string]bool{}, ThreadFound: true, ThreadInstrumented: true, ThreadHistory: true, User: "app@%", Waits: waits}
	for _, c := range profileConsumers(true) {
		r.Consumers[c] = true
	}
	r.Instruments = []InstrumentState{
		{"stage/sql/starting", true, true}, {"stage/sql/Sending data", true, true}, {"stage/sql/it's \"odd\"", true, true},
		{"statement/abstract/Query", true, true}, {"statement/sql/select", true, true},
		{"wait/io/table/sql/handler", true, true}, {"wait/lock/table/sql/handler", true, true}, {"wait/io/file/sql/FRM", true, true},
	}
	return r
}

func TestProfilingGaps(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*ProfilingReadiness)
		waits bool
		want  []dba.InstrumentGap
	}{
		{"ready", func(*ProfilingReadiness) {}, true, []dba.InstrumentGap{}},
		{"performance_schema off", func(r *ProfilingReadiness) { r.PerformanceSchema = false }, false, []dba.InstrumentGap{
			{Kind: "performance_schema", Name: "performance_schema", State: "OFF", Advice: "set performance_schema=ON in the server's configuration and restart it; it cannot be switched on at runtime"}}},
		{"stage consumers and instruments off", func(r *ProfilingReadiness) {
			r.Consumers["events_stages_current"], r.Consumers["events_stages_history_long"] = false, false
			r.Instruments[1].Enabled, r.Instruments[2].Timed = false, false
		}, false, []dba.InstrumentGap{
			{Kind: "consumer", Name: "events_stages_current", State: "NO", Fixable: true},
			{Kind: "consumer", Name: "events_stages_history_long", State: "NO", Fixable: true},
			{Kind: "instruments", Name: "stage/%", State: "2 of 3 disabled or not timed", Fixable: true},
		}},
		{"waits only matter when asked for", func(r *ProfilingReadiness) {
			r.Consumers["events_waits_history_long"] = false
			r.Instruments[5].Enabled = false
		}, false, []dba.InstrumentGap{}},
		{"waits asked for", func(r *ProfilingReadiness) {
			r.Consumers["events_waits_history_long"] = false
			r.Instruments[5].Enabled = false
		}, true, []dba.InstrumentGap{
			{Kind: "consumer", Name: "events_waits_history_long", State: "NO", Fixable: true},
			{Kind: "instruments", Name: "wait/io/table/%", State: "1 of 1 disabled or not timed", Fixable: true},
		}},
		{"unknown consumer", func(r *ProfilingReadiness) { delete(r.Consumers, "events_statements_history") }, false, []dba.InstrumentGap{
			{Kind: "consumer", Name: "events_statements_history", State: "missing", Advice: "this server has no such consumer"}}},
		{"thread without history", func(r *ProfilingReadiness) { r.ThreadHistory = false }, false, []dba.InstrumentGap{
			{Kind: "thread", Name: "app@%", State: "HISTORY=NO", Advice: `performance_schema.setup_actors does not monitor app@% with history; a DBA can add it for new sessions: mydba exec "INSERT INTO performance_schema.setup_actors (HOST, USER, ROLE, ENABLED, HISTORY) VALUES ('%', 'app', '%', 'YES', 'YES')"`}}},
		{"thread not found", func(r *ProfilingReadiness) { r.ThreadFound = false }, false, []dba.InstrumentGap{
			{Kind: "thread", Name: "this session", State: "not in performance_schema.threads", Advice: "the server did not register this session's thread; check performance_schema_max_thread_instances"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := readyAll(tt.waits)
			tt.edit(&r)
			if diff := cmp.Diff(tt.want, profilingGaps(r)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestProfilingChanges(t *testing.T) {
	r := readyAll(false)
	r.Consumers["events_stages_current"], r.Consumers["global_instrumentation"] = false, false
	r.Instruments = []InstrumentState{
		{"stage/sql/a", false, false}, {"stage/sql/b", false, false}, {"stage/sql/it's", false, false},
		{"stage/sql/on", true, true}, {"stage/sql/untimed", true, false},
		{"statement/sql/select", true, true},
	}
	r.Gaps = profilingGaps(r)
	got := ProfilingChanges(r)
	want := []dba.SettingChange{
		{
			Statement: "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME IN ('global_instrumentation', 'events_stages_current')",
			Restore:   []string{"UPDATE performance_schema.setup_consumers SET ENABLED = 'NO' WHERE NAME IN ('global_instrumentation', 'events_stages_current')"},
			Why:       "record statements and their stages in the history tables",
		},
		{
			Statement: "UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES' WHERE NAME LIKE 'stage/%' AND (ENABLED = 'NO' OR TIMED = 'NO')",
			Restore: []string{
				// Three of five were off: "all but the other two" is shorter.
				"UPDATE performance_schema.setup_instruments SET ENABLED = 'NO', TIMED = 'NO' WHERE NAME LIKE 'stage/%' AND NAME NOT IN ('stage/sql/on', 'stage/sql/untimed')",
				"UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'NO' WHERE NAME IN ('stage/sql/untimed')",
			},
			Why: "instrument and time stage/% events",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A name with a quote stays one literal.
	r.Instruments = []InstrumentState{{"stage/sql/it's", false, false}, {"stage/sql/b", true, true}, {"stage/sql/c", true, true}}
	if got := instrumentRestore("stage/%", r.Instruments); len(got) != 1 || got[0] != "UPDATE performance_schema.setup_instruments SET ENABLED = 'NO', TIMED = 'NO' WHERE NAME IN ('stage/sql/it''s')" {
		t.Errorf("restore %q", got)
	}
	c := sqltext.NewClassifier()
	for _, ch := range got {
		for _, q := range append([]string{ch.Statement}, ch.Restore...) {
			if cl := c.Classify(q); cl.Class != sqltext.ClassWrite || !cl.Parsed {
				t.Errorf("%q classified %+v", q, cl)
			}
		}
	}
}

// TestDecodeProfileFixtures decodes a statement event and its stages
// captured on MariaDB and built from MySQL's manual (testdata/profile).
func TestDecodeProfileFixtures(t *testing.T) {
	for _, name := range []string{"mariadb-10.11-group-join", "mysql-8.0-manual", "mysql-8.0.31-no-stages"} {
		t.Run(name, func(t *testing.T) {
			ev := loadBatchTSV(t, filepath.Join("testdata", "profile", name+".statement.tsv"))
			st := loadBatchTSV(t, filepath.Join("testdata", "profile", name+".stages.tsv"))
			if len(ev) != 1 {
				t.Fatalf("%d statement rows", len(ev))
			}
			p := dba.StatementProfile{Stages: []dba.StageTiming{}, Notes: []string{}}
			start, _ := decodeStatementEvent(ev[0], true, &p)
			decodeStages(st, start, &p)
			var prev time.Duration
			for i, s := range p.Stages {
				if s.Start < prev || s.Start+s.Duration > p.Duration+time.Microsecond {
					t.Errorf("stage %d (%s) at %v+%v is out of order or past the statement (%v)", i, s.Stage, s.Start, s.Duration, p.Duration)
				}
				prev = s.Start
			}
			digestGolden(t, filepath.Join("testdata", "profile", name+".golden.json"), p)
		})
	}
}

// FuzzDecodeStages feeds arbitrary stage rows: never a panic, a negative
// offset or duration, or a share outside 0..100 for a stage inside the
// statement.
func FuzzDecodeStages(f *testing.F) {
	f.Add("1\t100\t1000000", "2\tstage/sql/starting\t100\t200\t100\tNULL\tNULL")
	f.Add("5\t0\t0", "1\tstage/x\t99999999999999999999\tNULL\t-4\t3\tabc")
	f.Fuzz(func(t *testing.T, stmt, stage string) {
		ev := parseBatchTSV(bufio.NewScanner(strings.NewReader("event_id\ttimer_start\ttimer_wait\n" + stmt + "\n")))
		st := parseBatchTSV(bufio.NewScanner(strings.NewReader("event_id\tevent_name\ttimer_start\ttimer_end\ttimer_wait\twork_completed\twork_estimated\n" + stage + "\n")))
		if len(ev) == 0 {
			return
		}
		p := dba.StatementProfile{}
		start, _ := decodeStatementEvent(ev[0], false, &p)
		decodeStages(st, start, &p)
		for _, s := range p.Stages {
			if s.Start < 0 || s.Duration < 0 || s.SharePct < 0 {
				t.Fatalf("negative stage %+v", s)
			}
			if s.Duration <= p.Duration && s.SharePct > 100.01 {
				t.Fatalf("share %v for %v of %v", s.SharePct, s.Duration, p.Duration)
			}
		}
	})
}

// TestProfileStatementLive profiles a real statement on the sandbox:
// its stages are laid out in order inside it, its counters match what
// the client read, and nothing of mydba's own is mixed in.
func TestProfileStatementLive(t *testing.T) {
	db := leastPrivDB(t)
	const q = "SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY 2 DESC"
	p, err := db.ProfileStatement(context.Background(), q, ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.SQL != q || p.ThreadID == 0 || p.EventID == 0 || p.Duration <= 0 || p.ClientTime <= 0 {
		t.Errorf("profile %+v", p)
	}
	if p.RowsReceived != 6 || p.RowsSent != 6 || p.RowsExamined < 200000 || !p.NoIndexUsed || p.TmpTables != 1 || p.SortRows != 6 {
		t.Errorf("counters: received %d sent %d examined %d no-index %v tmp %d sort rows %d", p.RowsReceived, p.RowsSent, p.RowsExamined, p.NoIndexUsed, p.TmpTables, p.SortRows)
	}
	if !strings.HasPrefix(p.DigestText, "SELECT STATUS , COUNT ( * ) FROM `orders`") || p.Schema != "shop" {
		t.Errorf("digest %q schema %q", p.DigestText, p.Schema)
	}
	if len(p.Stages) < 5 || p.Stages[0].Stage != "starting" {
		t.Fatalf("stages %+v", p.Stages)
	}
	var sending *dba.StageTiming
	for i := range p.Stages {
		if p.Stages[i].Stage == "Sending data" {
			sending = &p.Stages[i]
		}
	}
	if sending == nil || sending.SharePct < 50 {
		t.Errorf("Sending data %+v: a scan of 200,000 rows should dominate", sending)
	}
	if p.StageCoveragePct == nil || *p.StageCoveragePct < 80 || p.StageTime > p.Duration {
		t.Errorf("stage time %v of %v (coverage %v)", p.StageTime, p.Duration, p.StageCoveragePct)
	}
	if p.WaitsNote == "" || p.Waits != nil {
		t.Errorf("waits %+v note %q: the sandbox does not record waits", p.Waits, p.WaitsNote)
	}
}

func TestProfileStatementErrors(t *testing.T) {
	db := leastPrivDB(t)
	_, err := db.ProfileStatement(context.Background(), "SELECT * FROM no_such_table_t_profile", ProfileOptions{})
	if !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("unknown table: %v", err)
	}
	p := params(dbtest.LeastPriv(t))
	p.StatementTimeout, p.CallTimeout = time.Second, 20*time.Second
	slow := open(t, p)
	start := time.Now()
	_, err = slow.ProfileStatement(context.Background(), "SELECT SLEEP(5)", ProfileOptions{})
	if !errors.Is(err, dba.ErrTimeout) && err != nil {
		t.Errorf("timeout: %v", err)
	}
	// MariaDB ends SLEEP at max_statement_time with a result of 1 rather
	// than an error; either way it must stop at the limit.
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v past a 1s limit", took)
	}
}

// TestProfileThreadNotInstrumented: a user performance_schema does not
// monitor (setup_actors) gets the gap named, not fixable by mydba, and
// the statement is not run.
func TestProfileThreadNotInstrumented(t *testing.T) {
	admin := dbtest.Admin(t)
	user := fmt.Sprintf("t_profile_noinst_%d", time.Now().UnixNano()%1e6)
	dbtest.Exec(t, admin, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'ni-pw'", "GRANT SELECT ON *.* TO '"+user+"'@'%'",
		"INSERT INTO performance_schema.setup_actors (HOST, USER, ROLE, ENABLED, HISTORY) VALUES ('%', '"+user+"', '%', 'NO', 'NO')")
	t.Cleanup(func() {
		dbtest.Exec(t, admin, "DELETE FROM performance_schema.setup_actors WHERE USER = '"+user+"'", "DROP USER IF EXISTS '"+user+"'@'%'")
	})
	p := params(dbtest.Primary(t))
	p.Target.User, p.Password = user, "ni-pw"
	db := open(t, p)
	start := time.Now()
	_, err := db.ProfileStatement(context.Background(), "SELECT SLEEP(2)", ProfileOptions{})
	var nie *dba.NotInstrumentedError
	if !errors.As(err, &nie) || nie.Fixable() || len(nie.Gaps) != 1 || nie.Gaps[0].Kind != "thread" || nie.Gaps[0].State != "INSTRUMENTED=NO" {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(nie.Gaps[0].Advice, "INSERT INTO performance_schema.setup_actors") {
		t.Errorf("advice %q", nie.Gaps[0].Advice)
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("took %v: the statement ran although it could not be profiled", took)
	}
}

// TestProfilingChangesPrivate switches a private server's missing
// settings on with ProfilingChanges, profiles, then restores: the
// settings end exactly as they started.
func TestProfilingChangesPrivate(t *testing.T) {
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{ExtraConfig: []string{"performance_schema=ON"}})
	db := instanceDB(t, inst)
	ctx := context.Background()
	state := func() string {
		return inst.SQL(t, "SELECT NAME, ENABLED FROM performance_schema.setup_consumers ORDER BY NAME; SELECT NAME, ENABLED, TIMED FROM performance_schema.setup_instruments WHERE NAME LIKE 'stage/%' OR NAME LIKE 'statement/%' OR NAME LIKE 'wait/%' ORDER BY NAME;")
	}
	before := state()
	r, err := db.ProfilingReadiness(ctx, ProfileOptions{Waits: true})
	if err != nil {
		t.Fatal(err)
	}
	nie := &dba.NotInstrumentedError{Gaps: r.Gaps}
	if !nie.Fixable() || len(r.Gaps) < 5 {
		t.Fatalf("gaps of a default MariaDB: %+v", r.Gaps)
	}
	if _, err := db.ProfileStatement(ctx, "SELECT 1", ProfileOptions{Waits: true}); !errors.As(err, &nie) {
		t.Fatalf("profile without the settings: %v", err)
	}
	changes := ProfilingChanges(r)
	for _, ch := range changes {
		inst.SQL(t, ch.Statement)
	}
	inst.SQL(t, "CREATE DATABASE t_prof; CREATE TABLE t_prof.t (a INT); INSERT INTO t_prof.t VALUES (1), (2), (3);")
	p, err := db.ProfileStatement(ctx, "SELECT * FROM t_prof.t WHERE a > 1", ProfileOptions{Waits: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.RowsSent != 2 || len(p.Stages) < 5 || len(p.Waits) == 0 || p.WaitsNote != "" {
		t.Errorf("rows %d stages %d waits %+v note %q", p.RowsSent, len(p.Stages), p.Waits, p.WaitsNote)
	}
	found := false
	for _, w := range p.Waits {
		if w.Name == "wait/io/table/sql/handler" && w.Object == "t_prof.t" && w.Count > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("no table I/O wait on t_prof.t in %+v", p.Waits)
	}
	for i := len(changes) - 1; i >= 0; i-- {
		for _, q := range changes[i].Restore {
			inst.SQL(t, q)
		}
	}
	if after := state(); after != before {
		t.Errorf("settings not restored:\n%s", cmp.Diff(before, after))
	}
}
