package dba

import (
	"fmt"
	"strings"
	"time"
)

// DigestOrder is what statement digests are ranked by. Each order is one
// column expression of performance_schema's digest summary, sorted by the
// server before the LIMIT, so the top N are the true top N.
type DigestOrder string

// Digest orders.
const (
	OrderTotalTime    DigestOrder = "total"
	OrderCount        DigestOrder = "count"
	OrderAvgTime      DigestOrder = "avg"
	OrderMaxTime      DigestOrder = "max"
	OrderRowsExamined DigestOrder = "rows-examined"
	OrderRowsSent     DigestOrder = "rows-sent"
	OrderNoIndex      DigestOrder = "no-index"
	OrderLockTime     DigestOrder = "lock"
	OrderTmpDisk      DigestOrder = "tmp-disk"
	OrderErrors       DigestOrder = "errors"
)

// DigestOrders lists every order, the default first.
func DigestOrders() []DigestOrder {
	return []DigestOrder{OrderTotalTime, OrderCount, OrderAvgTime, OrderMaxTime, OrderRowsExamined,
		OrderRowsSent, OrderNoIndex, OrderLockTime, OrderTmpDisk, OrderErrors}
}

// ParseDigestOrder reads an order name; "" is the default (total time).
func ParseDigestOrder(s string) (DigestOrder, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return OrderTotalTime, nil
	}
	names := make([]string, 0, len(DigestOrders()))
	for _, o := range DigestOrders() {
		if string(o) == s {
			return o, nil
		}
		names = append(names, string(o))
	}
	hint := ""
	if sug := Suggest(s, names); len(sug) > 0 {
		hint = fmt.Sprintf(" (did you mean %q?)", sug[0])
	}
	return "", fmt.Errorf("%w: order %q: want one of %s%s", ErrInvalid, s, strings.Join(names, ", "), hint)
}

// DigestKey names one row of the digest summary: the server groups by
// default schema and digest, so the same statement shape run in two
// schemas is two rows.
type DigestKey struct {
	Schema string `json:"schema"`
	Digest string `json:"digest"`
}

// DigestCounters are the cumulative counters of one digest (or, in a
// trend, their growth between two snapshots). Times are converted from
// the server's picoseconds.
type DigestCounters struct {
	Count     uint64        `json:"count"`
	TotalTime time.Duration `json:"total_time_ns"`
	LockTime  time.Duration `json:"lock_time_ns"`
	// CPUTime is MySQL 8.0.28+ with the events_statements_cpu consumer on;
	// nil elsewhere.
	CPUTime         *time.Duration `json:"cpu_time_ns"`
	Errors          uint64         `json:"errors"`
	Warnings        uint64         `json:"warnings"`
	RowsAffected    uint64         `json:"rows_affected"`
	RowsSent        uint64         `json:"rows_sent"`
	RowsExamined    uint64         `json:"rows_examined"`
	TmpTables       uint64         `json:"tmp_tables"`
	TmpDiskTables   uint64         `json:"tmp_disk_tables"`
	FullJoins       uint64         `json:"full_joins"`
	FullRangeJoins  uint64         `json:"full_range_joins"`
	FullScans       uint64         `json:"full_scans"`
	SortMergePasses uint64         `json:"sort_merge_passes"`
	SortRows        uint64         `json:"sort_rows"`
	// NoIndexUsed counts executions that scanned a table without an index;
	// NoGoodIndexUsed those where the optimizer found no good one.
	NoIndexUsed     uint64 `json:"no_index_used"`
	NoGoodIndexUsed uint64 `json:"no_good_index_used"`
}

// AvgTime is TotalTime per execution; 0 without executions.
func (c DigestCounters) AvgTime() time.Duration {
	if c.Count == 0 {
		return 0
	}
	return c.TotalTime / time.Duration(c.Count)
}

