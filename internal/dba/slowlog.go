package dba

import "time"

// SlowLogDigest is a slow query log (one or more files) grouped by query
// fingerprint: what `mydba digest` prints. Classes are ranked by total
// query time, as pt-query-digest ranks them.
type SlowLogDigest struct {
	Files []SlowLogFile `json:"files"`
	// EventsRead is every event parsed; Events those that passed --since,
	// --until and --filter and were aggregated.
	EventsRead int64 `json:"events_read"`
	Events     int64 `json:"events"`
	// ClassCount is the number of distinct fingerprints among Events.
	ClassCount int `json:"class_count"`
	// Skipped sums the files' skipped lines and incomplete events.
	Skipped SlowLogSkipped `json:"skipped"`
	// Since, Until and Filters echo the selection.
	Since   *time.Time `json:"since,omitempty"`
	Until   *time.Time `json:"until,omitempty"`
	Filters []string   `json:"filters,omitempty"`
	// FirstSeen and LastSeen span the aggregated events that had a time.
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	// Totals are the metrics over all aggregated events.
	Totals SlowLogMetrics `json:"totals"`
	// Top is how many classes Classes holds (0: all).
	Top     int            `json:"top"`
	Classes []SlowLogClass `json:"classes"`
	// Overflow counts events of fingerprints first seen after the class
	// limit was reached; they are in Totals but in no class.
	Overflow SlowLogOverflow `json:"overflow"`
	// Notes are warnings for the reader (a file with no events, a
	// truncated .gz, an event cut at the size limit).
	Notes []string `json:"notes,omitempty"`
}

// SlowLogFile is one input file.
type SlowLogFile struct {
	Name string `json:"name"`
	// Bytes is the file size on disk (compressed, for .gz); Read is the
	// size of the slow-log text read from it.
	Bytes      int64          `json:"bytes"`
	Read       int64          `json:"read_bytes"`
	Compressed bool           `json:"gzip,omitempty"`
	Events     int64          `json:"events"`
	Skipped    SlowLogSkipped `json:"skipped"`
}

// SlowLogSkipped is what could not be read as events.
type SlowLogSkipped struct {
	// Lines outside any event: binary garbage, text before the first
	// event header; Bytes is their size.
	Lines int64 `json:"lines"`
	Bytes int64 `json:"bytes"`
	// Incomplete events had headers but no statement (a truncated file).
	Incomplete int64 `json:"incomplete_events"`
	// ForcedCuts are events longer than the size limit, cut in two.
	ForcedCuts int64 `json:"forced_cuts,omitempty"`
}

// SlowLogOverflow reports the class limit.
type SlowLogOverflow struct {
	Limit  int   `json:"class_limit"`
	Events int64 `json:"events"`
}

// SlowLogMetrics are the aggregates of one class, or of all events.
type SlowLogMetrics struct {
	Count int64 `json:"count"`
	// QueryTime and LockTime are in seconds. QueryTime.P95 comes from a
	// histogram with 5% wide buckets (see docs/digest.md).
	QueryTime    SlowLogStat  `json:"query_time"`
	LockTime     SlowLogStat  `json:"lock_time"`
	RowsSent     *SlowLogStat `json:"rows_sent,omitempty"`
	RowsExamined *SlowLogStat `json:"rows_examined,omitempty"`
	RowsAffected *SlowLogStat `json:"rows_affected,omitempty"`
	BytesSent    *SlowLogStat `json:"bytes_sent,omitempty"`
	// Attributes holds every other attribute the log has, by its
	// snake_case name: Yes/No flags (full_scan, filesort, tmp_table_on_disk)
	// count the events with Yes in Sum; counters (tmp_tables,
	// innodb_io_r_ops, pages_read) are summed.
	Attributes map[string]SlowLogStat `json:"attributes,omitempty"`
}

// SlowLogStat summarises one attribute over the events that logged it.
type SlowLogStat struct {
	// Events is how many events logged the attribute (older formats lack
	// Rows_affected and Bytes_sent).
	Events int64   `json:"events"`
	Sum    float64 `json:"sum"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Avg    float64 `json:"avg"`
	// P95 is set for query time only.
	P95 *float64 `json:"p95,omitempty"`
}

// SlowLogClass is the events of one fingerprint.
type SlowLogClass struct {
	Rank int `json:"rank"`
	// ID is pt-query-digest's query ID (upper-case MD5 of the
	// fingerprint), so classes can be looked up in either tool.
	ID          string `json:"id"`
	Fingerprint string `json:"fingerprint"`
	// ResponseShare is the class's share of all query time (0-1).
	ResponseShare float64 `json:"response_share"`
	// VarianceToMean is the query time's variance over its mean (V/M):
	// near 0 for a steady query, large for one that is sometimes slow.
	VarianceToMean float64 `json:"variance_to_mean"`
	SlowLogMetrics
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	// Databases, Users and Hosts count the events per value, most
	// frequent first; the first 16 distinct values are kept and the rest
	// counted in *Other.
	Databases      []SlowLogValue `json:"databases,omitempty"`
	DatabasesOther int64          `json:"databases_other,omitempty"`
	Users          []SlowLogValue `json:"users,omitempty"`
	UsersOther     int64          `json:"users_other,omitempty"`
	Hosts          []SlowLogValue `json:"hosts,omitempty"`
	HostsOther     int64          `json:"hosts_other,omitempty"`
	// Sample is the slowest event.
	Sample SlowLogSample `json:"sample"`
}

// SlowLogValue is a value and how many events had it.
type SlowLogValue struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// SlowLogSample is one event kept whole: the class's slowest.
type SlowLogSample struct {
	Query string `json:"query"`
	// Truncated is set when Query was cut at the sample size limit.
	Truncated bool       `json:"truncated,omitempty"`
	Time      *time.Time `json:"time,omitempty"`
	DB        string     `json:"db,omitempty"`
	User      string     `json:"user,omitempty"`
	Host      string     `json:"host,omitempty"`
	ThreadID  uint64     `json:"thread_id,omitempty"`
	QueryTime float64    `json:"query_time"`
	LockTime  float64    `json:"lock_time"`
	// RowsSent and RowsExamined are absent when the log lacks them.
	RowsSent     *float64 `json:"rows_sent,omitempty"`
	RowsExamined *float64 `json:"rows_examined,omitempty"`
	// File and Offset locate the event (offset in the decompressed text).
	File   string `json:"file"`
	Offset int64  `json:"offset"`
	// Explain is MariaDB's logged EXPLAIN (log_slow_verbosity=explain),
	// tab-separated.
	Explain string `json:"explain,omitempty"`
}
