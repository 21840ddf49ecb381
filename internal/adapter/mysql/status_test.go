package mysql

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/sqltext"
)

var updateStatus = flag.Bool("update-status", false, "rewrite the status golden files")

func TestStatusSQLPerVersion(t *testing.T) {
	tests := []struct {
		version string
		replica string
	}{
		{"10.4.34-MariaDB", "/* mydba:status */ SHOW SLAVE STATUS"},
		{"10.5.1-MariaDB", "/* mydba:status */ SHOW REPLICA STATUS"},
		{"10.6.16-MariaDB", "/* mydba:status */ SHOW REPLICA STATUS"},
		{"11.4.2-MariaDB", "/* mydba:status */ SHOW REPLICA STATUS"},
		{"8.0.21", "/* mydba:status */ SHOW SLAVE STATUS"},
		{"8.0.22", "/* mydba:status */ SHOW REPLICA STATUS"},
		{"8.4.3", "/* mydba:status */ SHOW REPLICA STATUS"},
		{"9.7.1", "/* mydba:status */ SHOW REPLICA STATUS"},
	}
	c := sqltext.NewClassifier()
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			s, err := dba.DetectServer(tt.version, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := statusReplicaSQL(s); got != tt.replica {
				t.Errorf("replica status = %q, want %q", got, tt.replica)
			}
			for _, q := range []string{statusSQL(s), statusVarsSQL, statusInnoDBSQL, statusReplicaSQL(s)} {
				if !strings.HasPrefix(q, "/* mydba:status */ ") {
					t.Errorf("untagged: %q", q)
				}
				if cl := c.Classify(q); !cl.IsRead() {
					t.Errorf("%q is not a read: %+v", q, cl)
				}
			}
		})
	}
}

