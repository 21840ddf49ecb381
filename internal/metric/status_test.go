package metric

import (
	"bufio"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// readStatus reads a fixture: "name<TAB>value" lines (one sample) or
// "name first second" lines (two samples).
func readStatus(t *testing.T, name string) (first, second map[string]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first, second = map[string]string{}, map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(line, "\t"); ok {
			first[k] = v
			continue
		}
		fields := strings.Fields(line)
		switch len(fields) {
		case 3:
			first[fields[0]], second[fields[0]] = fields[1], fields[2]
		case 2:
			first[fields[0]] = fields[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return first, second
}

func sample(at time.Time, v map[string]string) dba.StatusSample {
	return dba.StatusSample{At: at, Values: v}
}

func golden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestSummariseFixtures(t *testing.T) {
	tests := []struct {
		name string
		in   func(t *testing.T) StatusInput
	}{
		{"mariadb-10.11-idle", func(t *testing.T) StatusInput {
			a, _ := readStatus(t, "mariadb-10.11-global-status-1.txt")
			b, _ := readStatus(t, "mariadb-10.11-global-status-2.txt")
			return StatusInput{Pair: Pair{sample(t0, a), sample(t0.Add(time.Second), b)}, MaxConnections: 2000, BufferPoolSize: 256 << 20, OwnStatements: 1}
		}},
		{"mariadb-10.11-busy", func(t *testing.T) StatusInput {
			a, _ := readStatus(t, "mariadb-10.11-busy-1.txt")
			b, _ := readStatus(t, "mariadb-10.11-busy-2.txt")
			return StatusInput{Pair: Pair{sample(t0, a), sample(t0.Add(time.Second), b)}, MaxConnections: 2000, BufferPoolSize: 256 << 20, OwnStatements: 1}
		}},
		{"mysql-5.1-two-samples", func(t *testing.T) StatusInput {
			a, b := readStatus(t, "mysql-5.1-global-status-two-samples.txt")
			return StatusInput{Pair: Pair{sample(t0, a), sample(t0.Add(10*time.Second), b)}, MaxConnections: 151, OwnStatements: 1}
		}},
		{"mysql-9.7-one-sample", func(t *testing.T) StatusInput {
			// The same sample twice: a lifetime of counters must give
			// zero rates, never averages since startup.
			a, _ := readStatus(t, "mysql-9.7-global-status.txt")
			return StatusInput{Pair: Pair{sample(t0, a), sample(t0.Add(time.Second), a)}, MaxConnections: 151, BufferPoolSize: 16 << 20}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, Summarise(tt.in(t)))
		})
	}
}

func f(v float64) *float64 { return &v }

// counters builds a sample from name=value pairs.
func counters(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestResets(t *testing.T) {
	base := counters("Uptime", "1000", "Uptime_since_flush_status", "1000", "Questions", "5000", "Com_commit", "10", "Com_rollback", "0",
		"Innodb_buffer_pool_pages_total", "100", "Innodb_buffer_pool_pages_free", "10", "Innodb_buffer_pool_read_requests", "900", "Innodb_buffer_pool_reads", "9")
	with := func(kv ...string) map[string]string {
		m := counters()
		for k, v := range base {
			m[k] = v
		}
		for k, v := range counters(kv...) {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name      string
		cur       map[string]string
		secs      time.Duration
		wantReset string
	}{
		{"clean", with("Uptime", "1001", "Uptime_since_flush_status", "1001", "Questions", "5100"), time.Second, ""},
		{"restart", with("Uptime", "3", "Uptime_since_flush_status", "3", "Questions", "20"), time.Second, "the server restarted between the samples (uptime went from 1000s to 3s in 1.0s)"},
		{"restart early in a long interval", with("Uptime", "1005", "Uptime_since_flush_status", "1005", "Questions", "20"), 60 * time.Second, "the server restarted between the samples (uptime went from 1000s to 1005s in 60.0s)"},
		{"flush status", with("Uptime", "1001", "Uptime_since_flush_status", "0", "Questions", "4"), time.Second, "status counters were flushed between the samples (FLUSH STATUS: uptime since flush went from 1000s to 0s in 1.0s)"},
		{"flush early in a long interval", with("Uptime", "1010", "Uptime_since_flush_status", "1003", "Questions", "5100"), 10 * time.Second, "status counters were flushed between the samples (FLUSH STATUS: uptime since flush went from 1000s to 1003s in 10.0s)"},
		{"long clean interval", with("Uptime", "1060", "Uptime_since_flush_status", "1060", "Questions", "9000"), 60 * time.Second, ""},
		{"failover to an older server", with("Uptime", "90000", "Uptime_since_flush_status", "90000", "Questions", "9000000"), time.Second, "the samples come from different server runs (uptime moved 89000s in 1.0s)"},
		{"counter backwards alone", with("Uptime", "1001", "Uptime_since_flush_status", "1001", "Questions", "4999"), time.Second, "counters went backwards between the samples (Questions): they were reset"},
		{"clock did not move", with("Uptime", "1000"), 0, "the second sample is not later than the first (0.000s apart)"},
		{"slow sample within slack", with("Uptime", "1003", "Uptime_since_flush_status", "1003", "Questions", "5100"), time.Second, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Summarise(StatusInput{Pair: Pair{sample(t0, base), sample(t0.Add(tt.secs), tt.cur)}, OwnStatements: 1})
			if st.Reset != tt.wantReset {
				t.Errorf("Reset = %q, want %q", st.Reset, tt.wantReset)
			}
			if tt.wantReset == "" {
				if st.Rates.QPS == nil {
					t.Fatal("QPS withheld without a reset")
				}
				return
			}
			r := st.Rates
			for name, v := range map[string]*float64{"qps": r.QPS, "tps": r.TPS, "select": r.Select} {
				if v != nil {
					t.Errorf("%s = %v after a reset, want withheld", name, *v)
				}
			}
			if st.BufferPool == nil || st.BufferPool.HitPercent != nil || !strings.Contains(st.BufferPool.HitNote, "withheld") {
				t.Errorf("hit rate after a reset: %+v", st.BufferPool)
			}
		})
	}
}

func TestRates(t *testing.T) {
	prev := counters("Uptime", "100", "Questions", "1000", "Com_commit", "5", "Com_rollback", "1", "Handler_commit", "50", "Handler_rollback", "0",
		"Com_select", "300", "Com_insert", "10", "Com_insert_select", "0", "Com_update", "20", "Com_update_multi", "0", "Com_delete", "3", "Com_delete_multi", "0",
		"Threads_connected", "10", "Threads_running", "2", "Max_used_connections", "40",
		"Innodb_buffer_pool_pages_total", "8192", "Innodb_buffer_pool_pages_free", "2048", "Innodb_buffer_pool_pages_data", "6000", "Innodb_buffer_pool_pages_dirty", "7", "Innodb_page_size", "16384",
		"Innodb_buffer_pool_read_requests", "100000", "Innodb_buffer_pool_reads", "100")
	next := func(kv ...string) map[string]string {
		m := counters()
		for k, v := range prev {
			m[k] = v
		}
		for k, v := range counters(kv...) {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		cur   map[string]string
		secs  time.Duration
		own   uint64
		maxc  int64
		check func(t *testing.T, st dba.ServerStatus)
	}{
		{"qps excludes mydba's own statement", next("Uptime", "102", "Questions", "1201"), 2 * time.Second, 1, 100, func(t *testing.T, st dba.ServerStatus) {
			if diff := cmp.Diff(f(100), st.Rates.QPS); diff != "" {
				t.Error(diff)
			}
			if diff := cmp.Diff(f(10), st.Connections.UsedPercent); diff != "" {
				t.Error(diff)
			}
			if diff := cmp.Diff(f(40), st.Connections.MaxUsedPercent); diff != "" {
				t.Error(diff)
			}
		}},
		{"idle server is zero, not negative", next("Uptime", "101"), time.Second, 1, 0, func(t *testing.T, st dba.ServerStatus) {
			if diff := cmp.Diff(f(0), st.Rates.QPS); diff != "" {
				t.Error(diff)
			}
			if st.Connections.UsedPercent != nil {
				t.Error("used percent without max_connections")
			}
			if st.BufferPool.HitPercent != nil || st.BufferPool.HitNote != "no reads in the interval" {
				t.Errorf("idle hit rate: %v %q", st.BufferPool.HitPercent, st.BufferPool.HitNote)
			}
		}},
		{"explicit transactions and commands", next("Uptime", "101", "Com_commit", "15", "Com_rollback", "3", "Handler_commit", "150", "Com_select", "400", "Com_insert", "30", "Com_insert_select", "5", "Com_update", "25", "Com_update_multi", "1", "Com_delete", "4"), time.Second, 0, 0, func(t *testing.T, st dba.ServerStatus) {
			want := dba.StatusRates{QPS: f(0), TPS: f(12), EngineCommits: f(100), Select: f(100), Insert: f(25), Update: f(6), Delete: f(1)}
			if diff := cmp.Diff(want, st.Rates); diff != "" {
				t.Error(diff)
			}
		}},
		{"autocommit writes get a note", next("Uptime", "101", "Com_insert", "110", "Handler_commit", "150"), time.Second, 0, 0, func(t *testing.T, st dba.ServerStatus) {
			if diff := cmp.Diff(f(0), st.Rates.TPS); diff != "" {
				t.Error(diff)
			}
			if len(st.Rates.Notes) != 1 || !strings.Contains(st.Rates.Notes[0], "autocommit") {
				t.Errorf("notes: %q", st.Rates.Notes)
			}
		}},
		{"hit rate from deltas, not lifetime", next("Uptime", "101", "Innodb_buffer_pool_read_requests", "101000", "Innodb_buffer_pool_reads", "150"), time.Second, 0, 0, func(t *testing.T, st dba.ServerStatus) {
			bp := st.BufferPool
			want := &dba.BufferPool{SizeBytes: 8192 * 16384, PagesTotal: 8192, PagesData: 6000, PagesFree: 2048, PagesDirty: 7, UsedPercent: f(75), FreePercent: f(25), ReadRequests: 1000, DiskReads: 50, HitPercent: f(95)}
			if diff := cmp.Diff(want, bp); diff != "" {
				t.Error(diff)
			}
		}},
		{"disk reads past requests are capped", next("Uptime", "101", "Innodb_buffer_pool_read_requests", "100010", "Innodb_buffer_pool_reads", "120"), time.Second, 0, 0, func(t *testing.T, st dba.ServerStatus) {
			if diff := cmp.Diff(f(0), st.BufferPool.HitPercent); diff != "" {
				t.Error(diff)
			}
		}},
		{"no InnoDB", func() map[string]string {
			m := next("Uptime", "101")
			for k := range m {
				if strings.HasPrefix(k, "Innodb_") {
					delete(m, k)
				}
			}
			return m
		}(), time.Second, 0, 0, func(t *testing.T, st dba.ServerStatus) {
			if st.BufferPool != nil {
				t.Errorf("buffer pool without InnoDB: %+v", st.BufferPool)
			}
			if len(st.Unavailable) != 1 || st.Unavailable[0].What != "buffer pool" {
				t.Errorf("unavailable: %+v", st.Unavailable)
			}
		}},
		{"missing counter is nil", func() map[string]string {
			m := next("Uptime", "101")
			delete(m, "Com_select")
			return m
		}(), time.Second, 0, 0, func(t *testing.T, st dba.ServerStatus) {
			if st.Rates.Select != nil {
				t.Errorf("select rate from a missing counter: %v", *st.Rates.Select)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Summarise(StatusInput{Pair: Pair{sample(t0, prev), sample(t0.Add(tt.secs), tt.cur)}, MaxConnections: tt.maxc, OwnStatements: tt.own})
			tt.check(t, st)
		})
	}
}

func TestDelta(t *testing.T) {
	p := Pair{sample(t0, counters("a", "1", "b", "18446744073709551615", "c", "x")), sample(t0.Add(time.Second), counters("a", "4", "b", "18446744073709551615", "c", "1", "d", "2"))}
	tests := []struct {
		names  []string
		want   uint64
		wantOK bool
	}{
		{[]string{"a"}, 3, true},
		{[]string{"a", "b"}, 3, true},
		{[]string{"c"}, 0, false},
		{[]string{"d"}, 0, false},
		{[]string{"a", "d"}, 0, false},
	}
	for _, tt := range tests {
		got, ok := p.Delta(tt.names...)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Delta(%v) = %d, %v; want %d, %v", tt.names, got, ok, tt.want, tt.wantOK)
		}
	}
}

// FuzzSummarise feeds arbitrary counter text and intervals: whatever the
// server sends, no rate is negative, NaN or infinite and nothing panics.
func FuzzSummarise(f *testing.F) {
	f.Add("1000", "1001", "500", "600", "10", "9", int64(1000))
	f.Add("1000", "3", "500", "1", "10", "20", int64(1000))
	f.Add("x", "", "-5", "18446744073709551615", "0", "0", int64(0))
	f.Add("1", "2", "0", "0", "0", "0", int64(-5))
	f.Fuzz(func(t *testing.T, up0, up1, q0, q1, r0, r1 string, ms int64) {
		prev := counters("Uptime", up0, "Questions", q0, "Innodb_buffer_pool_pages_total", "10", "Innodb_buffer_pool_read_requests", r0, "Innodb_buffer_pool_reads", r1)
		cur := counters("Uptime", up1, "Questions", q1, "Innodb_buffer_pool_pages_total", "10", "Innodb_buffer_pool_read_requests", r1, "Innodb_buffer_pool_reads", r0)
		st := Summarise(StatusInput{Pair: Pair{sample(t0, prev), sample(t0.Add(time.Duration(ms)*time.Millisecond), cur)}, OwnStatements: 1})
		check := func(name string, v *float64) {
			if v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0)) {
				t.Fatalf("%s = %v", name, *v)
			}
		}
		check("qps", st.Rates.QPS)
		if bp := st.BufferPool; bp != nil {
			check("hit", bp.HitPercent)
			if bp.HitPercent != nil && *bp.HitPercent > 100 {
				t.Fatalf("hit = %v", *bp.HitPercent)
			}
		}
		if st.Reset != "" && st.Rates.QPS != nil {
			t.Fatal("rate despite a reset")
		}
	})
}

func BenchmarkSummarise(b *testing.B) {
	read := func(name string) map[string]string {
		f, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		m := map[string]string{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "\t"); ok {
				m[k] = v
			}
		}
		return m
	}
	in := StatusInput{Pair: Pair{sample(t0, read("mariadb-10.11-busy-1.txt")), sample(t0.Add(time.Second), read("mariadb-10.11-busy-2.txt"))}, MaxConnections: 2000, OwnStatements: 1}
	for b.Loop() {
		_ = Summarise(in)
	}
}
