package parse

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The plan parser's tests in this package may define -update too (they sort
// first, so their definition wins); slowlog tests read it by name.
var _ = defineSlowUpdateFlag()

func defineSlowUpdateFlag() bool {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
	return true
}

func slowUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// slowEventJSON is an event as the golden files show it.
type slowEventJSON struct {
	Offset   int64              `json:"offset"`
	Time     string             `json:"time,omitempty"`
	DB       string             `json:"db,omitempty"`
	DBLogged bool               `json:"db_logged,omitempty"`
	User     string             `json:"user,omitempty"`
	Host     string             `json:"host,omitempty"`
	ThreadID uint64             `json:"thread_id,omitempty"`
	Admin    bool               `json:"admin,omitempty"`
	Query    string             `json:"query"`
	Attrs    map[string]float64 `json:"attrs,omitempty"`
	Explain  string             `json:"explain,omitempty"`
}

type slowGolden struct {
	Events []slowEventJSON `json:"events"`
	Stats  SlowLogStats    `json:"stats"`
}

func slowToJSON(e *SlowEvent) slowEventJSON {
	j := slowEventJSON{
		Offset: e.Offset, DB: string(e.DB), DBLogged: e.DBLogged, User: string(e.User), Host: string(e.Host),
		ThreadID: e.ThreadID, Admin: e.Admin, Query: string(e.Query), Explain: e.ExplainText(),
	}
	if !e.Time.IsZero() {
		j.Time = e.Time.UTC().Format(time.RFC3339Nano)
	}
	e.Attrs(func(a SlowAttr, v float64) {
		if j.Attrs == nil {
			j.Attrs = map[string]float64{}
		}
		j.Attrs[a.String()] = v
	})
	return j
}

// slowReadAll parses data in one pass (inheritance applied).
func slowReadAll(t testing.TB, data []byte) slowGolden {
	t.Helper()
	var g slowGolden
	st, err := ReadSlowLog(bytes.NewReader(data), time.UTC, func(e *SlowEvent) { g.Events = append(g.Events, slowToJSON(e)) })
	if err != nil {
		t.Fatal(err)
	}
	g.Stats = st
	return g
}

