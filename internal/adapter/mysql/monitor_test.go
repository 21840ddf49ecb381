package mysql

import (
	"context"
	"errors"
	"flag"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/sqltext"
)

var updateMonitor = flag.Bool("update-monitor", false, "rewrite the monitor golden files")

// TestMonitorSQLPerVersion pins the monitor's SQL choice per server: the
// INNODB_METRICS column that says "enabled", where sessions are read, and
// the replica status spelling. Every statement is a tagged read.
func TestMonitorSQLPerVersion(t *testing.T) {
	tests := []struct {
		version  string
		metrics  string
		sessions string
		replica  string
	}{
		{"10.4.34-MariaDB", "WHERE STATUS = 'enabled'", "FROM information_schema.PROCESSLIST GROUP BY", "SHOW SLAVE STATUS"},
		{"10.5.0-MariaDB", "WHERE ENABLED = 1", "MAX(TIME_MS) / 1000", "SHOW SLAVE STATUS"},
		{"10.6.16-MariaDB", "WHERE ENABLED = 1", "MAX(TIME_MS) / 1000", "SHOW REPLICA STATUS"},
		{"10.11.6-MariaDB-0+deb12u1-log", "WHERE ENABLED = 1", "MAX(TIME_MS) / 1000", "SHOW REPLICA STATUS"},
		{"11.4.2-MariaDB", "WHERE ENABLED = 1", "MAX(TIME_MS) / 1000", "SHOW REPLICA STATUS"},
		{"5.7.44-log", "WHERE STATUS = 'enabled'", "MAX(TIME) AS max_s\n FROM information_schema.PROCESSLIST", "SHOW SLAVE STATUS"},
		{"8.0.21", "WHERE STATUS = 'enabled'", "FROM performance_schema.threads WHERE PROCESSLIST_ID IS NOT NULL", "SHOW SLAVE STATUS"},
		{"8.0.36", "WHERE STATUS = 'enabled'", "FROM performance_schema.threads WHERE PROCESSLIST_ID IS NOT NULL", "SHOW REPLICA STATUS"},
		{"8.4.3", "WHERE STATUS = 'enabled'", "FROM performance_schema.threads", "SHOW REPLICA STATUS"},
		{"9.7.1", "WHERE STATUS = 'enabled'", "FROM performance_schema.threads", "SHOW REPLICA STATUS"},
	}
	c := sqltext.NewClassifier()
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			s, err := dba.DetectServer(tt.version, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := monitorInnoDBMetricsSQL(s); !strings.HasSuffix(got, tt.metrics) {
				t.Errorf("INNODB_METRICS: %q, want ...%q", got, tt.metrics)
			}
			if got := monitorSessionSQL(s); !strings.Contains(got, tt.sessions) {
				t.Errorf("sessions: %q lacks %q", got, tt.sessions)
			}
			if got := monitorReplicaSQL(s); got != "/* mydba:monitor */ "+tt.replica {
				t.Errorf("replica: %q, want %q", got, tt.replica)
			}
			for _, q := range []string{monitorStatusSQL, monitorVariablesSQL, monitorTrxSQL, monitorPFSSQL, monitorLogBinSQL,
				monitorInnoDBMetricsSQL(s), monitorSessionSQL(s), monitorSessionFallbackSQL, monitorReplicaSQL(s)} {
				if !strings.HasPrefix(q, "/* mydba:monitor */ ") {
					t.Errorf("untagged: %q", q)
				}
				if cl := c.Classify(q); !cl.IsRead() {
					t.Errorf("%q is not a read: %+v", q, cl)
				}
			}
		})
	}
}

func TestMonitorNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{" 1699 ", 1699, true},
		{"18446744073709551615", 18446744073709551615, true},
		{"-1", -1, true},
		{"0.000643", 0.000643, true},
		{"ON", 1, true},
		{"off", 0, true},
		{"YES", 1, true},
		{"No", 0, true},
		{"", 0, false},
		{"SERVER", 0, false},
		{"TLSv1,TLSv1.1", 0, false},
		{"2020-07-22 07:53:24", 0, false},
		{"1.2.3", 0, false},
	}
	for _, tt := range tests {
		got, ok := monitorNumber(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("monitorNumber(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzMonitorNumber(f *testing.F) {
	for _, s := range []string{"0", "1e309", "ON", "-", ".", "NaN", "Inf", "0x1p4", "", " 12 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := monitorNumber(s)
		if !ok && v != 0 {
			t.Errorf("%q: not a number but %v", s, v)
		}
		vals, text := decodeNameValues([][2]string{{"x", s}})
		if _, isNum := vals["x"]; isNum && text["x"] != "" {
			t.Errorf("%q is both a number and text", s)
		}
	})
}

// nameValues turns a two-column fixture into the rows nameValueRows
// returns (NULL read as "").
func nameValues(rows []catalogRow, name, value string) [][2]string {
	out := make([][2]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, [2]string{r.str(name), r.str(value)})
	}
	return out
}

