package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/lockgraph"
)

var updatePS = flag.Bool("update-ps", false, "rewrite the process-list golden files")

func server(f dba.Flavor, major, minor, patch int) dba.Server {
	return dba.Server{Flavor: f, Version: dba.Version{Major: major, Minor: minor, Patch: patch}}
}

// TestProcessSourcesPerVersion pins which tables each supported server is
// read from: MySQL 8.0 removed INNODB_LOCKS/INNODB_LOCK_WAITS, MariaDB kept
// them; MySQL reads sessions from performance_schema.threads first.
func TestProcessSourcesPerVersion(t *testing.T) {
	tests := []struct {
		name     string
		server   dba.Server
		sessions []string // source names in order
		from     []string // a table each session source reads, in order
		locks    string
		lockFrom []string
	}{
		{"MariaDB 10.6", server(dba.FlavorMariaDB, 10, 6, 16), []string{srcISProcesslist, srcISProcesslist},
			[]string{"p.INFO_BINARY AS info", "FROM information_schema.PROCESSLIST p"}, srcInnoDBLocks,
			[]string{"information_schema.INNODB_LOCK_WAITS w", "information_schema.INNODB_LOCKS rl", "rt.trx_mysql_thread_id AS waiting_pid"}},
		{"MariaDB 10.11", server(dba.FlavorMariaDB, 10, 11, 6), []string{srcISProcesslist, srcISProcesslist},
			[]string{"p.TIME_MS AS time_ms", "p.TIME * 1000 AS time_ms"}, srcInnoDBLocks,
			[]string{"information_schema.INNODB_LOCK_WAITS w"}},
		{"MariaDB 11.4", server(dba.FlavorMariaDB, 11, 4, 2), []string{srcISProcesslist, srcISProcesslist},
			[]string{"information_schema.INNODB_TRX x", "NULL AS trx_id"}, srcInnoDBLocks,
			[]string{"information_schema.INNODB_LOCK_WAITS w"}},
		{"MySQL 5.7", server(dba.FlavorMySQL, 5, 7, 44), []string{srcISProcesslist, srcISProcesslist},
			[]string{"information_schema.INNODB_TRX x", "NULL AS trx_id"}, srcInnoDBLocks,
			[]string{"information_schema.INNODB_LOCK_WAITS w"}},
		{"MySQL 8.0", server(dba.FlavorMySQL, 8, 0, 36), []string{srcPSThreads, srcISProcesslist, srcISProcesslist},
			[]string{"FROM performance_schema.threads t", "information_schema.INNODB_TRX x", "NULL AS trx_id"}, srcDataLockWaits,
			[]string{"performance_schema.data_lock_waits w", "rt.THREAD_ID = w.REQUESTING_THREAD_ID", "rl.ENGINE_LOCK_ID = w.REQUESTING_ENGINE_LOCK_ID", "rt.PROCESSLIST_ID AS waiting_pid"}},
		{"MySQL 8.4", server(dba.FlavorMySQL, 8, 4, 3), []string{srcPSThreads, srcISProcesslist, srcISProcesslist},
			[]string{"WHERE t.PROCESSLIST_ID > 0", "p.TIME * 1000", "FROM information_schema.PROCESSLIST p"}, srcDataLockWaits,
			[]string{"performance_schema.data_locks bl"}},
		{"MySQL 9.1", server(dba.FlavorMySQL, 9, 1, 0), []string{srcPSThreads, srcISProcesslist, srcISProcesslist},
			[]string{"t.THREAD_ID AS thread_id", "LEFT JOIN information_schema.INNODB_TRX x", "FROM information_schema.PROCESSLIST p"}, srcDataLockWaits,
			[]string{"performance_schema.data_lock_waits w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcs := sessionSources(tt.server)
			var names []string
			for i, s := range srcs {
				names = append(names, s.name)
				if !strings.HasPrefix(s.sql, "/* mydba:processlist */ SELECT") {
					t.Errorf("source %d is not tagged: %.60s", i, s.sql)
				}
				if i < len(tt.from) && !strings.Contains(s.sql, tt.from[i]) {
					t.Errorf("source %d lacks %q:\n%s", i, tt.from[i], s.sql)
				}
			}
			if diff := cmp.Diff(tt.sessions, names); diff != "" {
				t.Errorf("session sources (-want +got):\n%s", diff)
			}
			// MariaDB's p_s tables have no index: joining threads in SQL
			// is a nested loop (about 1s for 1,000 sessions), so thread
			// ids come from a separate read there and only there.
			ts := threadSource(tt.server)
			if tt.server.IsMariaDB() {
				for _, s := range srcs {
					if strings.Contains(s.sql, "performance_schema.threads") {
						t.Errorf("MariaDB session source joins threads:\n%s", s.sql)
					}
				}
				if !strings.HasPrefix(ts, "/* mydba:processlist */ SELECT PROCESSLIST_ID AS id, THREAD_ID AS thread_id") {
					t.Errorf("thread source %q", ts)
				}
			} else if ts != "" {
				t.Errorf("MySQL reads threads twice: %q", ts)
			}
			// The last source never needs PROCESS (no INNODB_TRX).
			if last := srcs[len(srcs)-1]; last.trx || strings.Contains(last.sql, "INNODB_TRX") {
				t.Errorf("last source reads INNODB_TRX:\n%s", last.sql)
			}
			lw := lockWaitSource(tt.server)
			if lw.name != tt.locks {
				t.Errorf("lock source %s, want %s", lw.name, tt.locks)
			}
			if !strings.HasPrefix(lw.sql, "/* mydba:locks */ SELECT") {
				t.Errorf("lock source not tagged: %.60s", lw.sql)
			}
			for _, f := range tt.lockFrom {
				if !strings.Contains(lw.sql, f) {
					t.Errorf("lock source lacks %q:\n%s", f, lw.sql)
				}
			}
			// MySQL 8 has no INNODB_LOCKS; MariaDB has no data_locks.
			if tt.locks == srcDataLockWaits && strings.Contains(lw.sql, "INNODB_LOCK") {
				t.Error("MySQL 8+ lock source reads INNODB_LOCK* tables, removed in 8.0")
			}
			if tt.server.IsMariaDB() && strings.Contains(lw.sql, "data_lock") {
				t.Error("MariaDB lock source reads data_locks, which MariaDB does not have")
			}
		})
	}
}

