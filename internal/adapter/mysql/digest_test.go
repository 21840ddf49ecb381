package mysql

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/adapter"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/sqltext"
)

var updateDigest = flag.Bool("update-digest", false, "rewrite the digest and profile golden files")

// loadBatchTSV reads `mysql -B` output: a header of column names, then
// tab-separated rows; NULL is SQL NULL and \t \n \\ are escapes. Column
// names are lower-cased, as readCatalog does.
func loadBatchTSV(t testing.TB, path string) []catalogRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return parseBatchTSV(bufio.NewScanner(f))
}

func parseBatchTSV(sc *bufio.Scanner) []catalogRow {
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	unescape := strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\\`, `\`)
	var header []string
	var rows []catalogRow
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if header == nil {
			for _, h := range fields {
				header = append(header, strings.ToLower(h))
			}
			continue
		}
		r := catalogRow{}
		for i, h := range header {
			if i >= len(fields) || fields[i] == "NULL" {
				r[h] = nil
				continue
			}
			v := unescape.Replace(fields[i])
			r[h] = &v
		}
		rows = append(rows, r)
	}
	return rows
}

// digestGolden compares v with path (JSON), rewriting it under -update-digest.
func digestGolden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *updateDigest {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update-digest to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func mustServer(t testing.TB, version string) dba.Server {
	t.Helper()
	s, err := dba.DetectServer(version, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDigestSQLPerVersion pins the digest SQL per server: the sample and
// quantile columns exist from MySQL 8.0.3, SUM_CPU_TIME from 8.0.28;
// MariaDB has neither and recognises mydba's own digests through the
// statement history; every statement is tagged and a read.
func TestDigestSQLPerVersion(t *testing.T) {
	tests := []struct {
		version  string
		samples  bool
		cpu      bool
		ownInSQL string
	}{
		{"10.6.16-MariaDB", false, false, "\n AND DIGEST NOT IN (?,?,?)\n"},
		{"10.11.19-MariaDB-0+deb12u1-log", false, false, "\n AND DIGEST NOT IN (?,?,?)\n"},
		{"11.4.2-MariaDB", false, false, "\n AND DIGEST NOT IN (?,?,?)\n"},
		{"5.7.44", false, false, "\n AND DIGEST NOT IN (?,?,?)\n"},
		{"8.0.2", false, false, "\n AND DIGEST NOT IN (?,?,?)\n"},
		{"8.0.3", true, false, "QUERY_SAMPLE_TEXT NOT LIKE '/* mydba:%'"},
		{"8.0.27", true, false, "QUERY_SAMPLE_TEXT NOT LIKE '/* mydba:%'"},
		{"8.0.28", true, true, "QUERY_SAMPLE_TEXT NOT LIKE '/* mydba:%'"},
		{"8.4.3", true, true, "QUERY_SAMPLE_TEXT IS NULL OR"},
		{"9.1.0", true, true, "QUERY_SAMPLE_TEXT NOT LIKE"},
	}
	c := sqltext.NewClassifier()
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			s := mustServer(t, tt.version)
			q, err := digestSQL(s, DigestQuery{OrderBy: dba.OrderRowsExamined, Limit: 5, NoIndex: true, ExcludeOwn: true}, 3)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(q, "QUERY_SAMPLE_TEXT AS query_sample_text") && strings.Contains(q, "QUANTILE_95"); got != tt.samples {
				t.Errorf("sample columns %v, want %v", got, tt.samples)
			}
			if got := strings.Contains(q, "SUM_CPU_TIME"); got != tt.cpu {
				t.Errorf("SUM_CPU_TIME %v, want %v", got, tt.cpu)
			}
			if !strings.Contains(q, tt.ownInSQL) {
				t.Errorf("own filter lacks %q:\n%s", tt.ownInSQL, q)
			}
			// Ordered by the server, then limited: the LIMIT is the last clause.
			order := strings.Index(q, "ORDER BY SUM_ROWS_EXAMINED DESC, SUM_TIMER_WAIT DESC, SCHEMA_NAME, DIGEST")
			if order < 0 || !strings.HasSuffix(q, "\n LIMIT ?") || strings.Index(q, "LIMIT ?") < order {
				t.Errorf("not ORDER BY ... LIMIT ?:\n%s", q)
			}
			if !strings.Contains(q, "(SUM_NO_INDEX_USED + SUM_NO_GOOD_INDEX_USED) > 0") {
				t.Errorf("no-index filter missing:\n%s", q)
			}
			for _, stmt := range []string{q, digestLostSQL(s), digestTotalsSQL, digestSettingsSQL, digestTag + consumersSQL, digestHistorySQL} {
				if !strings.HasPrefix(stmt, "/* mydba:top */ SELECT") {
					t.Errorf("untagged: %.60q", stmt)
				}
				if cl := c.Classify(stmt); !cl.IsRead() {
					t.Errorf("not a read (%+v): %.80q", cl, stmt)
				}
			}
			if q0, _ := digestSQL(s, DigestQuery{ExcludeOwn: true}, 0); strings.Contains(q0, "NOT IN") {
				t.Errorf("an empty list of own digests gave %s", q0)
			}
			all, err := digestSQL(s, DigestQuery{}, 3)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(all, "LIMIT") || strings.Contains(all, "mydba:%") || !strings.Contains(all, "ORDER BY SUM_TIMER_WAIT DESC, SCHEMA_NAME, DIGEST") {
				t.Errorf("whole-table read:\n%s", all)
			}
		})
	}
}

func TestDigestOrderExpr(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range dba.DigestOrders() {
		expr, err := digestOrderExpr(o)
		if err != nil || expr == "" {
			t.Errorf("%s: %q %v", o, expr, err)
		}
		if seen[expr] {
			t.Errorf("%s: expression %q used twice", o, expr)
		}
		seen[expr] = true
	}
	if _, err := digestOrderExpr("bogus; DROP TABLE x"); !errors.Is(err, dba.ErrInvalid) {
		t.Errorf("unknown order: %v", err)
	}
	if _, err := digestSQL(mustServer(t, "8.0.36"), DigestQuery{OrderBy: "rows"}, 0); !errors.Is(err, dba.ErrInvalid) {
		t.Errorf("digestSQL accepted an unknown order: %v", err)
	}
}

// TestDecodeDigestFixtures decodes rows of the digest summary captured on
// MariaDB and published from MySQL 8 (testdata/digest/README.md).
func TestDecodeDigestFixtures(t *testing.T) {
	type decoded struct {
		Digest  dba.Digest         `json:"digest"`
		Example *dba.DigestExample `json:"example"`
	}
	for _, name := range []string{"mariadb-10.11-summary", "mysql-8.0-summary", "mysql-8.0.31-summary"} {
		t.Run(name, func(t *testing.T) {
			rows := loadBatchTSV(t, filepath.Join("testdata", "digest", name+".tsv"))
			if len(rows) == 0 {
				t.Fatal("no rows")
			}
			var out []decoded
			for _, r := range rows {
				d, ex := decodeDigest(r, 1024)
				if d.Digest == "" || d.Count == 0 || d.TotalTime <= 0 || d.FirstSeen.IsZero() || d.LastSeen.Before(d.FirstSeen) {
					t.Errorf("implausible decode %+v", d)
				}
				// AVG_TIMER_WAIT is the server's own SUM/COUNT.
				if avg := d.DigestCounters.AvgTime(); d.AvgTime < avg-time.Microsecond || d.AvgTime > avg+time.Microsecond {
					t.Errorf("avg %v, SUM/COUNT %v", d.AvgTime, avg)
				}
				out = append(out, decoded{d, ex})
			}
			digestGolden(t, filepath.Join("testdata", "digest", name+".golden.json"), out)
		})
	}
}

func TestDecodeDigestTotals(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		row  catalogRow
		want dba.DigestTotals
	}{
		{"sums", catalogRow{"digests": s("3"), "count_star": s("120"), "sum_timer_wait": s("5000000000")}, dba.DigestTotals{Digests: 3, Count: 120, TotalTime: 5 * time.Millisecond}},
		// 300 days of latency in picoseconds does not fit 64 bits.
		{"past 64 bits", catalogRow{"digests": s("1"), "count_star": s("7"), "sum_timer_wait": s("25920000000000000000")}, dba.DigestTotals{Digests: 1, Count: 7, TotalTime: 300 * 24 * time.Hour}},
		{"empty table", catalogRow{"digests": s("0"), "count_star": nil, "sum_timer_wait": nil}, dba.DigestTotals{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, decodeDigestTotals(tt.row)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNumberParsers(t *testing.T) {
	u := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"18446744073709551615", math.MaxUint64, true}, {"12.000000", 12, true},
		{"", 0, false}, {"-1", 0, false}, {"18446744073709551616", 0, false}, {"abc", 0, false}, {" 42 ", 42, true},
	}
	for _, tt := range u {
		got, ok := parseUint(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseUint(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	d := []struct {
		in   string
		div  int64
		want uint64
		ok   bool
	}{
		{"1000", 1000, 1, true}, {"999", 1000, 0, true}, {"100000000000000000000000000000", 1000, math.MaxUint64, true},
		{"12.5", 1, 12, true}, {"", 1, 0, false}, {"-5", 1, 0, false}, {"x", 1, 0, false},
	}
	for _, tt := range d {
		got, ok := decimalDiv(tt.in, tt.div)
		if got != tt.want || ok != tt.ok {
			t.Errorf("decimalDiv(%q, %d) = %d, %v; want %d, %v", tt.in, tt.div, got, ok, tt.want, tt.ok)
		}
	}
	tm := []struct {
		in   string
		want time.Time
	}{
		{"1700000000", time.Unix(1700000000, 0).UTC()},
		{"1700000000.123456", time.Unix(1700000000, 123456000).UTC()},
		{"1700000000.5", time.Unix(1700000000, 500000000).UTC()},
		{"0", time.Time{}}, {"", time.Time{}}, {"junk", time.Time{}}, {"-5", time.Time{}},
	}
	for _, tt := range tm {
		if got := unixTime(tt.in); !got.Equal(tt.want) {
			t.Errorf("unixTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got := psToDuration(math.MaxUint64); got != time.Duration(math.MaxUint64/1000) {
		t.Errorf("psToDuration(max) = %v", got)
	}
}

func TestPickExamples(t *testing.T) {
	dur := func(d time.Duration) *time.Duration { return &d }
	k := dba.DigestKey{Schema: "shop", Digest: "d1"}
	k2 := dba.DigestKey{Schema: "", Digest: "d2"}
	tests := []struct {
		name    string
		samples []digestSample
		maxText int
		want    map[dba.DigestKey]pickedExample
	}{
		{"slowest user statement wins over faster ones and mydba's", []digestSample{
			{key: k, source: sourceHistory, text: "SELECT 1 FROM t WHERE a = 1", wait: dur(time.Millisecond)},
			{key: k, source: sourceHistoryLong, text: "SELECT 1 FROM t WHERE a = 2", wait: dur(3 * time.Millisecond)},
			{key: k, source: sourceHistoryLong, text: "/* mydba:query */ SELECT 1 FROM t WHERE a = 3", wait: dur(time.Second)},
		}, 1024, map[dba.DigestKey]pickedExample{k: {example: dba.DigestExample{Text: "SELECT 1 FROM t WHERE a = 2", Source: sourceHistoryLong, Duration: dur(3 * time.Millisecond)}}}},
		{"all mydba's: own", []digestSample{
			{key: k2, source: sourceHistory, text: "/* mydba:session */ SET SESSION TRANSACTION READ ONLY"},
		}, 1024, map[dba.DigestKey]pickedExample{k2: {own: true, example: dba.DigestExample{Text: "/* mydba:session */ SET SESSION TRANSACTION READ ONLY", Source: sourceHistory}}}},
		{"tie broken by source, then text; long text flagged", []digestSample{
			{key: k, source: sourceHistory, text: strings.Repeat("x", 20), wait: dur(time.Millisecond)},
			{key: k, source: sourceHistoryLong, text: strings.Repeat("y", 20), wait: dur(time.Millisecond)},
		}, 20, map[dba.DigestKey]pickedExample{k: {example: dba.DigestExample{Text: strings.Repeat("y", 20), Source: sourceHistoryLong, Duration: dur(time.Millisecond), Truncated: true}}}},
		{"none", nil, 1024, map[dba.DigestKey]pickedExample{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pickExamples(tt.samples, tt.maxText)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(pickedExample{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOwnDigests(t *testing.T) {
	s := func(schema, digest, text string) digestSample {
		return digestSample{key: dba.DigestKey{Schema: schema, Digest: digest}, text: text}
	}
	got := ownDigests([]digestSample{
		s("a", "d1", "/* mydba:query-stats */ SELECT @@warning_count"), s("b", "d1", "/* mydba:query-stats */ SELECT @@warning_count"),
		s("a", "d2", "/* mydba:session */ SELECT CONNECTION_ID()"), s("", "d2", "SELECT CONNECTION_ID()"),
		s("a", "d3", "SELECT 1"),
		s("", "d0", "/* mydba:connect */ SELECT @@version"),
	})
	if diff := cmp.Diff([]string{"d0", "d1"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// FuzzDecodeDigest feeds arbitrary rows to the digest decoder: it must
// never panic, never produce a negative duration, and keep an example only
// when there is text.
func FuzzDecodeDigest(f *testing.F) {
	for _, name := range []string{"mariadb-10.11-summary", "mysql-8.0.31-summary"} {
		b, err := os.ReadFile(filepath.Join("testdata", "digest", name+".tsv"))
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.SplitN(string(b), "\n", 3)
		f.Add(lines[0], lines[1])
	}
	f.Add("count_star\tsum_timer_wait\tfirst_seen", "-1\t99999999999999999999999\t1e99")
	f.Add("query_sample_text\tquery_sample_timer_wait", "\t")
	f.Fuzz(func(t *testing.T, header, line string) {
		rows := parseBatchTSV(bufio.NewScanner(strings.NewReader(header + "\n" + line + "\n")))
		for _, r := range rows {
			d, ex := decodeDigest(r, 10)
			for _, v := range []time.Duration{d.TotalTime, d.LockTime, d.MinTime, d.AvgTime, d.MaxTime} {
				if v < 0 {
					t.Fatalf("negative duration in %+v", d)
				}
			}
			if ex != nil && ex.Text == "" {
				t.Fatal("example without text")
			}
			_ = decodeDigestTotals(r)
		}
	})
}

// leastPrivDB is mydba's pool as the sandbox's least-privilege user.
func leastPrivDB(t *testing.T) *DB {
	t.Helper()
	return open(t, params(dbtest.LeastPriv(t)))
}

// TestDigestsLive runs a statement of its own a known number of times and
// finds it in the digest summary: counted, with an example from the
// statement history, not taken for mydba's own; a digest all of whose
// statements carry mydba's tag is left out unless asked for.
func TestDigestsLive(t *testing.T) {
	admin := dbtest.Admin(t)
	schema := fmt.Sprintf("t_top_live_%d", time.Now().UnixNano()%1e9)
	dbtest.Exec(t, admin, "CREATE DATABASE "+schema, "CREATE TABLE "+schema+".items (id INT PRIMARY KEY, v INT)",
		"INSERT INTO "+schema+".items VALUES (1, 10), (2, 20), (3, 30)")
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP DATABASE IF EXISTS "+schema) })
	conn, err := admin.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "USE "+schema); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		// No index on v: every run scans the table.
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("SELECT id FROM items WHERE v = %d", i*10)); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("/* mydba:test */ SELECT id, v FROM items WHERE id = %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	db := leastPrivDB(t)
	find := func(r DigestReading, text string) (dba.Digest, bool) {
		for _, d := range r.Digests {
			if d.Schema == schema && strings.HasPrefix(d.Text, text) {
				return d, true
			}
		}
		return dba.Digest{}, false
	}
	r, err := db.Digests(ctx, DigestQuery{OrderBy: dba.OrderTotalTime, ExcludeOwn: true, Examples: true})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := find(r, "SELECT ID FROM `items` WHERE `v` = ?")
	if !ok {
		t.Fatalf("the test's digest is not listed among %d", len(r.Digests))
	}
	if d.Count != 7 || d.RowsExamined != 21 || d.NoIndexUsed != 7 || d.RowsSent != 3 {
		t.Errorf("counters %+v", d.DigestCounters)
	}
	ex, ok := r.Examples[d.Key()]
	if !ok || !strings.HasPrefix(ex.Text, "SELECT id FROM items WHERE v = ") || ex.Source == "" || r.Own[d.Key()] {
		t.Errorf("example %+v (found %v), own %v", ex, ok, r.Own[d.Key()])
	}
	if _, ok := find(r, "SELECT ID , `v` FROM `items` WHERE ID = ?"); ok {
		t.Error("a digest whose statements all carry mydba's tag was listed although own statements are excluded")
	}
	if r.Uptime <= 0 || r.Totals.Digests < len(r.Digests) || r.Totals.TotalTime <= 0 {
		t.Errorf("uptime %v totals %+v for %d rows", r.Uptime, r.Totals, len(r.Digests))
	}
	withOwn, err := db.Digests(ctx, DigestQuery{OrderBy: dba.OrderTotalTime, Examples: true})
	if err != nil {
		t.Fatal(err)
	}
	if own, ok := find(withOwn, "SELECT ID , `v` FROM `items` WHERE ID = ?"); !ok || !withOwn.Own[own.Key()] {
		t.Errorf("own digest listed %v, marked own %v", ok, withOwn.Own[own.Key()])
	}

	// The top N by each order are the first N of the whole table sorted
	// by that order: the server sorted before it limited.
	for _, o := range []dba.DigestOrder{dba.OrderCount, dba.OrderRowsExamined, dba.OrderNoIndex} {
		top, err := db.Digests(ctx, DigestQuery{OrderBy: o, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(top.Digests) != 5 {
			t.Fatalf("%s: %d rows, want 5", o, len(top.Digests))
		}
		key := func(d dba.Digest) uint64 {
			switch o {
			case dba.OrderCount:
				return d.Count
			case dba.OrderRowsExamined:
				return d.RowsExamined
			}
			return d.NoIndexUsed + d.NoGoodIndexUsed
		}
		if !sort.SliceIsSorted(top.Digests, func(i, j int) bool { return key(top.Digests[i]) > key(top.Digests[j]) }) {
			t.Errorf("%s: not sorted", o)
		}
		// Counters only grow: the 5th of the top read first is at least the
		// 6th of the whole table read after it, sorted the same way.
		all, err := db.Digests(ctx, DigestQuery{OrderBy: o})
		if err != nil {
			t.Fatal(err)
		}
		if len(all.Digests) > 5 && key(all.Digests[5]) > key(top.Digests[4])+1000 {
			t.Errorf("%s: the 6th row of the whole table (%d) beats the 5th of the top (%d): the LIMIT came before the sort", o, key(all.Digests[5]), key(top.Digests[4]))
		}
	}
}

// TestDigestsNoPrivilege: a user who may not read performance_schema gets
// the GRANT to ask for, as an access error.
func TestDigestsNoPrivilege(t *testing.T) {
	admin := dbtest.Admin(t)
	p := params(dbtest.Primary(t))
	user := fmt.Sprintf("t_top_nopriv_%d", time.Now().UnixNano()%1e6)
	dbtest.Exec(t, admin, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'np-pw'", "GRANT SELECT ON shop.* TO '"+user+"'@'%'")
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP USER IF EXISTS '"+user+"'@'%'") })
	p.Target.User, p.Password = user, "np-pw"
	db := open(t, p)
	_, err := db.Digests(context.Background(), DigestQuery{Limit: 5})
	if !errors.Is(err, dba.ErrAuth) || !strings.Contains(err.Error(), "GRANT SELECT ON performance_schema.* TO '"+user+"'@'%';") {
		t.Errorf("error %v, want the GRANT to ask for", err)
	}
	_, err = db.ProfilingReadiness(context.Background(), ProfileOptions{})
	if !errors.Is(err, dba.ErrAuth) || !strings.Contains(err.Error(), "GRANT SELECT ON performance_schema.*") {
		t.Errorf("profile readiness error %v", err)
	}
}

// instanceDB is mydba's pool on a private instance, as a user with every
// privilege (root over TCP is shadowed by the install's passwordless
// root@127.0.0.1).
func instanceDB(t *testing.T, inst *dbtest.Instance) *DB {
	t.Helper()
	inst.SQL(t, "CREATE USER IF NOT EXISTS 't_pfs'@'%' IDENTIFIED BY 't-pfs-pw'; GRANT ALL ON *.* TO 't_pfs'@'%';")
	return open(t, adapter.ConnectParams{Target: dba.Target{Host: "127.0.0.1", Port: inst.Port, User: "t_pfs"}, Password: "t-pfs-pw",
		ConnectTimeout: 5 * time.Second, CallTimeout: 10 * time.Second})
}

// TestDigestsDisabled: performance_schema OFF, and the digest consumer off
// with an empty table, are errors naming the setting.
func TestDigestsDisabled(t *testing.T) {
	t.Run("performance_schema OFF", func(t *testing.T) {
		inst := dbtest.StartInstance(t, dbtest.InstanceOptions{})
		db := instanceDB(t, inst)
		_, err := db.Digests(context.Background(), DigestQuery{Limit: 5})
		if err == nil || !strings.Contains(err.Error(), "performance_schema is OFF") || !strings.Contains(err.Error(), "performance_schema=ON") {
			t.Errorf("error %v", err)
		}
		r, err := db.ProfilingReadiness(context.Background(), ProfileOptions{})
		if err != nil || len(r.Gaps) != 1 || r.Gaps[0].Kind != "performance_schema" || r.Gaps[0].Fixable {
			t.Errorf("readiness %+v, %v", r.Gaps, err)
		}
	})
	t.Run("consumer statements_digest NO", func(t *testing.T) {
		inst := dbtest.StartInstance(t, dbtest.InstanceOptions{ExtraConfig: []string{"performance_schema=ON", "performance-schema-consumer-statements-digest=OFF"}})
		db := instanceDB(t, inst)
		_, err := db.Digests(context.Background(), DigestQuery{Limit: 5})
		if err == nil || !strings.Contains(err.Error(), "consumer statements_digest is NO") || !strings.Contains(err.Error(), "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = 'statements_digest'") {
			t.Errorf("error %v", err)
		}
		// Rows collected before the consumer went off are still listed,
		// with a note that they stopped.
		inst.SQL(t, "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = 'statements_digest'; SELECT 1;")
		inst.SQL(t, "UPDATE performance_schema.setup_consumers SET ENABLED = 'NO' WHERE NAME = 'statements_digest'")
		r, err := db.Digests(context.Background(), DigestQuery{Limit: 5})
		if err != nil || len(r.Digests) == 0 || len(r.Notes) == 0 || !strings.Contains(r.Notes[0], "not being updated") {
			t.Errorf("digests %d notes %q err %v", len(r.Digests), r.Notes, err)
		}
		// Collected but empty: new sessions are not instrumented (so the
		// TRUNCATE and mydba's own reads leave no row), the table is
		// emptied, and a fresh pool reads it.
		inst.SQL(t, "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = 'statements_digest'; UPDATE performance_schema.setup_actors SET ENABLED = 'NO', HISTORY = 'NO';")
		inst.SQL(t, "TRUNCATE TABLE performance_schema.events_statements_summary_by_digest")
		r, err = instanceDB(t, inst).Digests(context.Background(), DigestQuery{Limit: 5, ExcludeOwn: true, Examples: true})
		if err != nil || len(r.Digests) != 0 || r.Totals.Digests != 0 || !strings.Contains(strings.Join(r.Notes, " "), "the digest table is empty") {
			t.Errorf("empty table: digests %d totals %+v notes %q err %v", len(r.Digests), r.Totals, r.Notes, err)
		}
	})
}
