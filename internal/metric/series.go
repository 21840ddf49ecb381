package metric

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Sample is one reading as the series math sees it: numbers by name and
// the time of the reading on a monotonic clock (an offset from any fixed
// start), so a wall-clock jump between two readings bends no rate.
type Sample struct {
	Mono   time.Duration
	Values map[string]float64
}

// rateDef is one per-second rate: the sum of Counters' deltas, plus those
// of Optional that both samples have (MySQL and MariaDB do not share every
// Com_ variant). Fallback counters are used when a Counter is missing.
type rateDef struct {
	name     string
	counters []string
	optional []string
	fallback []string
}

// statusRates are the rates of SHOW GLOBAL STATUS counters; qps is apart
// (mydba's own statements are subtracted).
var statusRates = []rateDef{
	{name: "tps", counters: []string{"Com_commit", "Com_rollback"}},
	{name: "engine_commits_per_s", counters: []string{"Handler_commit", "Handler_rollback"}},
	{name: "select_per_s", counters: []string{"Com_select"}},
	{name: "insert_per_s", counters: []string{"Com_insert"}, optional: []string{"Com_insert_select", "Com_replace", "Com_replace_select"}},
	{name: "update_per_s", counters: []string{"Com_update"}, optional: []string{"Com_update_multi"}},
	{name: "delete_per_s", counters: []string{"Com_delete"}, optional: []string{"Com_delete_multi"}},
	{name: "bytes_received_per_s", counters: []string{"Bytes_received"}},
	{name: "bytes_sent_per_s", counters: []string{"Bytes_sent"}},
	{name: "buffer_pool_read_requests_per_s", counters: []string{"Innodb_buffer_pool_read_requests"}},
	{name: "buffer_pool_disk_reads_per_s", counters: []string{"Innodb_buffer_pool_reads"}},
	{name: "tmp_tables_per_s", counters: []string{"Created_tmp_tables"}},
	{name: "tmp_disk_tables_per_s", counters: []string{"Created_tmp_disk_tables"}},
	{name: "table_open_cache_misses_per_s", counters: []string{"Table_open_cache_misses"}, fallback: []string{"Opened_tables"}},
	{name: "connections_per_s", counters: []string{"Connections"}},
	{name: "threads_created_per_s", counters: []string{"Threads_created"}},
	{name: "aborted_connects_per_s", counters: []string{"Aborted_connects"}},
	{name: "aborted_clients_per_s", counters: []string{"Aborted_clients"}},
	{name: "row_lock_waits_per_s", counters: []string{"Innodb_row_lock_waits"}},
	{name: "row_lock_time_ms_per_s", counters: []string{"Innodb_row_lock_time"}},
	{name: "deadlocks_per_s", counters: []string{"Innodb_deadlocks"}},
	{name: "slow_queries_per_s", counters: []string{"Slow_queries"}},
}

// statusGauges are current values copied from the newer sample.
var statusGauges = map[string]string{
	"Threads_connected":    "threads_connected",
	"Threads_running":      "threads_running",
	"Threads_cached":       "threads_cached",
	"Max_used_connections": "max_used_connections",
	"Uptime":               "uptime_seconds",
	"Open_tables":          "open_tables",
}

// StatusInputs are what StatusSeries reads besides two status samples.
type StatusInputs struct {
	// Own is how many statements mydba sent between the samples (the
	// second sample's SHOW included): Questions counts them.
	Own float64
	// MaxConnections is @@max_connections (0 when not read yet).
	MaxConnections float64
}

// StatusSeries computes the derived series of two consecutive readings of
// SHOW GLOBAL STATUS: per-second rates from the deltas, ratios of deltas,
// and gauges from the newer reading. Names and units are listed in
// docs/monitoring.md.
//
// When the counters cannot be differenced — the server restarted, FLUSH
// STATUS ran, another server answered, the clock did not advance — reset
// says why and no rate or ratio is returned (never a negative or a spike);
// the gauges still are. A counter that went backwards alone leaves out the
// series that use it.
func StatusSeries(prev, cur Sample, in StatusInputs) (series map[string]float64, reset string) {
	series = make(map[string]float64, 48)
	for k, name := range statusGauges {
		if v, ok := cur.Values[k]; ok {
			series[name] = v
		}
	}
	if in.MaxConnections > 0 {
		series["max_connections"] = in.MaxConnections
		if c, ok := cur.Values["Threads_connected"]; ok {
			series["connection_usage_pct"] = 100 * c / in.MaxConnections
		}
	}
	if t, ok := cur.Values["Innodb_buffer_pool_pages_total"]; ok && t > 0 {
		if f, ok := cur.Values["Innodb_buffer_pool_pages_free"]; ok {
			series["buffer_pool_used_pct"] = 100 * (t - f) / t
		}
		if d, ok := cur.Values["Innodb_buffer_pool_pages_dirty"]; ok {
			series["buffer_pool_dirty_pct"] = 100 * d / t
		}
	}
	reset = SampleReset(prev, cur)
	if reset != "" {
		return series, reset
	}
	secs := (cur.Mono - prev.Mono).Seconds()
	d := deltas{prev: prev.Values, cur: cur.Values}
	if q, ok := d.sum("Questions"); ok {
		series["qps"] = max(0, q-in.Own) / secs
	}
	for _, r := range statusRates {
		if v, ok := d.rate(r); ok {
			series[r.name] = v / secs
		}
	}
	ratio := func(name string, part, whole string, pct bool) {
		p, ok1 := d.sum(part)
		w, ok2 := d.sum(whole)
		if !ok1 || !ok2 || w <= 0 {
			return
		}
		v := min(p, w) / w
		if pct {
			v *= 100
		}
		series[name] = v
	}
	if req, ok := d.sum("Innodb_buffer_pool_read_requests"); ok && req > 0 {
		if reads, ok := d.sum("Innodb_buffer_pool_reads"); ok {
			series["buffer_pool_hit_pct"] = 100 * (1 - min(reads, req)/req)
		}
	}
	ratio("tmp_disk_ratio", "Created_tmp_disk_tables", "Created_tmp_tables", false)
	if conns, ok := d.sum("Connections"); ok && conns > 0 {
		if created, ok := d.sum("Threads_created"); ok {
			series["thread_cache_hit_pct"] = 100 * (1 - min(created, conns)/conns)
		}
	}
	hits, ok1 := d.sum("Table_open_cache_hits")
	misses, ok2 := d.sum("Table_open_cache_misses")
	if ok1 && ok2 && hits+misses > 0 {
		series["table_open_cache_hit_pct"] = 100 * hits / (hits + misses)
	}
	return series, ""
}