// readBatch parses `mysql -B` output: a header line, tab-separated
// fields, NULL for SQL NULL, and \n \t \\ \0 escapes.
func readBatch(t *testing.T, path string) []resultRow {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	cols := map[string]int{}
	for i, h := range strings.Split(lines[0], "\t") {
		cols[h] = i
	}
	unescape := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`, `\0`, "\x00")
	var rows []resultRow
	for _, l := range lines[1:] {
		var vals []*string
		for _, f := range strings.Split(l, "\t") {
			if f == "NULL" {
				vals = append(vals, nil)
				continue
			}
			v := unescape.Replace(f)
			vals = append(vals, &v)
		}
		if len(vals) != len(cols) {
			t.Fatalf("%s: row has %d fields, header %d: %q", path, len(vals), len(cols), l)
		}
		rows = append(rows, resultRow{cols: cols, vals: vals})
	}
	return rows
}

// decodeFixture builds a snapshot from a captured or documented pair of
// result sets, as ProcessSnapshot would from the live server.
func decodeFixture(t *testing.T, name string, s dba.Server) dba.ProcessSnapshot {
	t.Helper()
	snap := dba.ProcessSnapshot{Server: s, Sessions: []dba.Session{}, LockWaits: []dba.LockWait{}}
	for _, r := range readBatch(t, filepath.Join("testdata", "processlist", name+".sessions.tsv")) {
		sess, err := decodeSession(r)
		if err != nil {
			t.Fatal(err)
		}
		snap.Sessions = append(snap.Sessions, sess)
	}
	if threads := filepath.Join("testdata", "processlist", name+".threads.tsv"); fileExists(threads) {
		mergeThreads(snap.Sessions, readBatch(t, threads))
	}
	for _, r := range readBatch(t, filepath.Join("testdata", "processlist", name+".lockwaits.tsv")) {
		w, err := decodeLockWait(r)
		if err != nil {
			t.Fatal(err)
		}
		snap.LockWaits = append(snap.LockWaits, w)
	}
	return snap
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func goldenJSON(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *updatePS {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update-ps to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// TestDecodeProcessFixtures decodes captured MariaDB output and MySQL 8.0
// output shapes from the reference manual (see testdata/processlist/
// README.md) and compares with golden snapshots.
func TestDecodeProcessFixtures(t *testing.T) {
	tests := []struct {
		name   string
		server dba.Server
		// who waits for whom, by processlist id
		waits [][2]int64
	}{
		{"mariadb-10.11-chain", server(dba.FlavorMariaDB, 10, 11, 19), [][2]int64{{10568, 10566}, {10566, 10565}}},
		{"mysql-8.0-blocking", server(dba.FlavorMySQL, 8, 0, 36), [][2]int64{{6, 5}, {7, 5}, {7, 6}}},
		{"mysql-8.0-heavy", server(dba.FlavorMySQL, 8, 0, 36), [][2]int64{{876, 875}, {876, 874}, {876, 873}, {875, 874}, {875, 873}, {874, 873}, {873, 872}, {384, 257}, {257, 130}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := decodeFixture(t, tt.name, tt.server)
			var waits [][2]int64
			for _, w := range snap.LockWaits {
				waits = append(waits, [2]int64{w.WaitingID, w.BlockingID})
			}
			if diff := cmp.Diff(tt.waits, waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			goldenJSON(t, filepath.Join("testdata", "processlist", tt.name+".snapshot.golden.json"), snap)
		})
	}
}

func TestMergeThreads(t *testing.T) {
	sessions := []dba.Session{{ID: 10}, {ID: 11}, {ID: 12}}
	str := func(s string) *string { return &s }
	cols := map[string]int{"id": 0, "thread_id": 1, "connection_type": 2}
	mergeThreads(sessions, []resultRow{
		{cols: cols, vals: []*string{str("11"), str("31"), str("SSL/TLS")}},
		{cols: cols, vals: []*string{str("10"), str("30"), nil}},
		{cols: cols, vals: []*string{str("99"), str("77"), str("TCP/IP")}}, // ended meanwhile
		{cols: cols, vals: []*string{str("x"), str("1"), str("TCP/IP")}},
	})
	want := []dba.Session{{ID: 10, ThreadID: 30}, {ID: 11, ThreadID: 31, ConnectionType: "SSL/TLS"}, {ID: 12}}
	if diff := cmp.Diff(want, sessions); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeLockTable(t *testing.T) {
	tests := []struct{ in, schema, table, partition string }{
		{"`shop`.`orders`", "shop", "orders", ""},
		{"`t_ps_try`.`we``ird ☃é \"tbl'`", "t_ps_try", "we`ird ☃é \"tbl'", ""},
		{"`test`.`t1` /* Partition `p0` */", "test", "t1", "p0"},
		{"`test`.`t1` /* Partition `p0`, Subpartition `p0sp1` */", "test", "t1", "p0.p0sp1"},
		{"`a.b`.`c.d`", "a.b", "c.d", ""},
		{"test/t1", "test", "t1", ""},
		{"test.t1", "test", "t1", ""},
		{"orphan", "", "orphan", ""},
		{"", "", "", ""},
		{"`unterminated", "", "`unterminated", ""},
		{"`only`", "", "only", ""},
	}
	for _, tt := range tests {
		s, tb, p := decodeLockTable(tt.in)
		if s != tt.schema || tb != tt.table || p != tt.partition {
			t.Errorf("decodeLockTable(%q) = %q, %q, %q; want %q, %q, %q", tt.in, s, tb, p, tt.schema, tt.table, tt.partition)
		}
	}
}

