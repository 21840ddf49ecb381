package main

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/workbench"
)

// scrubJSON replaces the values of keys that change from run to run
// (timings, ids, timestamps) with "X", so live output can be golden-tested
// for its shape and its stable values.
func scrubJSON(t *testing.T, s string, volatile func(key string) bool) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if volatile(k) && x[k] != nil {
					x[k] = "X"
					continue
				}
				x[k] = walk(x[k])
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return v
	}
	b, err := json.MarshalIndent(walk(v), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func volatileTiming(k string) bool {
	return strings.HasSuffix(k, "_ns") || strings.HasSuffix(k, "_pct") || k == "thread_id" || k == "event_id" ||
		k == "at" || k == "first_seen" || k == "last_seen" || k == "seen" || k == "version_string" || k == "version_comment" || k == "version"
}

func fixedProfile() workbench.ProfileResult {
	cov := 99.2
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	return workbench.ProfileResult{
		Profile: "dev",
		Statement: &dba.StatementProfile{
			Server: dba.Server{Flavor: dba.FlavorMariaDB, Version: dba.Version{Major: 10, Minor: 11, Patch: 6}, Raw: "10.11.6-MariaDB"},
			SQL:    "SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY 2 DESC", ThreadID: 42, EventID: 7,
			Duration: ms(100), ClientTime: ms(101.5), LockTime: ms(0.104), Schema: "shop", Digest: "fce592c8",
			DigestText:   "SELECT STATUS , COUNT ( * ) FROM `orders` GROUP BY STATUS ORDER BY ? DESC",
			RowsReceived: 6, RowsSent: 6, RowsExamined: 200078, TmpTables: 1, SortRows: 6, SortScan: 1, SelectScan: 1, NoIndexUsed: true,
			Stages: []dba.StageTiming{
				{Name: "stage/sql/starting", Stage: "starting", Start: 0, Duration: ms(0.08), SharePct: 0.08},
				{Name: "stage/sql/Opening tables", Stage: "Opening tables", Start: ms(0.08), Duration: ms(0.012), SharePct: 0.01},
				{Name: "stage/sql/Sending data", Stage: "Sending data", Start: ms(0.2), Duration: ms(74.5), SharePct: 74.5},
				{Name: "stage/sql/Creating sort index", Stage: "Creating sort index", Start: ms(74.7), Duration: ms(25), SharePct: 25},
				{Name: "stage/sql/Freeing items", Stage: "Freeing items", Start: ms(99.9), Duration: ms(0.004), SharePct: 0},
			},
			StageTime: ms(99.6), StageCoveragePct: &cov,
			Waits: []dba.WaitSummary{{Name: "wait/io/table/sql/handler", Object: "shop.orders", Count: 200079, Total: ms(31.2), Max: ms(0.9)}},
			Notes: []string{},
		},
		Changes: []workbench.InstrumentChange{
			{Purpose: "enable", Statement: "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME IN ('events_stages_current')", Status: "executed"},
			{Purpose: "restore", Statement: "UPDATE performance_schema.setup_consumers SET ENABLED = 'NO' WHERE NAME IN ('events_stages_current')", Status: "executed"},
		},
	}
}

func TestProfileRendering(t *testing.T) {
	for _, format := range []string{"table", "csv", "json"} {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			a := &app{stdout: &out, output: format, getenv: func(string) string { return "" }}
			if err := a.render(a.stmtProfileView(fixedProfile(), true)); err != nil {
				t.Fatal(err)
			}
			golden(t, "profile-"+format, out.String())
		})
	}
}

func TestWaterfall(t *testing.T) {
	tests := []struct {
		start, dur, total time.Duration
		want              string
	}{
		{0, 10, 10, "##########"},
		{0, 0, 10, "#........."},
		{5, 5, 10, ".....#####"},
		{9, 3, 10, ".........#"},  // past the end: still one cell, inside
		{20, 1, 10, ".........#"}, // starts after the statement (clock skew)
		{0, 1, 0, ""},             // no duration to scale by
		{2, 4, 10, "..####...."},
	}
	for _, tt := range tests {
		if got := waterfall(tt.start, tt.dur, tt.total, 10); got != tt.want {
			t.Errorf("waterfall(%d, %d, %d) = %q, want %q", tt.start, tt.dur, tt.total, got, tt.want)
		}
	}
}