// monitorGolden is a stable JSON form of a decoded reading.
type monitorGolden struct {
	Values map[string]float64 `json:"values"`
	Text   map[string]string  `json:"text,omitempty"`
}

func TestDecodeMonitorFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "monitor")
	load := func(name string) []catalogRow { return loadBatchTSV(t, filepath.Join(dir, name)) }
	golden := func(name string, v any) {
		t.Helper()
		old := *updateDigest
		*updateDigest = *updateMonitor
		defer func() { *updateDigest = old }()
		digestGolden(t, filepath.Join(dir, name), v)
	}
	t.Run("global status", func(t *testing.T) {
		for _, name := range []string{"mariadb-10.11-global-status", "mysql-8.0.21-global-status"} {
			rows := nameValues(load(name+".tsv"), "variable_name", "value")
			vals, text := decodeNameValues(rows)
			golden(name+".golden.json", monitorGolden{Values: vals, Text: text})
			// Every row lands in exactly one of the two, or is empty.
			for _, nv := range rows {
				_, num := vals[nv[0]]
				if _, txt := text[nv[0]]; num == txt && nv[1] != "" {
					t.Errorf("%s: %s=%q is in both or neither", name, nv[0], nv[1])
				}
			}
		}
	})
	t.Run("innodb metrics", func(t *testing.T) {
		for _, name := range []string{"mariadb-10.11-innodb-metrics", "mysql-8.0-innodb-metrics"} {
			golden(name+".golden.json", monitorGolden{Values: decodeInnoDBMetrics(nameValues(load(name+".tsv"), "name", "count"))})
		}
	})
	t.Run("sessions", func(t *testing.T) {
		for _, name := range []string{"mariadb-10.11-sessions", "mysql-8.0-sessions"} {
			g := monitorGolden{Values: map[string]float64{}, Text: map[string]string{}}
			decodeSessions(load(name+".tsv"), g.Values, g.Text)
			if name == "mariadb-10.11-sessions" {
				decodeTrx(load("mariadb-10.11-trx.tsv")[0], g.Values)
			}
			golden(name+".golden.json", g)
		}
	})
}

// TestDecodeSessionsRules checks what counts as active, sleeping and
// waiting for a lock: replication and daemon threads never make "the
// longest query".
func TestDecodeSessionsRules(t *testing.T) {
	row := func(cmd, state, n, maxS string) catalogRow {
		return catalogRow{"command": &cmd, "state": &state, "n": &n, "max_s": &maxS}
	}
	vals, text := map[string]float64{}, map[string]string{}
	decodeSessions([]catalogRow{
		row("Binlog Dump GTID", "Source has sent all binlog to replica; waiting for more updates", "2", "90000"),
		row("Daemon", "Waiting on empty queue", "1", "80000"),
		row("Sleep", "", "40", "3000"),
		row("Query", "Waiting for table metadata lock", "3", "12.5"),
		row("Query", "executing", "4", "2"),
		row("Slave_SQL", "Slave has read all relay log", "1", "5000"),
		row("Query", "bad", "x", "1"),
	}, vals, text)
	want := map[string]float64{
		"sessions": 51, "sessions_active": 7, "sessions_sleeping": 40, "sessions_waiting_lock": 3, "longest_query_seconds": 12.5,
		"command:Binlog Dump GTID": 2, "command:Daemon": 1, "command:Sleep": 40, "command:Query": 7, "command:Slave_SQL": 1,
		"state:Source has sent all binlog to replica; waiting for more updates": 2, "state:Waiting on empty queue": 1,
		"state:Waiting for table metadata lock": 3, "state:executing": 4, "state:Slave has read all relay log": 1,
	}
	if diff := cmp.Diff(want, vals); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestReplicationReading(t *testing.T) {
	lag := int64(7)
	tests := []struct {
		name string
		rep  dba.Replication
		vals map[string]float64
		role string
	}{
		{"primary", dba.Replication{Role: dba.RolePrimary}, map[string]float64{"replica": 0}, "primary"},
		{"replica running", dba.Replication{Role: dba.RoleReplica, Source: "db1:3306", IORunning: "Yes", SQLRunning: "Yes", LagSeconds: &lag},
			map[string]float64{"replica": 1, "replication_io_running": 1, "replication_sql_running": 1, "replication_lag_seconds": 7}, "replica"},
		{"replica stopped: no lag", dba.Replication{Role: dba.RoleReplica, IORunning: "Connecting", SQLRunning: "No", LastError: "boom", Note: "not running"},
			map[string]float64{"replica": 1, "replication_io_running": 0, "replication_sql_running": 0}, "replica"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, text := replicationReading(tt.rep)
			if diff := cmp.Diff(tt.vals, vals); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if text["role"] != tt.role {
				t.Errorf("role %q", text["role"])
			}
		})
	}
}