// SampleReset says why two status samples cannot be differenced, or "":
// the rules of Pair.Reset (restart, FLUSH STATUS, another server, time not
// advancing) on the samples' monotonic times, plus a check that the
// busiest counters did not go backwards.
func SampleReset(prev, cur Sample) string {
	ss := func(s Sample) dba.StatusSample {
		v := map[string]string{}
		for _, k := range []string{"Uptime", "Uptime_since_flush_status"} {
			if f, ok := s.Values[k]; ok && f >= 0 && f < math.MaxInt64 {
				v[k] = strconv.FormatInt(int64(f), 10)
			}
		}
		return dba.StatusSample{At: time.Unix(0, 0).Add(s.Mono), Values: v}
	}
	if r := (Pair{Prev: ss(prev), Cur: ss(cur)}).Reset(); r != "" {
		return r
	}
	var back []string
	for _, k := range []string{"Questions", "Com_select", "Handler_commit", "Bytes_received", "Innodb_buffer_pool_read_requests"} {
		a, ok0 := prev.Values[k]
		b, ok1 := cur.Values[k]
		if ok0 && ok1 && b < a {
			back = append(back, k)
		}
	}
	if len(back) > 0 {
		return fmt.Sprintf("counters went backwards between the samples (%s): they were reset", strings.Join(back, ", "))
	}
	return ""
}

// deltas differences two readings' counters.
type deltas struct{ prev, cur map[string]float64 }

// sum is the total growth of the named counters; ok is false when one is
// missing in either reading or went backwards.
func (d deltas) sum(names ...string) (float64, bool) {
	var total float64
	for _, n := range names {
		a, ok0 := d.prev[n]
		b, ok1 := d.cur[n]
		if !ok0 || !ok1 || b < a {
			return 0, false
		}
		total += b - a
	}
	return total, true
}

func (d deltas) rate(r rateDef) (float64, bool) {
	v, ok := d.sum(r.counters...)
	if !ok && len(r.fallback) > 0 {
		v, ok = d.sum(r.fallback...)
	}
	if !ok {
		return 0, false
	}
	for _, o := range r.optional {
		if x, ok := d.sum(o); ok {
			v += x
		}
	}
	return v, true
}

// innodbRates are rates from information_schema.INNODB_METRICS counters,
// for what SHOW GLOBAL STATUS lacks on some servers (MySQL has no
// Innodb_deadlocks).
var innodbRates = []rateDef{
	{name: "deadlocks_per_s", counters: []string{"lock_deadlocks"}},
	{name: "lock_timeouts_per_s", counters: []string{"lock_timeouts"}},
}

// InnoDBSeries computes rates from two consecutive readings of
// INNODB_METRICS. The counters have no uptime of their own: a counter that
// went backwards (a restart, innodb_monitor_reset) leaves its rate out.
func InnoDBSeries(prev, cur Sample) map[string]float64 {
	out := map[string]float64{}
	secs := (cur.Mono - prev.Mono).Seconds()
	if secs <= 0 {
		return out
	}
	d := deltas{prev: prev.Values, cur: cur.Values}
	for _, r := range innodbRates {
		if v, ok := d.rate(r); ok {
			out[r.name] = v / secs
		}
	}
	return out
}

// SessionGauges are the series taken as they are from the process-list
// summary.
func SessionGauges() []string {
	return []string{"sessions", "sessions_active", "sessions_waiting_lock", "longest_query_seconds", "trx_active", "longest_trx_seconds", "lock_waits", "longest_lock_wait_seconds"}
}

// ReplicationGauges are the series taken as they are from the replication
// reading.
func ReplicationGauges() []string {
	return []string{"replication_lag_seconds", "replication_io_running", "replication_sql_running"}
}

// Pick copies the named values that are present.
func Pick(values map[string]float64, names []string, into map[string]float64) {
	for _, n := range names {
		if v, ok := values[n]; ok {
			into[n] = v
		}
	}
}

// SeriesNames lists every series the derivation can produce, sorted: the
// names the dashboard charts, the store keeps and alert rules use.
func SeriesNames() []string {
	names := []string{"qps", "max_connections", "connection_usage_pct", "buffer_pool_used_pct", "buffer_pool_dirty_pct",
		"buffer_pool_hit_pct", "tmp_disk_ratio", "thread_cache_hit_pct", "table_open_cache_hit_pct"}
	for _, r := range statusRates {
		names = append(names, r.name)
	}
	for _, g := range statusGauges {
		names = append(names, g)
	}
	for _, r := range innodbRates {
		names = append(names, r.name)
	}
	names = append(names, SessionGauges()...)
	names = append(names, ReplicationGauges()...)
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	return out
}