// profiledInstance is a private server that records statements and
// stages from the start.
func profiledInstance(t *testing.T, extra ...string) (*dbtest.Instance, string) {
	t.Helper()
	cfg := append([]string{"performance_schema=ON"}, extra...)
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{ExtraConfig: cfg})
	inst.SQL(t, "CREATE USER 't_cli'@'%' IDENTIFIED BY 't-cli-pw'; GRANT ALL ON *.* TO 't_cli'@'%'; CREATE DATABASE t_cli; CREATE TABLE t_cli.t (a INT); INSERT INTO t_cli.t VALUES (1), (2), (3), (4);")
	return inst, "mysql://t_cli@127.0.0.1:" + strconv.Itoa(inst.Port) + "/t_cli"
}

func TestProfileCLI(t *testing.T) {
	_, dsn := profiledInstance(t,
		"performance-schema-consumer-events-statements-current=ON", "performance-schema-consumer-events-statements-history=ON",
		"performance-schema-consumer-events-stages-current=ON", "performance-schema-consumer-events-stages-history-long=ON",
		"performance-schema-instrument='stage/%=ON'")
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = "t-cli-pw"
	js := c.ok("", "profile", "--dsn", dsn, "-o", "json", "SELECT a FROM t WHERE a > 2 ORDER BY a DESC")
	golden(t, "profile-live-json", scrubJSON(t, js, volatileTiming))
	out := c.ok("", "profile", "--dsn", dsn, "SELECT COUNT(*) FROM t")
	for _, want := range []string{"rows:                1 sent, 4 examined", "no index used:       YES", "Stages", "waterfall", "Sending data"} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks %q:\n%s", want, out)
		}
	}
	// The statement is in the history, like mydba query's.
	if h := c.ok("", "history", "-o", "json"); !strings.Contains(h, "SELECT COUNT(*) FROM t") {
		t.Errorf("history lacks the profiled statement:\n%s", h)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"write", []string{"profile", "--dsn", dsn, "DELETE FROM t"}, exitUsage, "change data with mydba exec"},
		{"no SQL", []string{"profile", "--dsn", dsn, "-f", "/dev/null"}, exitUsage, "no SQL"},
		{"bad max time", []string{"profile", "--dsn", dsn, "--max-time", "0s", "SELECT 1"}, exitUsage, "--max-time must be positive"},
		{"waits not recorded", []string{"profile", "--dsn", dsn, "--waits", "SELECT 1"}, exitError, "consumer events_waits_history_long is NO"},
		{"unknown table", []string{"profile", "--dsn", dsn, "SELECT * FROM nope"}, exitNotFound, "doesn't exist"},
		{"time limit", []string{"profile", "--dsn", dsn, "--max-time", "500ms", "SELECT a FROM t WHERE SLEEP(1) = 0"}, exitUnreachable, "--max-time 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run("", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", r.code, tt.code, r.stderr, tt.stderr)
			}
		})
	}
}

func TestProfileCLIEnable(t *testing.T) {
	inst, dsn := profiledInstance(t)
	settings := func() string {
		return inst.SQL(t, "SELECT NAME, ENABLED FROM performance_schema.setup_consumers ORDER BY NAME; SELECT NAME, ENABLED, TIMED FROM performance_schema.setup_instruments ORDER BY NAME;")
	}
	before := settings()
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = "t-cli-pw"
	r := c.run("", "profile", "--dsn", dsn, "SELECT * FROM t")
	if r.code != exitError || !strings.Contains(r.stderr, "consumer events_stages_history_long is NO") || !strings.Contains(r.stderr, "(--enable-instruments)") || r.stdout != "" {
		t.Errorf("not instrumented: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = c.run("", "profile", "--dsn", dsn, "--enable-instruments", "--dry-run", "SELECT * FROM t")
	if r.code != 0 || !strings.Contains(r.stdout, "dry run:") || !strings.Contains(r.stdout, "Plan for (dsn)") || settings() != before {
		t.Errorf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	js := c.ok("", "profile", "--dsn", dsn, "--enable-instruments", "-o", "json", "SELECT * FROM t")
	var res workbench.ProfileResult
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatal(err)
	}
	if res.Statement == nil || res.Statement.RowsSent != 4 || len(res.Statement.Stages) == 0 || len(res.Changes) != 4 {
		t.Errorf("profile with --enable-instruments: %s", js)
	}
	if settings() != before {
		t.Error("settings not restored")
	}
	if a := c.ok("", "audit"); strings.Count(a, "performance_schema.setup_") != 6 {
		t.Errorf("audit:\n%s", a)
	}
}