// NoIndexPct is the share of executions that used no (good) index, in
// percent; 0 without executions.
func (c DigestCounters) NoIndexPct() float64 {
	if c.Count == 0 {
		return 0
	}
	return 100 * float64(c.NoIndexUsed+c.NoGoodIndexUsed) / float64(c.Count)
}

// Digest is one row of performance_schema's
// events_statements_summary_by_digest: a normalized statement and what
// its executions cost since the row was created (server start or the
// last TRUNCATE of the table).
type Digest struct {
	Schema string `json:"schema"`
	// Digest is the server's hash of the normalized statement (MD5 on
	// MariaDB, SHA-256 on MySQL 8). It is not pt-query-digest's query ID.
	Digest string `json:"digest"`
	// Text is the server's normalized text, literals replaced by ?, cut
	// at performance_schema_max_digest_length.
	Text string `json:"digest_text"`
	DigestCounters
	MinTime time.Duration `json:"min_time_ns"`
	AvgTime time.Duration `json:"avg_time_ns"`
	MaxTime time.Duration `json:"max_time_ns"`
	// P95 and P99 are MySQL 8's latency quantiles; nil on MariaDB.
	P95       *time.Duration `json:"p95_ns"`
	P99       *time.Duration `json:"p99_ns"`
	FirstSeen time.Time      `json:"first_seen"`
	LastSeen  time.Time      `json:"last_seen"`
}

// Key is the digest's row key.
func (d Digest) Key() DigestKey { return DigestKey{Schema: d.Schema, Digest: d.Digest} }

// DigestExample is a real statement of a digest, as the server kept it.
// Its literals are the user's data: it is shown, never run by mydba.
type DigestExample struct {
	Text string `json:"text"`
	// Source is where it was found: QUERY_SAMPLE_TEXT (MySQL 8),
	// events_statements_history_long or events_statements_history.
	Source string `json:"source"`
	// Seen is when it ran, when the server says.
	Seen *time.Time `json:"seen,omitempty"`
	// Duration is that execution's latency.
	Duration *time.Duration `json:"duration_ns,omitempty"`
	// Truncated: the text reached performance_schema_max_sql_text_length
	// and is probably cut.
	Truncated bool `json:"truncated"`
}

// DigestTotals sum the whole digest table, whatever a listing shows.
type DigestTotals struct {
	// Digests is the number of rows (the lost row excluded).
	Digests   int           `json:"digests"`
	Count     uint64        `json:"count"`
	TotalTime time.Duration `json:"total_time_ns"`
}

// TopDigest is one ranked line of `mydba top`.
type TopDigest struct {
	Rank int `json:"rank"`
	Digest
	// ImpactPct is the digest's share of the total latency of every
	// statement the table recorded: SUM_TIMER_WAIT of the row over the sum
	// of SUM_TIMER_WAIT of all rows, in percent.
	ImpactPct float64 `json:"impact_pct"`
	// NoIndexPct is the share of executions that used no (good) index.
	NoIndexPct float64 `json:"no_index_pct"`
	// QueryID is pt-query-digest's query ID (sqltext.ID of
	// sqltext.Fingerprint) of the example when there is one, else of the
	// digest text, so the line can be found in a pt-query-digest or
	// `mydba digest` report. QueryIDFrom says which.
	QueryID     string         `json:"query_id"`
	QueryIDFrom string         `json:"query_id_from"`
	Example     *DigestExample `json:"example"`
	// ExampleNote says why there is no example.
	ExampleNote string `json:"example_note,omitempty"`
	// Own marks mydba's own statements (listed only on request).
	Own bool `json:"own"`
}