func openMonitor(t *testing.T, d dba.DSN) *DB {
	t.Helper()
	p := params(d)
	p.MaxOpen = 2
	return open(t, p)
}

// TestMonitorReadsSandbox reads every source on the sandbox, as root on
// the primary and the replica and as the least-privilege user.
func TestMonitorReadsSandbox(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct {
		name    string
		dsn     func(testing.TB) dba.DSN
		replica bool
	}{
		{"primary root", dbtest.Primary, false},
		{"least privilege", dbtest.LeastPriv, false},
		{"replica", dbtest.Replica, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openMonitor(t, tc.dsn(t))
			st, err := db.MonitorStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"Questions", "Uptime", "Threads_connected", "Innodb_buffer_pool_read_requests", "Innodb_deadlocks", "Com_select"} {
				if _, ok := st.Values[k]; !ok {
					t.Errorf("status lacks %s", k)
				}
			}
			if st.Statements != 1 || len(st.Values) < 300 {
				t.Errorf("status: %d statements, %d values", st.Statements, len(st.Values))
			}
			vars, err := db.MonitorVariables(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if vars.Values["max_connections"] != 2000 || vars.Text["max_connections"] != "2000" || vars.Text["version"] == "" {
				t.Errorf("variables: max_connections %v / %q", vars.Values["max_connections"], vars.Text["max_connections"])
			}
			im, err := db.MonitorInnoDBMetrics(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := im.Values["lock_deadlocks"]; !ok {
				t.Errorf("innodb metrics lack lock_deadlocks: %d values", len(im.Values))
			}
			ss, err := db.MonitorSessions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ss.Values["sessions"] < 1 || ss.Text["note"] != "" {
				t.Errorf("sessions %v, note %q", ss.Values, ss.Text["note"])
			}
			if _, ok := ss.Values["longest_trx_seconds"]; !ok {
				t.Errorf("no transaction summary: %v", ss.Values)
			}
			rp, err := db.MonitorReplication(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantRole := "primary"
			if tc.replica {
				wantRole = "replica"
				if _, ok := rp.Values["replication_lag_seconds"]; !ok || rp.Values["replication_sql_running"] != 1 {
					t.Errorf("replica: %v %v", rp.Values, rp.Text)
				}
			}
			if rp.Text["role"] != wantRole {
				t.Errorf("role %q, want %q", rp.Text["role"], wantRole)
			}
			on, err := db.PerformanceSchemaOn(ctx)
			if err != nil || !on {
				t.Errorf("performance_schema: %v %v", on, err)
			}
		})
	}
}

// TestMonitorWithoutPrivileges: a user with no grant at all still reads
// status, variables and its own sessions; INNODB_METRICS and replica
// status are unavailable (dba.ErrUnavailable), not failures.
func TestMonitorWithoutPrivileges(t *testing.T) {
	admin := dbtest.Admin(t)
	d := dbtest.LeastPriv(t)
	dbtest.Exec(t, admin, "CREATE OR REPLACE USER 't_monitor_nopriv'@'127.0.0.1' IDENTIFIED BY 't-monitor-nopriv'")
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP USER IF EXISTS 't_monitor_nopriv'@'127.0.0.1'") })
	d.Target.User, d.Password, d.Target.Database = "t_monitor_nopriv", "t-monitor-nopriv", ""
	db := openMonitor(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.MonitorStatus(ctx); err != nil {
		t.Errorf("status: %v", err)
	}
	if _, err := db.MonitorVariables(ctx); err != nil {
		t.Errorf("variables: %v", err)
	}
	ss, err := db.MonitorSessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ss.Text["note"], "PROCESS privilege") || ss.Values["sessions"] < 1 {
		t.Errorf("sessions without PROCESS: %v %q", ss.Values, ss.Text["note"])
	}
	if _, ok := ss.Values["lock_waits"]; ok {
		t.Errorf("lock waits reported without PROCESS: %v", ss.Values)
	}
	for name, f := range map[string]func(context.Context) (dba.Reading, error){"innodb metrics": db.MonitorInnoDBMetrics, "replication": db.MonitorReplication} {
		_, err := f(ctx)
		if !errors.Is(err, dba.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", name, err)
		}
	}
}

// TestDecodeMonitorValuesAreFinite guards the golden values: no NaN or
// infinity ever reaches the series math.
func TestDecodeMonitorValuesAreFinite(t *testing.T) {
	rows := nameValues(loadBatchTSV(t, filepath.Join("testdata", "monitor", "mariadb-10.11-global-status.tsv")), "variable_name", "value")
	vals, _ := decodeNameValues(rows)
	names := make([]string, 0, len(vals))
	for k, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		t.Errorf("not finite: %v", names)
	}
}