// slowReadChunked parses data cut by a chunker of the given size, each chunk
// with a fresh parser, as the digest workers do.
func slowReadChunked(t testing.TB, data []byte, chunk, maxEvent int) slowGolden {
	t.Helper()
	var g slowGolden
	ch := NewSlowLogChunker(iotest.HalfReader(bytes.NewReader(data)), chunk, maxEvent)
	var inh SlowInherit
	var buf []byte
	for {
		c, off, err := ch.Next(buf)
		if errors.Is(err, io.EOF) {
			g.Stats.Add(ch.Stats())
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var p SlowLogParser
		p.Location = time.UTC
		p.Parse(c, off, func(e *SlowEvent) {
			inh.Apply(e)
			g.Events = append(g.Events, slowToJSON(e))
		})
		g.Stats.Add(p.Stats)
		buf = c
	}
	return g
}

func slowFixtures(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/slowlog/*.log")
	if err != nil || len(files) < 10 {
		t.Fatalf("fixtures: %v (%d files)", err, len(files))
	}
	return files
}

func TestSlowLogGolden(t *testing.T) {
	for _, path := range slowFixtures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := slowReadAll(t, data)
			if len(got.Events) == 0 {
				t.Fatal("no events")
			}
			golden := strings.TrimSuffix(path, ".log") + ".golden.json"
			if slowUpdating() {
				b, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			var want slowGolden
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("events differ from %s (-want +got):\n%s", golden, d)
			}
		})
	}
}

// TestSlowLogChunkedEqualsWhole is the property the parallel digest rests
// on: cutting a log into chunks changes nothing.
func TestSlowLogChunkedEqualsWhole(t *testing.T) {
	var all []byte
	for _, path := range slowFixtures(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, data...)
		for _, size := range []int{1, 64, 300, 4096} {
			whole := slowReadAll(t, data)
			got := slowReadChunked(t, data, size, len(data)+1)
			if d := cmp.Diff(whole, got); d != "" {
				t.Errorf("%s in %d-byte chunks differs (-whole +chunked):\n%s", path, size, d)
			}
		}
	}
	// All fixtures back to back, as one stream.
	if d := cmp.Diff(slowReadAll(t, all), slowReadChunked(t, all, 512, len(all)+1)); d != "" {
		t.Errorf("concatenated slowFixtures differ (-whole +chunked):\n%s", d)
	}
}

func TestSlowLogGzip(t *testing.T) {
	data, err := os.ReadFile("testdata/slowlog/mariadb-10.11-session.log")
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(data)
	w.Close()
	r, err := gzip.NewReader(&z)
	if err != nil {
		t.Fatal(err)
	}
	var g slowGolden
	if _, err := ReadSlowLog(r, time.UTC, func(e *SlowEvent) { g.Events = append(g.Events, slowToJSON(e)) }); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(slowReadAll(t, data).Events, g.Events); d != "" {
		t.Errorf("gzip stream differs:\n%s", d)
	}
}

// TestSlowLogBadInput covers what real files contain besides events.
func TestSlowLogBadInput(t *testing.T) {
	event := "# Time: 2024-05-10T17:44:36.400424Z\n# User@Host: app[app] @ web1 [10.0.0.1]  Id: 7\n# Query_time: 0.5  Lock_time: 0.1 Rows_sent: 1  Rows_examined: 10\nSET timestamp=1715363076;\nSELECT 1;\n"
	tests := []struct {
		name    string
		in      string
		queries []string
		stats   SlowLogStats
	}{
		{name: "empty", in: "", stats: SlowLogStats{}},
		{name: "only banner", in: "/usr/sbin/mysqld, Version: 8.0.36 (MySQL Community Server - GPL). started with:\nTcp port: 3306  Unix socket: /tmp/s\nTime                 Id Command    Argument\n"},
		{name: "text before the first event", in: "hello\nworld;\n" + event, queries: []string{"SELECT 1"},
			stats: SlowLogStats{Events: 1, SkippedLines: 2, SkippedBytes: 13}},
		{name: "binary garbage between events", in: event + "\x00\x00\x00\x00\n\x7fELF\x02\x01\x01\x00\nmore junk;\n" + event, queries: []string{"SELECT 1", "SELECT 1"},
			stats: SlowLogStats{Events: 2, SkippedLines: 3, SkippedBytes: 5 + 9 + 11}},
		{name: "garbage cuts a statement short", in: strings.Replace(event, "SELECT 1;\n", "SELECT 1,\n\x00\x002;\n", 1) + event, queries: []string{"SELECT 1,", "SELECT 1"},
			stats: SlowLogStats{Events: 2, SkippedLines: 1, SkippedBytes: 5}},
		{name: "truncated in the headers", in: event + "# Time: 2024-05-10T17:44:37Z\n# User@Host: app[app] @ web1 [10.0.0.1]  Id: 7\n# Query_ti", queries: []string{"SELECT 1"},
			stats: SlowLogStats{Events: 1, Incomplete: 1}},
		{name: "truncated in the statement", in: event + "# Time: 2024-05-10T17:44:37Z\n# User@Host: app[app] @ web1 [10.0.0.1]  Id: 7\nSELECT * FROM t WHE", queries: []string{"SELECT 1", "SELECT * FROM t WHE"},
			stats: SlowLogStats{Events: 2}},
		{name: "CRLF line ends", in: strings.ReplaceAll(event+event, "\n", "\r\n"), queries: []string{"SELECT 1", "SELECT 1"},
			stats: SlowLogStats{Events: 2}},
		{name: "no final newline", in: strings.TrimSuffix(event, "\n"), queries: []string{"SELECT 1"}, stats: SlowLogStats{Events: 1}},
		{name: "statement with # lines", in: strings.Replace(event, "SELECT 1;", "SELECT 1 -- a;\n# comment;\n# Query_time: 9;\nFROM dual;", 1), queries: []string{"SELECT 1 -- a;\n# comment;\n# Query_time: 9;\nFROM dual"},
			stats: SlowLogStats{Events: 1}},
		{name: "header-only event then event", in: "# User@Host: a[a] @ h []\n# Query_time: 1\n" + event, queries: []string{"SELECT 1"}, stats: SlowLogStats{Events: 1, Incomplete: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slowReadAll(t, []byte(tt.in))
			var qs []string
			for _, e := range got.Events {
				qs = append(qs, e.Query)
			}
			if d := cmp.Diff(tt.queries, qs); d != "" {
				t.Errorf("queries (-want +got):\n%s", d)
			}
			tt.stats.Events = int64(len(tt.queries))
			if d := cmp.Diff(tt.stats, got.Stats); d != "" {
				t.Errorf("stats (-want +got):\n%s", d)
			}
			if d := cmp.Diff(got, slowReadChunked(t, []byte(tt.in), 16, len(tt.in)+1)); d != "" {
				t.Errorf("chunked parse differs:\n%s", d)
			}
		})
	}
}

func TestSlowLogHeaders(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want slowEventJSON
	}{
		{
			name: "mysql user host id",
			in:   "# User@Host: root[root] @ localhost [127.0.0.1]  Id:     3\nSELECT 1;\n",
			want: slowEventJSON{User: "root", Host: "localhost", ThreadID: 3, Query: "SELECT 1"},
		},
		{
			name: "skip-name-resolve host is the IP",
			in:   "# User@Host: mydba[mydba] @  [10.1.2.3]\nSELECT 1;\n",
			want: slowEventJSON{User: "mydba", Host: "10.1.2.3", Query: "SELECT 1"},
		},
		{
			name: "replication thread",
			in:   "# User@Host: [SQL_SLAVE] @  []\nSELECT 1;\n",
			want: slowEventJSON{User: "[SQL_SLAVE]", Query: "SELECT 1"},
		},
		{
			name: "mariadb schema with blanks, backticks and unicode",
			in:   "# User@Host: a[a] @ h []\n# Thread_id: 9  Schema: odd `q` é1  QC_hit: Yes\nSELECT 1;\n",
			want: slowEventJSON{User: "a", Host: "h", ThreadID: 9, DB: "odd `q` é1", DBLogged: true, Query: "SELECT 1", Attrs: map[string]float64{"qc_hit": 1}},
		},
		{
			name: "mariadb empty schema",
			in:   "# User@Host: a[a] @ h []\n# Thread_id: 9  Schema:   QC_hit: No\nSELECT 1;\n",
			want: slowEventJSON{User: "a", Host: "h", ThreadID: 9, DBLogged: true, Query: "SELECT 1", Attrs: map[string]float64{"qc_hit": 0}},
		},
		{
			name: "quoted use",
			in:   "# User@Host: a[a] @ h []\nuse `we``ird`;\nSELECT 1;\n",
			want: slowEventJSON{User: "a", Host: "h", DB: "we`ird", DBLogged: true, Query: "SELECT 1"},
		},
		{
			name: "user statements that look like headers",
			in:   "# User@Host: a[a] @ h []\nSET timestamp=1715363076;\nSET timestamp=5;\n",
			want: slowEventJSON{User: "a", Host: "h", Time: "2024-05-10T17:44:36Z", Query: "SET timestamp=5"},
		},
		{
			name: "use as the statement",
			in:   "# User@Host: a[a] @ h []\nuse db1;\nSET timestamp=1715363076;\nuse db2;\n",
			want: slowEventJSON{User: "a", Host: "h", Time: "2024-05-10T17:44:36Z", DB: "db1", DBLogged: true, Query: "use db2"},
		},
		{
			name: "fractional set timestamp",
			in:   "# User@Host: a[a] @ h []\nSET timestamp=1715363076.250000;\nDO 1;\n",
			want: slowEventJSON{User: "a", Host: "h", Time: "2024-05-10T17:44:36.25Z", Query: "DO 1"},
		},
		{
			name: "time with offset",
			in:   "# Time: 2024-08-27T16:41:42.257938+08:00\n# User@Host: a[a] @ h []\nDO 1;\n",
			want: slowEventJSON{User: "a", Host: "h", Time: "2024-08-27T08:41:42.257938Z", Query: "DO 1"},
		},
		{
			name: "huge and odd numbers",
			in:   "# User@Host: a[a] @ h []\n# Query_time: 12.5  Lock_time: .5  Rows_sent: 18446744073709550933  Rows_examined: x1  Bytes_sent: 1e5\nDO 1;\n",
			want: slowEventJSON{User: "a", Host: "h", Query: "DO 1", Attrs: map[string]float64{"query_time": 12.5, "lock_time": 0.5, "rows_sent": 18446744073709550933}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slowReadAll(t, []byte(tt.in))
			if len(got.Events) != 1 {
				t.Fatalf("%d events, want 1: %+v", len(got.Events), got)
			}
			if d := cmp.Diff(tt.want, got.Events[0]); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestSlowLogInherit(t *testing.T) {
	in := "# Time: 241126 10:14:59\n# User@Host: a[a] @ h []\nuse shop;\nDO 1;\n" +
		"# User@Host: a[a] @ h []\nDO 2;\n" +
		"# User@Host: a[a] @ h []\n# Thread_id: 3  Schema:   QC_hit: No\nDO 3;\n" +
		"# User@Host: a[a] @ h []\nDO 4;\n"
	got := slowReadAll(t, []byte(in))
	var dbs, times []string
	for _, e := range got.Events {
		dbs = append(dbs, e.DB)
		times = append(times, e.Time)
	}
	// MariaDB's empty Schema says "no database": it is not inherited, and
	// it resets what later events inherit.
	if d := cmp.Diff([]string{"shop", "shop", "", ""}, dbs); d != "" {
		t.Errorf("databases (-want +got):\n%s", d)
	}
	want := "2024-11-26T10:14:59Z"
	if d := cmp.Diff([]string{want, want, want, want}, times); d != "" {
		t.Errorf("times (-want +got):\n%s", d)
	}
}

func TestParseSlowTime(t *testing.T) {
	tests := []struct {
		in   string
		want string
		n    int
	}{
		{"241126 10:14:59", "2024-11-26T10:14:59Z", 15},
		{"131128  1:05:31", "2013-11-28T01:05:31Z", 15},
		{"071015 21:43:52 # User@Host: x", "2007-10-15T21:43:52Z", 15},
		{"991231 23:59:59", "1999-12-31T23:59:59Z", 15},
		{"2016-07-20T18:13:25.698433Z", "2016-07-20T18:13:25.698433Z", 27},
		{"2024-11-07T09:46:43.512637+08:00", "2024-11-07T01:46:43.512637Z", 32},
		{"2023-11-06T00:06:35.589701", "2023-11-06T00:06:35.589701Z", 26},
		{"2024-05-10 17:44:36", "2024-05-10T17:44:36Z", 19},
		{"241326 10:14:59", "", 0},
		{"2024-05-10T25:44:36Z", "", 0},
		{"yesterday", "", 0},
		{"", "", 0},
	}
	for _, tt := range tests {
		got, n := parseSlowTime([]byte(tt.in), time.UTC)
		s := ""
		if n > 0 {
			s = got.UTC().Format(time.RFC3339Nano)
		}
		if s != tt.want || n != tt.n {
			t.Errorf("parseSlowTime(%q) = %q, %d; want %q, %d", tt.in, s, n, tt.want, tt.n)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"123", 123, true}, {"0.000241", 0.000241, true}, {"15.6636", 15.6636, true},
		{"18446744073709550933", 18446744073709550933, true}, {"1.", 1, true}, {".5", 0.5, true},
		{"", 0, false}, {"-1", 0, false}, {"1e5", 0, false}, {"12a", 0, false}, {"Yes", 0, false},
	}
	for _, tt := range tests {
		got, ok := slowParseDecimal([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseDecimal(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSlowAttrNames(t *testing.T) {
	seen := map[string]bool{}
	for a := SlowAttr(0); a < NumSlowAttrs; a++ {
		n := a.String()
		if n == "unknown" || seen[n] {
			t.Errorf("attribute %d has name %q", a, n)
		}
		seen[n] = true
		if b, ok := SlowAttrByName(n); !ok || b != a {
			t.Errorf("SlowAttrByName(%q) = %v, %v", n, b, ok)
		}
	}
	if _, ok := SlowAttrByName("nope"); ok {
		t.Error("SlowAttrByName(nope) found something")
	}
}

// TestSlowLogChunkerBounds checks that a stream without event boundaries
// is cut at the chunk size, not buffered whole, and that one long event is
// kept whole up to the limit.
func TestSlowLogChunkerBounds(t *testing.T) {
	junk := bytes.Repeat([]byte("no events here at all\n"), 10000)
	ch := NewSlowLogChunker(bytes.NewReader(junk), 1024, 1<<20)
	var buf []byte
	biggest := 0
	for {
		c, _, err := ch.Next(buf)
		if err != nil {
			break
		}
		biggest = max(biggest, len(c))
		buf = c
	}
	if biggest > 1024 {
		t.Errorf("junk chunk of %d bytes, want <= 1024", biggest)
	}
	long := "# User@Host: a[a] @ h []\nSELECT '" + strings.Repeat("x", 5000) + "';\n"
	in := long + long
	ch = NewSlowLogChunker(strings.NewReader(in), 100, 1<<20)
	c, _, err := ch.Next(nil)
	if err != nil || string(c) != long {
		t.Errorf("first chunk is %d bytes (%v), want the whole %d-byte event", len(c), err, len(long))
	}
	if ch.ForcedCuts() != 0 {
		t.Errorf("forced cuts %d", ch.ForcedCuts())
	}
	// Past the limit the event is cut, and counted.
	ch = NewSlowLogChunker(strings.NewReader(in), 100, 1000)
	if c, _, _ := ch.Next(nil); len(c) > 1000 || ch.ForcedCuts() != 1 {
		t.Errorf("over the limit: chunk %d bytes, forced cuts %d", len(c), ch.ForcedCuts())
	}
}

func TestSlowLogReadError(t *testing.T) {
	data, _ := os.ReadFile("testdata/slowlog/mysql-5.0-pt-slow001.log")
	r := io.MultiReader(bytes.NewReader(data), iotest.ErrReader(errors.New("disk on fire")))
	n := 0
	_, err := ReadSlowLog(r, nil, func(*SlowEvent) { n++ })
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "read at byte 524") {
		t.Errorf("err = %v", err)
	}
	if n != 2 {
		t.Errorf("%d events before the error, want 2", n)
	}
}

func FuzzSlowLog(f *testing.F) {
	files, _ := filepath.Glob("testdata/slowlog/*.log")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 8000 {
			f.Add(b)
		}
	}
	f.Add([]byte("# Time: 241126 10:14:59\n# User@Host: a[a] @ h []\n\x00;\n#\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := slowReadAll(t, data)
		var prev int64 = -1
		for _, e := range whole.Events {
			if e.Query == "" || e.Offset <= prev || e.Offset >= int64(len(data)) {
				t.Fatalf("bad event %+v (previous offset %d)", e, prev)
			}
			prev = e.Offset
		}
		if int(whole.Stats.Events) != len(whole.Events) || whole.Stats.SkippedBytes > int64(len(data)) {
			t.Fatalf("stats %+v for %d events, %d bytes", whole.Stats, len(whole.Events), len(data))
		}
		if d := cmp.Diff(whole, slowReadChunked(t, data, 7, len(data)+1)); d != "" {
			t.Fatalf("chunked parse differs:\n%s", d)
		}
	})
}

func BenchmarkSlowLogParse(b *testing.B) {
	data, err := os.ReadFile("testdata/slowlog/mariadb-10.11-restart.log")
	if err != nil {
		b.Fatal(err)
	}
	buf := bytes.Repeat(data, (4<<20)/len(data))
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	var p SlowLogParser
	n := 0
	for b.Loop() {
		p.Parse(buf, 0, func(e *SlowEvent) { n += len(e.Query) })
	}
	b.ReportMetric(float64(p.Stats.Events)/float64(b.N)/(float64(len(buf))/1e6), "events/MB")
}