func FuzzDecodeLockTable(f *testing.F) {
	f.Add("shop", "orders", "")
	f.Add("we`ird", "x`` y", "p0")
	f.Add("", "`", "")
	f.Fuzz(func(t *testing.T, schema, table, partition string) {
		quote := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
		in := quote(schema) + "." + quote(table)
		if partition != "" {
			in += " /* Partition " + quote(partition) + " */"
		}
		s, tb, p := decodeLockTable(in)
		if s != schema || tb != table {
			t.Errorf("decodeLockTable(%q) = %q, %q; want %q, %q", in, s, tb, schema, table)
		}
		if partition != "" && !strings.Contains(partition, "Subpartition `") && p != partition {
			t.Errorf("partition of %q = %q, want %q", in, p, partition)
		}
		// Arbitrary text must never panic.
		decodeLockTable(schema + table + partition)
	})
}

func FuzzDecodeSession(f *testing.F) {
	f.Add("12", "300000.5", "4211", "LOCK WAIT", "1700000000", "-3", "99999999999999999999")
	f.Add("", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, id, timeMS, trxID, state, started, age, rows string) {
		cols := map[string]int{"id": 0, "time_ms": 1, "trx_id": 2, "trx_state": 3, "trx_started": 4, "trx_age_s": 5, "trx_rows_locked": 6}
		vals := []*string{&id, &timeMS, &trxID, &state, &started, &age, &rows}
		s, err := decodeSession(resultRow{cols: cols, vals: vals})
		if err != nil {
			return
		}
		if s.Trx == nil {
			t.Fatal("a row with a trx_id decoded without a transaction")
		}
		if s.Trx.Age < 0 || s.Trx.Wait < 0 {
			t.Errorf("negative age %v / wait %v", s.Trx.Age, s.Trx.Wait)
		}
	})
}