// DigestTop is the answer of `mydba top`.
type DigestTop struct {
	Profile    string        `json:"profile"`
	Server     Server        `json:"server"`
	At         time.Time     `json:"at"`
	Uptime     time.Duration `json:"uptime_ns"`
	OrderBy    DigestOrder   `json:"order_by"`
	NoIndex    bool          `json:"no_index"`
	IncludeOwn bool          `json:"include_own"`
	Limit      int           `json:"limit"`
	Totals     DigestTotals  `json:"totals"`
	// Lost sums the statements the server could not give a row because
	// the table was full (the row with a NULL digest); nil when none.
	Lost    *DigestCounters `json:"lost"`
	Digests []TopDigest     `json:"digests"`
	Notes   []string        `json:"notes"`
	// Snapshot is the snapshot stored by this call, if one was asked for.
	Snapshot *DigestSnapshotInfo `json:"snapshot,omitempty"`
}

// DigestSnapshotInfo describes a stored snapshot of the digest table.
type DigestSnapshotInfo struct {
	ID      int64     `json:"id"`
	Profile string    `json:"profile"`
	At      time.Time `json:"at"`
	// Uptime is the server's Uptime at the reading: a lower value later
	// means the server restarted in between.
	Uptime time.Duration `json:"uptime_ns"`
	Server string        `json:"server"`
	// Digests is the number of rows the server's table had.
	Digests int `json:"digests"`
	// Stored is how many rows this snapshot stored: all of them (Full) or
	// only those that changed since the previous snapshot.
	Stored int  `json:"stored"`
	Full   bool `json:"full"`
}

// DigestSnapshot is a snapshot with the whole table as it was then.
type DigestSnapshot struct {
	DigestSnapshotInfo
	Digests []Digest        `json:"digests"`
	Lost    *DigestCounters `json:"lost"`
	// Own marks digests recognised as mydba's own statements.
	Own map[DigestKey]bool `json:"-"`
	// Examples are the examples known when the snapshot was taken.
	Examples map[DigestKey]DigestExample `json:"-"`
}

// DigestDelta is one digest's growth between two snapshots.
type DigestDelta struct {
	Rank int `json:"rank"`
	// Digest carries the growth of the counters; MinTime and MaxTime are
	// those of the newer snapshot (since the row was created), AvgTime the
	// average over the interval.
	Digest
	// Status is "" for a digest counted in both snapshots, "new" for one
	// that appeared, "restarted" for one whose counters were reset in
	// between (TRUNCATE of the table, server restart): its growth is then
	// what it counted since the reset, a lower bound.
	Status string `json:"status"`
	// BaseAvgTime is the average latency up to the older snapshot; nil
	// when the digest was new or restarted.
	BaseAvgTime *time.Duration `json:"base_avg_time_ns"`
	// AvgChangePct compares the interval's average with BaseAvgTime.
	AvgChangePct *float64       `json:"avg_change_pct"`
	ImpactPct    float64        `json:"impact_pct"`
	QueryID      string         `json:"query_id"`
	QueryIDFrom  string         `json:"query_id_from"`
	Example      *DigestExample `json:"example"`
	Own          bool           `json:"own"`
}

// DigestTrend is what changed between two snapshots of the digest table.
type DigestTrend struct {
	Profile  string             `json:"profile"`
	From     DigestSnapshotInfo `json:"from"`
	To       DigestSnapshotInfo `json:"to"`
	Interval time.Duration      `json:"interval_ns"`
	// Reset says why every counter of the newer snapshot counts from a
	// reset (server restart, a different server) rather than from the
	// older snapshot; "" when they continue.
	Reset string `json:"reset,omitempty"`
	// Restarted counts digests whose rows were reset in between (TRUNCATE
	// of the summary table); Vanished those that disappeared.
	Restarted  int           `json:"restarted"`
	Vanished   int           `json:"vanished"`
	OrderBy    DigestOrder   `json:"order_by"`
	NoIndex    bool          `json:"no_index"`
	IncludeOwn bool          `json:"include_own"`
	Limit      int           `json:"limit"`
	Totals     DigestTotals  `json:"totals"`
	Digests    []DigestDelta `json:"digests"`
	Notes      []string      `json:"notes"`
}
