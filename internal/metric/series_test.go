package metric

import (
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// status is a global status reading at mono seconds with the given
// counters; Uptime advances with mono unless set.
func status(mono float64, kv ...any) Sample {
	v := map[string]float64{"Uptime": 1000 + mono, "Uptime_since_flush_status": 1000 + mono}
	for i := 0; i+1 < len(kv); i += 2 {
		v[kv[i].(string)] = toF(kv[i+1])
	}
	return Sample{Mono: time.Duration(mono * float64(time.Second)), Values: v}
}

func toF(x any) float64 {
	switch n := x.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	}
	panic("bad value")
}

var approx = cmpopts.EquateApprox(1e-9, 1e-9)

func TestStatusSeries(t *testing.T) {
	busy0 := status(10,
		"Questions", 1000, "Com_commit", 50, "Com_rollback", 5, "Com_select", 600, "Com_insert", 100, "Com_insert_select", 10,
		"Com_update", 40, "Com_delete", 4, "Bytes_received", 10000, "Bytes_sent", 90000,
		"Innodb_buffer_pool_read_requests", 100000, "Innodb_buffer_pool_reads", 100,
		"Created_tmp_tables", 20, "Created_tmp_disk_tables", 2, "Table_open_cache_hits", 500, "Table_open_cache_misses", 10,
		"Connections", 100, "Threads_created", 10, "Aborted_connects", 1, "Aborted_clients", 0,
		"Innodb_row_lock_waits", 3, "Innodb_row_lock_time", 30, "Innodb_deadlocks", 0, "Slow_queries", 7,
		"Handler_commit", 700, "Handler_rollback", 0,
		"Threads_connected", 10, "Threads_running", 2, "Innodb_buffer_pool_pages_total", 1000, "Innodb_buffer_pool_pages_free", 250,
		"Innodb_buffer_pool_pages_dirty", 50)
	busy1 := status(12,
		"Questions", 1402, "Com_commit", 150, "Com_rollback", 15, "Com_select", 900, "Com_insert", 200, "Com_insert_select", 30,
		"Com_update", 60, "Com_delete", 6, "Bytes_received", 30000, "Bytes_sent", 190000,
		"Innodb_buffer_pool_read_requests", 110000, "Innodb_buffer_pool_reads", 200,
		"Created_tmp_tables", 30, "Created_tmp_disk_tables", 7, "Table_open_cache_hits", 590, "Table_open_cache_misses", 20,
		"Connections", 120, "Threads_created", 15, "Aborted_connects", 3, "Aborted_clients", 1,
		"Innodb_row_lock_waits", 7, "Innodb_row_lock_time", 230, "Innodb_deadlocks", 2, "Slow_queries", 9,
		"Handler_commit", 1300, "Handler_rollback", 4,
		"Threads_connected", 30, "Threads_running", 5, "Innodb_buffer_pool_pages_total", 1000, "Innodb_buffer_pool_pages_free", 250,
		"Innodb_buffer_pool_pages_dirty", 50)
	gauges := map[string]float64{
		"threads_connected": 30, "threads_running": 5, "uptime_seconds": 1012, "max_connections": 150, "connection_usage_pct": 20,
		"buffer_pool_used_pct": 75, "buffer_pool_dirty_pct": 5,
	}
	with := func(extra map[string]float64) map[string]float64 {
		out := map[string]float64{}
		for k, v := range gauges {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name      string
		prev, cur Sample
		in        StatusInputs
		want      map[string]float64
		reset     string
	}{
		{
			name: "two seconds of work", prev: busy0, cur: busy1, in: StatusInputs{Own: 2, MaxConnections: 150},
			want: with(map[string]float64{
				"qps": 200, "tps": 55, "engine_commits_per_s": 302, "select_per_s": 150, "insert_per_s": 60, "update_per_s": 10, "delete_per_s": 1,
				"bytes_received_per_s": 10000, "bytes_sent_per_s": 50000,
				"buffer_pool_read_requests_per_s": 5000, "buffer_pool_disk_reads_per_s": 50, "buffer_pool_hit_pct": 99,
				"tmp_tables_per_s": 5, "tmp_disk_tables_per_s": 2.5, "tmp_disk_ratio": 0.5,
				"table_open_cache_misses_per_s": 5, "table_open_cache_hit_pct": 90,
				"connections_per_s": 10, "threads_created_per_s": 2.5, "thread_cache_hit_pct": 75,
				"aborted_connects_per_s": 1, "aborted_clients_per_s": 0.5,
				"row_lock_waits_per_s": 2, "row_lock_time_ms_per_s": 100, "deadlocks_per_s": 1, "slow_queries_per_s": 1,
			}),
		},
		{
			name: "server restarted: uptime went down", prev: busy0,
			cur: func() Sample {
				s := status(12, "Questions", 5, "Threads_connected", 30, "Threads_running", 5, "Innodb_buffer_pool_pages_total", 1000,
					"Innodb_buffer_pool_pages_free", 250, "Innodb_buffer_pool_pages_dirty", 50)
				s.Values["Uptime"], s.Values["Uptime_since_flush_status"] = 1, 1
				return s
			}(),
			in: StatusInputs{MaxConnections: 150}, reset: "restarted",
			want: with(map[string]float64{"uptime_seconds": 1}),
		},
		{
			name: "FLUSH STATUS", prev: busy0,
			cur: func() Sample {
				s := busy1
				v := map[string]float64{}
				for k, x := range s.Values {
					v[k] = x
				}
				v["Uptime_since_flush_status"] = 1
				v["Questions"] = 3
				return Sample{Mono: s.Mono, Values: v}
			}(),
			in: StatusInputs{MaxConnections: 150}, reset: "flushed",
			want: gauges,
		},
		{
			name: "a counter went backwards without an uptime sign", prev: busy0,
			cur: func() Sample {
				v := map[string]float64{}
				for k, x := range busy1.Values {
					v[k] = x
				}
				v["Com_select"] = 1
				return Sample{Mono: busy1.Mono, Values: v}
			}(),
			in: StatusInputs{MaxConnections: 150}, reset: "went backwards between the samples (Com_select)",
			want: gauges,
		},
		{
			name: "no time passed", prev: busy1, cur: busy1, in: StatusInputs{MaxConnections: 150}, reset: "not later",
			want: gauges,
		},
		{
			name: "idle: no denominators, no ratios; own statements never make qps negative",
			prev: status(10, "Questions", 10, "Innodb_buffer_pool_read_requests", 5, "Innodb_buffer_pool_reads", 0, "Created_tmp_tables", 3, "Created_tmp_disk_tables", 0, "Connections", 4, "Threads_created", 1),
			cur:  status(11, "Questions", 12, "Innodb_buffer_pool_read_requests", 5, "Innodb_buffer_pool_reads", 0, "Created_tmp_tables", 3, "Created_tmp_disk_tables", 0, "Connections", 4, "Threads_created", 1),
			in:   StatusInputs{Own: 5},
			want: map[string]float64{"uptime_seconds": 1011, "qps": 0, "buffer_pool_read_requests_per_s": 0, "buffer_pool_disk_reads_per_s": 0,
				"tmp_tables_per_s": 0, "tmp_disk_tables_per_s": 0, "connections_per_s": 0, "threads_created_per_s": 0},
		},
		{
			name: "MySQL spelling: no Table_open_cache_misses falls back to Opened_tables",
			prev: status(0, "Opened_tables", 100), cur: status(4, "Opened_tables", 120),
			want: map[string]float64{"uptime_seconds": 1004, "table_open_cache_misses_per_s": 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reset := StatusSeries(tt.prev, tt.cur, tt.in)
			if (tt.reset == "") != (reset == "") || !strings.Contains(reset, tt.reset) {
				t.Errorf("reset %q, want %q", reset, tt.reset)
			}
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("series (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInnoDBSeries(t *testing.T) {
	tests := []struct {
		name      string
		prev, cur Sample
		want      map[string]float64
	}{
		{"deadlocks and timeouts", Sample{Mono: 0, Values: map[string]float64{"lock_deadlocks": 4, "lock_timeouts": 1}},
			Sample{Mono: 10 * time.Second, Values: map[string]float64{"lock_deadlocks": 6, "lock_timeouts": 1}},
			map[string]float64{"deadlocks_per_s": 0.2, "lock_timeouts_per_s": 0}},
		{"reset counter left out", Sample{Mono: 0, Values: map[string]float64{"lock_deadlocks": 4}},
			Sample{Mono: 10 * time.Second, Values: map[string]float64{"lock_deadlocks": 0}}, map[string]float64{}},
		{"no time", Sample{Values: map[string]float64{"lock_deadlocks": 1}}, Sample{Values: map[string]float64{"lock_deadlocks": 2}}, map[string]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, InnoDBSeries(tt.prev, tt.cur), approx); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSeriesNamesCoverDerivation: every name the derivation produces is
// listed (the list is what the store, the dashboard and alerts accept).
func TestSeriesNamesCoverDerivation(t *testing.T) {
	names := SeriesNames()
	if !sort.StringsAreSorted(names) {
		t.Error("not sorted")
	}
	has := func(n string) bool {
		i := sort.SearchStrings(names, n)
		return i < len(names) && names[i] == n
	}
	prev := status(0)
	cur := status(1)
	for k := range prev.Values {
		prev.Values[k], cur.Values[k] = 1, 2
	}
	for _, r := range statusRates {
		for _, c := range append(append(r.counters, r.optional...), r.fallback...) {
			prev.Values[c], cur.Values[c] = 1, 3
		}
	}
	for k := range statusGauges {
		cur.Values[k] = 5
	}
	for _, k := range []string{"Questions", "Table_open_cache_hits", "Innodb_buffer_pool_pages_total", "Innodb_buffer_pool_pages_free", "Innodb_buffer_pool_pages_dirty"} {
		prev.Values[k], cur.Values[k] = 1, 9
	}
	cur.Values["Uptime"], cur.Values["Uptime_since_flush_status"] = 1001, 1001
	prev.Values["Uptime"], prev.Values["Uptime_since_flush_status"] = 1000, 1000
	got, reset := StatusSeries(prev, cur, StatusInputs{MaxConnections: 10})
	if reset != "" {
		t.Fatal(reset)
	}
	for k := range got {
		if !has(k) {
			t.Errorf("series %q is produced but not listed", k)
		}
	}
	for _, n := range []string{"qps", "tps", "connection_usage_pct", "buffer_pool_hit_pct", "threads_running", "longest_trx_seconds",
		"lock_waits", "deadlocks_per_s", "tmp_disk_ratio", "slow_queries_per_s", "replication_lag_seconds"} {
		if !has(n) {
			t.Errorf("series %q promised to alerts is not listed", n)
		}
	}
}

// FuzzStatusSeries: whatever two readings hold, no series is negative,
// NaN or infinite, and ratios stay in range.
func FuzzStatusSeries(f *testing.F) {
	f.Add(10.0, 12.0, 1000.0, 1002.0, 100.0, 50.0, 7.0, 3.0, 2.0)
	f.Add(10.0, 10.0, 5.0, 1.0, 0.0, 1e18, -4.0, 1e300, 0.5)
	f.Fuzz(func(t *testing.T, m0, m1, up0, up1, q0, q1, a, b, own float64) {
		prev := Sample{Mono: time.Duration(m0 * 1e9), Values: map[string]float64{"Uptime": up0, "Questions": q0,
			"Innodb_buffer_pool_read_requests": a, "Innodb_buffer_pool_reads": b, "Created_tmp_tables": a, "Created_tmp_disk_tables": b,
			"Connections": a, "Threads_created": b, "Threads_connected": a}}
		cur := Sample{Mono: time.Duration(m1 * 1e9), Values: map[string]float64{"Uptime": up1, "Questions": q1,
			"Innodb_buffer_pool_read_requests": a * 2, "Innodb_buffer_pool_reads": b * 3, "Created_tmp_tables": a + 1, "Created_tmp_disk_tables": b + 5,
			"Connections": a + 2, "Threads_created": b + 9, "Threads_connected": q1}}
		got, _ := StatusSeries(prev, cur, StatusInputs{Own: own, MaxConnections: 100})
		for k, v := range got {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s = %v", k, v)
			}
			if strings.HasSuffix(k, "_per_s") || k == "qps" || k == "tps" {
				if v < 0 {
					t.Errorf("%s = %v < 0", k, v)
				}
			}
			if (k == "tmp_disk_ratio" && (v < 0 || v > 1)) || (strings.HasSuffix(k, "hit_pct") && (v < 0 || v > 100)) {
				t.Errorf("%s = %v out of range", k, v)
			}
		}
	})
}