// TestProcessSnapshotLive reads the sandbox's process list and checks our
// own session is there, marked, with the sources MariaDB must use.
func TestProcessSnapshotLive(t *testing.T) {
	db := open(t, params(dbtest.LeastPriv(t)))
	snap, err := db.ProcessSnapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Source != srcISProcesslist {
		t.Errorf("source %q", snap.Source)
	}
	var self *dba.Session
	for i := range snap.Sessions {
		if snap.Sessions[i].Self {
			self = &snap.Sessions[i]
		}
	}
	if self == nil || self.ID != snap.SelfID {
		t.Fatalf("own session %d not marked in %d sessions", snap.SelfID, len(snap.Sessions))
	}
	if self.User != "mydba" || !strings.Contains(self.Info, "mydba:processlist") || self.ThreadID == 0 || self.RowsExamined < 0 {
		t.Errorf("own session: %+v", *self)
	}
	if len(snap.Warnings) > 0 {
		t.Errorf("warnings for a user with PROCESS: %v", snap.Warnings)
	}
}

// TestLockChainLive holds real row locks in 2 and 3 sessions and checks
// both directions: the holder is the root blocker and is never reported as
// blocked; each waiter waits for the session before it. (The original
// tool had them the wrong way round.)
func TestLockChainLive(t *testing.T) {
	tests := []struct {
		name, schema string
		n            int
	}{
		{"two sessions", "t_ps_locks_adapter2", 2},
		{"chain A<-B<-C", "t_ps_locks_adapter3", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.n
			p := params(dbtest.LeastPriv(t))
			chain := dbtest.StartLockChain(t, tt.schema, n)
			db := open(t, p)
			start := time.Now()
			snap, err := db.ProcessSnapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("snapshot of %d sessions in %v", len(snap.Sessions), time.Since(start))
			if snap.LockSource != srcInnoDBLocks {
				t.Errorf("lock source %q", snap.LockSource)
			}
			var got [][2]int64
			for _, w := range snap.LockWaits {
				if slices.Contains(chain.IDs, w.WaitingID) {
					got = append(got, [2]int64{w.WaitingID, w.BlockingID})
					if w.Schema != chain.Schema || w.Table != chain.Table || w.Index != "PRIMARY" || w.LockType != "RECORD" || !strings.HasPrefix(w.LockMode, "X") {
						t.Errorf("lock object: %+v", w)
					}
				}
			}
			var want [][2]int64
			for i := 1; i < n; i++ {
				want = append(want, [2]int64{chain.IDs[i], chain.IDs[i-1]})
			}
			slices.SortFunc(got, func(a, b [2]int64) int { return int(a[0] - b[0]) })
			slices.SortFunc(want, func(a, b [2]int64) int { return int(a[0] - b[0]) })
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("waits (-want +got):\n%s", diff)
			}
			g := lockgraph.Build(snap)
			lockgraph.Annotate(snap.Sessions, g)
			roles := map[int64]dba.LockRole{}
			for _, s := range snap.Sessions {
				roles[s.ID] = s.LockRole
				if s.ID == chain.IDs[0] && (s.Trx == nil || s.Trx.State != "RUNNING" || s.Trx.RowsLocked < 1) {
					t.Errorf("root blocker transaction: %+v", s.Trx)
				}
				if s.ID == chain.IDs[n-1] && (s.Trx == nil || !s.Trx.Waiting() || !strings.Contains(s.Info, "🔒")) {
					t.Errorf("last waiter: %+v %q", s.Trx, s.Info)
				}
			}
			wantRoles := map[int64]dba.LockRole{chain.IDs[0]: dba.LockRoleRoot, chain.IDs[n-1]: dba.LockRoleBlocked}
			if n == 3 {
				wantRoles[chain.IDs[1]] = dba.LockRoleBoth
			}
			for id, r := range wantRoles {
				if roles[id] != r {
					t.Errorf("session %d role %q, want %q (chain %v)", id, roles[id], r, chain.IDs)
				}
			}
			if !slices.Contains(g.Roots, lockgraph.NodeID(chain.IDs[0], "")) {
				t.Errorf("roots %v lack the holder %d", g.Roots, chain.IDs[0])
			}
			for _, nd := range g.Nodes {
				if nd.Session == chain.IDs[n-1] && (nd.Depth != n-1 || len(nd.RootBlockers) != 1 || nd.RootBlockers[0] != lockgraph.NodeID(chain.IDs[0], "")) {
					t.Errorf("last waiter node: %+v", nd)
				}
			}
		})
	}
}