// readVertical reads the mysql client's \G layout into rows; NULL is SQL
// NULL.
func readVertical(t *testing.T, name string) []varsRow {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "status", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []varsRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "***") {
			rows = append(rows, varsRow{})
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || len(rows) == 0 {
			continue
		}
		v = strings.TrimPrefix(v, " ")
		if v == "NULL" {
			rows[len(rows)-1][strings.ToUpper(strings.TrimSpace(k))] = nil
			continue
		}
		rows[len(rows)-1][strings.ToUpper(strings.TrimSpace(k))] = &v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestReplicaStatusFixtures(t *testing.T) {
	for _, name := range []string{"mariadb-10.11-show-replica-status", "mysql-5.7-show-slave-status", "mysql-8.0-show-replica-status"} {
		t.Run(name, func(t *testing.T) {
			got := decodeReplicaStatus(readVertical(t, name+".txt"), true)
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			path := filepath.Join("testdata", "status", name+".golden.json")
			if *updateStatus {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run ReplicaStatus -update-status)", err)
			}
			if diff := cmp.Diff(string(want), string(b)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeReplicaStatus(t *testing.T) {
	row := func(kv ...string) varsRow {
		r := varsRow{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "NULL" {
				r[strings.ToUpper(kv[i])] = nil
				continue
			}
			v := kv[i+1]
			r[strings.ToUpper(kv[i])] = &v
		}
		return r
	}
	lag := func(n int64) *int64 { return &n }
	tests := []struct {
		name   string
		rows   []varsRow
		logBin bool
		want   dba.Replication
	}{
		{"primary", nil, true, dba.Replication{Role: dba.RolePrimary}},
		{"standalone", nil, false, dba.Replication{Role: dba.RoleStandalone}},
		{"mysql 8 lagging", []varsRow{row("Source_Host", "db1", "Source_Port", "3306", "Replica_IO_Running", "Yes", "Replica_SQL_Running", "Yes", "Seconds_Behind_Source", "42")}, false,
			dba.Replication{Role: dba.RoleReplica, Source: "db1:3306", IORunning: "Yes", SQLRunning: "Yes", LagSeconds: lag(42)}},
		{"io stopped reports zero: not caught up", []varsRow{row("Source_Host", "db1", "Replica_IO_Running", "No", "Replica_SQL_Running", "Yes", "Seconds_Behind_Source", "0", "Last_IO_Errno", "2005", "Last_IO_Error", "error connecting to source")}, false,
			dba.Replication{Role: dba.RoleReplica, Source: "db1", IORunning: "No", SQLRunning: "Yes", LastError: "error connecting to source", Note: "replication is not running (IO thread: No, SQL thread: Yes): the lag is unknown"}},
		{"sql stopped with null lag", []varsRow{row("Master_Host", "db1", "Slave_IO_Running", "Yes", "Slave_SQL_Running", "No", "Seconds_Behind_Master", "NULL", "Last_SQL_Error", "Duplicate entry")}, false,
			dba.Replication{Role: dba.RoleReplica, Source: "db1", IORunning: "Yes", SQLRunning: "No", LastError: "Duplicate entry", Note: "replication is not running (IO thread: Yes, SQL thread: No): the lag is unknown"}},
		{"connecting", []varsRow{row("Slave_IO_Running", "Connecting", "Slave_SQL_Running", "Yes", "Seconds_Behind_Master", "NULL")}, false,
			dba.Replication{Role: dba.RoleReplica, IORunning: "Connecting", SQLRunning: "Yes", Note: "replication is not running (IO thread: Connecting, SQL thread: Yes): the lag is unknown"}},
		{"running with null lag", []varsRow{row("Slave_IO_Running", "Yes", "Slave_SQL_Running", "Yes", "Seconds_Behind_Master", "NULL")}, false,
			dba.Replication{Role: dba.RoleReplica, IORunning: "Yes", SQLRunning: "Yes", Note: "the replica reports no lag value (unknown)"}},
		{"two channels", []varsRow{row("Slave_IO_Running", "Yes", "Slave_SQL_Running", "Yes", "Seconds_Behind_Master", "1"), row("Slave_IO_Running", "No")}, false,
			dba.Replication{Role: dba.RoleReplica, IORunning: "Yes", SQLRunning: "Yes", LagSeconds: lag(1), Note: "(2 replication channels; the first is shown)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, decodeReplicaStatus(tt.rows, tt.logBin)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzDecodeReplicaStatus: any column text decodes without panic, and a lag
// is only ever reported for a replica whose two threads say Yes.
func FuzzDecodeReplicaStatus(f *testing.F) {
	f.Add("Yes", "Yes", "0", "db1", "")
	f.Add("No", "Yes", "0", "", "err")
	f.Add("Yes", "Yes", "-1", "h", "")
	f.Add("yes", "YES", "99999999999999999999", "h", "")
	f.Fuzz(func(t *testing.T, io, sqlRunning, lag, host, lastErr string) {
		r := varsRow{}
		for k, v := range map[string]string{"SLAVE_IO_RUNNING": io, "SLAVE_SQL_RUNNING": sqlRunning, "SECONDS_BEHIND_MASTER": lag, "MASTER_HOST": host, "LAST_ERROR": lastErr} {
			r[k] = &v
		}
		got := decodeReplicaStatus([]varsRow{r}, false)
		if got.Role != dba.RoleReplica {
			t.Fatalf("role %q", got.Role)
		}
		if got.LagSeconds != nil && (*got.LagSeconds < 0 || !strings.EqualFold(io, "yes") || !strings.EqualFold(sqlRunning, "yes")) {
			t.Fatalf("lag %d with io=%q sql=%q", *got.LagSeconds, io, sqlRunning)
		}
	})
}

func TestStatusSandbox(t *testing.T) {
	ctx := context.Background()
	t.Run("least privilege on the primary", func(t *testing.T) {
		db := open(t, params(dbtest.LeastPriv(t)))
		prev, cur, own, err := db.StatusPair(ctx, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if own < 1 || cur.At.Sub(prev.At) < 200*time.Millisecond {
			t.Errorf("own %d, interval %v", own, cur.At.Sub(prev.At))
		}
		for _, k := range []string{"Questions", "Uptime", "Threads_connected", "Innodb_buffer_pool_read_requests", "Com_commit", "Handler_commit"} {
			if _, ok := cur.Values[k]; !ok {
				t.Errorf("sample lacks %s", k)
			}
		}
		sc, err := db.StatusContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sc.MaxConnections != 2000 || sc.BufferPoolSize != 256<<20 || sc.Replication.Role != dba.RolePrimary || len(sc.Unavailable) != 0 {
			t.Errorf("%+v", sc)
		}
	})
	t.Run("replica", func(t *testing.T) {
		db := open(t, params(dbtest.Replica(t)))
		sc, err := db.StatusContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r := sc.Replication
		if r.Role != dba.RoleReplica || r.IORunning != "Yes" || r.SQLRunning != "Yes" || r.LagSeconds == nil || *r.LagSeconds < 0 || !strings.HasSuffix(r.Source, ":13306") {
			t.Errorf("%+v", r)
		}
	})
	t.Run("a user without grants gets what is readable", func(t *testing.T) {
		admin := dbtest.Admin(t)
		d := dbtest.LeastPriv(t)
		dbtest.Exec(t, admin, "CREATE OR REPLACE USER 't_status_nogrant'@'127.0.0.1' IDENTIFIED BY 't-status-pw'")
		t.Cleanup(func() { dbtest.Exec(t, admin, "DROP USER IF EXISTS 't_status_nogrant'@'127.0.0.1'") })
		p := params(d)
		p.Target.User, p.Password, p.Target.Database = "t_status_nogrant", "t-status-pw", ""
		db := open(t, p)
		if _, _, _, err := db.StatusPair(ctx, 50*time.Millisecond); err != nil {
			t.Fatalf("status counters need no privilege: %v", err)
		}
		sc, err := db.StatusContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Replication.Role != dba.RoleUnknown || len(sc.Unavailable) != 1 || !strings.Contains(sc.Unavailable[0].Reason, "REPLICA MONITOR") {
			t.Errorf("%+v", sc)
		}
	})
}
