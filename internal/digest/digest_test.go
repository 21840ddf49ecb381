package digest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/parse"
	"github.com/mydba/mydba/internal/sqltext"
)

var update = flag.Bool("update", false, "rewrite golden files")

const fixtureDir = "../parse/testdata/slowlog"

func fixtures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.log"))
	if err != nil || len(files) < 10 {
		t.Fatalf("fixtures: %v (%d)", err, len(files))
	}
	return files
}

func inputs(t testing.TB, paths ...string) []Input {
	t.Helper()
	var ins []Input
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, Input{Name: filepath.Base(p), R: bytes.NewReader(b), Size: int64(len(b))})
	}
	return ins
}

func run(t testing.TB, o Options, paths ...string) *dba.SlowLogDigest {
	t.Helper()
	if o.Location == nil {
		o.Location = time.UTC
	}
	d, err := Run(context.Background(), inputs(t, paths...), o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

// TestDigestGolden digests every fixture as one run of many files.
func TestDigestGolden(t *testing.T) {
	d := run(t, Options{Workers: 2, ChunkBytes: 1024}, fixtures(t)...)
	if d.Events != 125 || len(d.Files) != 16 {
		t.Errorf("%d events in %d files", d.Events, len(d.Files))
	}
	golden(t, "all-fixtures", d)
}

// parsedEvent is what an oracle sees of an event.
type parsedEvent struct {
	db, user, fp string
	qt           float64
	fullScan     bool
	t            time.Time
}

// parsedFixtures reads every fixture event with the parser alone, for
// oracles independent of the aggregator.
func parsedFixtures(t *testing.T) []parsedEvent {
	t.Helper()
	var out []parsedEvent
	for _, in := range inputs(t, fixtures(t)...) {
		_, err := parse.ReadSlowLog(in.R, time.UTC, func(e *parse.SlowEvent) {
			qt, _ := e.Value(parse.SlowQueryTime)
			fs, _ := e.Value(parse.SlowFullScan)
			out = append(out, parsedEvent{db: string(e.DB), user: string(e.User), fp: sqltext.Fingerprint(string(e.Query)), qt: qt, fullScan: fs == 1, t: e.Time})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestDigestOptions checks each selection against an oracle that filters
// the parsed events directly.
func TestDigestOptions(t *testing.T) {
	mustFilter := func(s string) Filter {
		f, err := ParseFilter(s)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	events := parsedFixtures(t)
	if len(events) != 125 {
		t.Fatalf("%d fixture events, want 125", len(events))
	}
	since := time.Date(2024, 5, 10, 0, 0, 0, 0, time.UTC)
	until := time.Date(2024, 5, 16, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		o      Options
		oracle func(parsedEvent) bool
	}{
		{name: "all", oracle: func(parsedEvent) bool { return true }},
		{name: "top 3", o: Options{Top: 3}, oracle: func(parsedEvent) bool { return true }},
		{name: "db", o: Options{Filters: []Filter{mustFilter("db=shop")}}, oracle: func(e parsedEvent) bool { return e.db == "shop" }},
		{name: "user and time", o: Options{Filters: []Filter{mustFilter("user=msandbox"), mustFilter("query_time>=0.0002")}},
			oracle: func(e parsedEvent) bool { return e.user == "msandbox" && e.qt >= 0.0002 }},
		{name: "fingerprint regexp", o: Options{Filters: []Filter{mustFilter("fingerprint~^update ")}}, oracle: func(e parsedEvent) bool { return strings.HasPrefix(e.fp, "update ") }},
		{name: "id prefix", o: Options{Filters: []Filter{mustFilter("id=59A74D08")}}, oracle: func(e parsedEvent) bool { return e.fp == "select sleep(?)" }},
		{name: "full scan", o: Options{Filters: []Filter{mustFilter("full_scan=yes")}}, oracle: func(e parsedEvent) bool { return e.fullScan }},
		{name: "since until", o: Options{Since: since, Until: until}, oracle: func(e parsedEvent) bool {
			return e.t.IsZero() || !e.t.Before(since) && e.t.Before(until)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want int64
			fps := map[string]bool{}
			for _, e := range events {
				if tt.oracle(e) {
					want++
					fps[e.fp] = true
				}
			}
			if want == 0 || (tt.name != "all" && tt.name != "top 3" && want == int64(len(events))) {
				t.Fatalf("oracle selects %d of %d events: not a useful case", want, len(events))
			}
			d := run(t, tt.o, fixtures(t)...)
			if d.Events != want || d.ClassCount != len(fps) || d.EventsRead != int64(len(events)) {
				t.Errorf("events %d of %d, classes %d; want %d of %d, %d", d.Events, d.EventsRead, d.ClassCount, want, len(events), len(fps))
			}
			if tt.o.Top > 0 && len(d.Classes) != tt.o.Top {
				t.Errorf("%d classes reported, want top %d", len(d.Classes), tt.o.Top)
			}
			var sum int64
			for i, c := range d.Classes {
				sum += c.Count
				if !fps[c.Fingerprint] {
					t.Errorf("class %q is not selected", c.Fingerprint)
				}
				if i > 0 && c.QueryTime.Sum > d.Classes[i-1].QueryTime.Sum {
					t.Errorf("rank %d has more time than rank %d", c.Rank, c.Rank-1)
				}
			}
			if tt.o.Top == 0 && sum != d.Events {
				t.Errorf("classes hold %d events, want %d", sum, d.Events)
			}
		})
	}
}

// TestClassLimit: past the limit, new fingerprints count in the totals and
// the overflow, not in classes.
func TestClassLimit(t *testing.T) {
	all := run(t, Options{}, fixtures(t)...)
	d := run(t, Options{MaxClasses: 5}, fixtures(t)...)
	var sum int64
	for _, c := range d.Classes {
		sum += c.Count
	}
	if d.ClassCount != 5 || d.Events != all.Events || sum+d.Overflow.Events != d.Events || d.Overflow.Events == 0 {
		t.Errorf("classes %d, events %d (all %d), in classes %d, overflow %d", d.ClassCount, d.Events, all.Events, sum, d.Overflow.Events)
	}
	if len(d.Notes) == 0 || !strings.Contains(d.Notes[len(d.Notes)-1], "class limit of 5 reached") {
		t.Errorf("notes %q", d.Notes)
	}
}

// TestRunEqualsSequential: the parallel pipeline, whatever its chunk size
// and worker count, gives the digest one sequential pass gives.
func TestRunEqualsSequential(t *testing.T) {
	files := fixtures(t)
	agg := NewAggregator(Options{Location: time.UTC})
	for _, in := range inputs(t, files...) {
		agg.StartFile(in.Name, in.Size, false)
		st, err := parse.ReadSlowLog(in.R, time.UTC, func(e *parse.SlowEvent) {
			// ReadSlowLog applies inheritance itself; Add applies it
			// again, which changes nothing.
			agg.Add(e, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		agg.AddParseStats(st)
		agg.EndFile(in.Size, 0)
	}
	want := agg.Report()
	for _, workers := range []int{1, 2, 7} {
		for _, chunk := range []int{200, 4096, 1 << 20} {
			got := run(t, Options{Workers: workers, ChunkBytes: chunk}, files...)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("workers %d chunk %d (-sequential +parallel):\n%s", workers, chunk, d)
			}
		}
	}
}

// ptExplained are the differences from pt-query-digest 3.2.1 on the
// fixtures that docs/digest.md explains: keys are prefixes of
// PTComparable fingerprints, values the counts (mydba, pt-query-digest).
var ptExplained = map[string]map[string][2]int{
	// pt joins the statement before MariaDB's start-up banner, the banner
	// and the first statement after it into one event.
	"mariadb-10.11-restart": {
		"do ?": {2, 1},
		"select schema_name from information_schema.schemata where schema_name like ?":                     {1, 0},
		"select schema_name from information_schema.schemata where schema_name like ?; /usr/sbin/mariadbd": {0, 1},
	},
	// A string holding ";\n# Time: ..." ends pt's event there, and pt then
	// reads the next three events as one.
	"mariadb-10.11-session": {
		"(quotes left over) select 'a": {0, 1},
		"select ? as tricky":           {1, 0},
		"call customer_order_stats":    {1, 0},
		"select count(*) from orders o join customers c on c.id = o.customer_id where c.country = ? and o.status = ?": {1, 0},
		"select * from customers where id in (select customer_id from orders where total > ?) limit ?":                {1, 0},
	},
	// A string holding ";\n#" ends pt's event there.
	"mariadb-10.11-verbosity-engine": {
		"select * from t where v = ?": {1, 0},
	},
	// A database name with a line break (MySQL bug #115526) breaks pt's
	// reading of the headers.
	"multiline-schema-jfg": {
		"select sleep(?), t.* from t":                       {3, 0},
		"jfg; set timestamp=?; select sleep(?), t.* from t": {0, 1},
	},
}

type ptClasses struct {
	Classes []struct {
		ID          string `json:"id"`
		Count       int    `json:"count"`
		Fingerprint string `json:"fingerprint"`
	} `json:"classes"`
}

// TestSameClassesAsPtQueryDigest compares each fixture's classes with
// pt-query-digest's, captured in testdata/pt-query-digest: same query IDs
// and counts, except where the fingerprints deliberately differ (compared
// through PTComparable) and the explained parse differences above.
func TestSameClassesAsPtQueryDigest(t *testing.T) {
	for _, path := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".log")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "pt-query-digest", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var pt ptClasses
			if err := json.Unmarshal(b, &pt); err != nil {
				t.Fatal(err)
			}
			d := run(t, Options{}, path)
			key := NewPTComparer().Key
			sameID := 0
			counts := map[string][2]int{}
			for _, c := range d.Classes {
				k := key(c.Fingerprint)
				v := counts[k]
				v[0] += int(c.Count)
				counts[k] = v
			}
			for _, c := range pt.Classes {
				k := key(c.Fingerprint)
				v := counts[k]
				v[1] += c.Count
				counts[k] = v
				for _, m := range d.Classes {
					if m.ID == c.ID && int(m.Count) == c.Count {
						sameID++
					}
				}
			}
			explained := ptExplained[name]
			used := map[string]bool{}
			for k, v := range counts {
				if v[0] == v[1] {
					continue
				}
				ok := false
				for prefix, want := range explained {
					if strings.HasPrefix(k, prefix) && want == v {
						ok, used[prefix] = true, true
						break
					}
				}
				if !ok {
					t.Errorf("class %q: mydba %d, pt-query-digest %d events", k, v[0], v[1])
				}
			}
			for prefix := range explained {
				if !used[prefix] {
					t.Errorf("explained difference %q did not occur", prefix)
				}
			}
			t.Logf("%d of %d pt-query-digest classes have the same query ID and count", sameID, len(pt.Classes))
		})
	}
}

func TestPTComparable(t *testing.T) {
	tests := []struct{ mydba, pt string }{
		{"select c1 from t2", "select c? from t?"},
		{"select total-? from t", "select total? from t"},
		{"update products set stock = stock - ? where id = ?", "update products set stock = stock ? ? where id = ?"},
		{"select * from t where h = ? or b = ?", "select * from t where h = ?f or b = x?"},
		{"select * from t where name = ?", "select * from t where name = ??"},
		{"select * from (select * from t limit ?) x limit ?", "select * from (select * from t limit ?) x limit ?, ?"},
		{"create database shop character set utf8mb4", "create database shop character set utf?m?"},
		{"update db2.tuningdetail_21_265507 n set x = ?", "update d?tuningdetail_?_? n set x = ?"},
		{"select * from `café` where id = ?", "select * from `cafã©` where id = ?"},
		{"call  p", "call p"},
		{"select convert(? using filename) enc", "select convert(_utf?m??? using filename) enc"},
		{"select ?, ?", "select _binary?, _latin??"},
		{"show create view `x`.`v 'odd'`", "show create view `x`.`v ?`"},
		{"insert into t values(?+), (?, repeat(?, ?))", "insert into t values(?+)"},
		{"insert into t values(?+)", "insert into t values (?, ?ff?)"},
		{"explain select a from t union all select a from t", "explain select a from t /*repeat union all*/"},
		{"use ?", "use shop"},
	}
	for _, tt := range tests {
		if a, b := PTComparable(tt.mydba), PTComparable(tt.pt); a != b {
			t.Errorf("PTComparable(%q) = %q, PTComparable(%q) = %q", tt.mydba, a, tt.pt, b)
		}
	}
	if PTComparable("select a from t") == PTComparable("select b from t") {
		t.Error("different statements compare equal")
	}
}

func TestSampleIsSlowestAndBounded(t *testing.T) {
	var log strings.Builder
	for i, qt := range []string{"0.5", "2.25", "1.0"} {
		fmt.Fprintf(&log, "# User@Host: app[app] @ web%d []\n# Query_time: %s  Lock_time: 0 Rows_sent: 1  Rows_examined: 1\nSELECT '%d%s';\n", i, qt, i, strings.Repeat("x", 100))
	}
	d, err := Run(context.Background(), []Input{{Name: "s.log", R: strings.NewReader(log.String())}}, Options{MaxSampleBytes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Classes) != 1 {
		t.Fatalf("%d classes", len(d.Classes))
	}
	s := d.Classes[0].Sample
	if s.QueryTime != 2.25 || s.Host != "web1" || s.Query != "SELECT '1xxxxxxxxxxx" || !s.Truncated {
		t.Errorf("sample %+v", s)
	}
	hosts := d.Classes[0].Hosts
	if len(hosts) != 3 {
		t.Errorf("hosts %+v", hosts)
	}
}

func TestValuesAreCapped(t *testing.T) {
	var log strings.Builder
	for i := range 40 {
		fmt.Fprintf(&log, "# User@Host: u%d[u%d] @ h []\n# Query_time: 1\nSELECT 1;\n", i%20, i%20)
	}
	d, err := Run(context.Background(), []Input{{Name: "s.log", R: strings.NewReader(log.String())}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Classes[0]
	if len(c.Users) != maxValues || c.UsersOther != 8 || c.Users[0].Count != 2 {
		t.Errorf("users %d, other %d", len(c.Users), c.UsersOther)
	}
	if !slices.IsSortedFunc(c.Users, func(a, b dba.SlowLogValue) int { return int(b.Count - a.Count) }) {
		t.Errorf("users not sorted: %+v", c.Users)
	}
}

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		notes []string
	}{
		{name: "empty", in: ""},
		{name: "binary", in: "\x7fELF\x02\x01\x01\x00\x00\x00\n\x00\x00\x00\x00\nGET / HTTP/1.1\n", notes: []string{
			"x: no slow-log events in 31 bytes: is it a slow query log?",
			"x: skipped 3 lines (31 bytes) outside any event: binary garbage or text that is not a slow log"}},
		{name: "truncated", in: "# Time: 241126 10:14:59\n# User@Host: a[a] @ h []\n# Query_time: 1", notes: []string{
			"x: no slow-log events in 64 bytes: is it a slow query log?",
			"x: 1 event with headers but no statement (truncated file, garbage or a server restart)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Run(context.Background(), []Input{{Name: "x", R: strings.NewReader(tt.in)}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Events != 0 || len(d.Classes) != 0 {
				t.Errorf("events %d classes %d", d.Events, len(d.Classes))
			}
			if diff := cmp.Diff(tt.notes, d.Notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, []Input{{Name: "x", R: &repeatReader{chunk: []byte("# User@Host: a[a] @ h []\nSELECT 1;\n"), left: 1 << 30}}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("err = %v", err)
	}
}