// TestProcessSnapshotWithoutProcessPrivilege: a user without PROCESS
// cannot read INNODB_TRX; the snapshot falls back to the user's own
// sessions and says why, instead of failing.
func TestProcessSnapshotWithoutProcessPrivilege(t *testing.T) {
	admin := dbtest.Admin(t)
	dbtest.Exec(t, admin,
		"DROP USER IF EXISTS 't_ps_noproc'@'127.0.0.1'",
		"CREATE USER 't_ps_noproc'@'127.0.0.1' IDENTIFIED BY 't-ps-noproc-pw'",
	)
	t.Cleanup(func() { _, _ = admin.Exec("DROP USER IF EXISTS 't_ps_noproc'@'127.0.0.1'") })
	p := params(dbtest.Primary(t))
	p.Target.User, p.Password, p.Target.Database = "t_ps_noproc", "t-ps-noproc-pw", ""
	db := open(t, p)
	snap, err := db.ProcessSnapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Warnings) != 1 || !strings.Contains(snap.Warnings[0], "PROCESS privilege") {
		t.Errorf("warnings %q", snap.Warnings)
	}
	for _, s := range snap.Sessions {
		if s.User != "t_ps_noproc" || s.Trx != nil {
			t.Errorf("session of another user or with a transaction: %+v", s)
		}
	}
	if len(snap.Sessions) == 0 || snap.Source != srcISProcesslist {
		t.Errorf("%d sessions from %q", len(snap.Sessions), snap.Source)
	}
}

// TestProcessSnapshotTimeout: an expired deadline gives ErrTimeout, not a
// hang or a raw driver error.
func TestProcessSnapshotTimeout(t *testing.T) {
	db := open(t, params(dbtest.LeastPriv(t)))
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	_, err := db.ProcessSnapshot(ctx)
	if !errors.Is(err, dba.ErrTimeout) {
		t.Errorf("error %v, want ErrTimeout", err)
	}
}
