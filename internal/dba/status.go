package dba

import (
	"strconv"
	"strings"
	"time"
)

// StatusSample is one reading of SHOW GLOBAL STATUS: counter and gauge
// names as the server prints them, and when the reading finished.
type StatusSample struct {
	At     time.Time         `json:"at"`
	Values map[string]string `json:"values"`
}

// Uint reads a counter; ok is false when it is missing or not a whole
// non-negative number.
func (s StatusSample) Uint(name string) (uint64, bool) {
	v, ok := s.Values[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	return n, err == nil
}

// Int reads a gauge that fits an int64.
func (s StatusSample) Int(name string) (int64, bool) {
	v, ok := s.Values[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil
}

// ServerStatus is one screen of a server: identity, load and health
// computed from two status samples an interval apart. Every rate is a delta
// over that interval, never a lifetime average. A value the server or the
// user's privileges did not provide is nil, and Unavailable says why.
type ServerStatus struct {
	Server Server        `json:"server"`
	Uptime time.Duration `json:"uptime_ns"`
	// Interval is the measured time between the two samples.
	Interval time.Duration `json:"interval_ns"`
	// Reset is set when the counters went backwards between the samples
	// (restart, FLUSH STATUS): rates are then withheld, never negative.
	Reset       string           `json:"reset,omitempty"`
	Connections ConnectionStatus `json:"connections"`
	Rates       StatusRates      `json:"rates"`
	BufferPool  *BufferPool      `json:"buffer_pool"`
	Replication Replication      `json:"replication"`
	Unavailable []Unavailable    `json:"unavailable"`
}

// ConnectionStatus is Threads_connected against max_connections.
type ConnectionStatus struct {
	Connected      int64    `json:"connected"`
	Max            int64    `json:"max"`
	MaxUsed        int64    `json:"max_used"`
	Running        int64    `json:"running"`
	UsedPercent    *float64 `json:"used_percent"`
	MaxUsedPercent *float64 `json:"max_used_percent"`
}

// StatusRates are per-second rates over the interval.
type StatusRates struct {
	// QPS counts statements clients sent (Questions), without the one
	// statement mydba itself sends to take the second sample.
	QPS *float64 `json:"qps"`
	// TPS counts explicit transaction ends: COMMIT and ROLLBACK statements
	// (Com_commit + Com_rollback). Autocommit statements are not in it.
	TPS *float64 `json:"tps"`
	// EngineCommits counts storage-engine commits and rollbacks
	// (Handler_commit + Handler_rollback), which include every autocommit
	// statement, reads too: an upper bound where TPS is a lower one.
	EngineCommits *float64 `json:"engine_commits"`
	Select        *float64 `json:"select"`
	Insert        *float64 `json:"insert"`
	Update        *float64 `json:"update"`
	Delete        *float64 `json:"delete"`
	// Notes explain a rate that needs it (for example TPS 0 while rows
	// were written: the workload runs in autocommit).
	Notes []string `json:"notes,omitempty"`
}

// BufferPool is the InnoDB buffer pool: occupancy from the second sample,
// hit rate from the deltas.
type BufferPool struct {
	SizeBytes   int64    `json:"size_bytes"`
	PagesTotal  int64    `json:"pages_total"`
	PagesData   int64    `json:"pages_data"`
	PagesFree   int64    `json:"pages_free"`
	PagesDirty  int64    `json:"pages_dirty"`
	UsedPercent *float64 `json:"used_percent"`
	FreePercent *float64 `json:"free_percent"`
	// ReadRequests and DiskReads are the deltas over the interval
	// (Innodb_buffer_pool_read_requests, Innodb_buffer_pool_reads).
	ReadRequests int64 `json:"read_requests"`
	DiskReads    int64 `json:"disk_reads"`
	// HitPercent is nil when there were no read requests in the interval
	// (HitNote says so) rather than a made-up 100% or NaN.
	HitPercent *float64 `json:"hit_percent"`
	HitNote    string   `json:"hit_note,omitempty"`
}

// Replication roles.
const (
	RolePrimary    = "primary"
	RoleReplica    = "replica"
	RoleStandalone = "standalone"
	RoleUnknown    = "unknown"
)

// Replication is the server's place in replication and, on a replica, how
// far behind it is.
type Replication struct {
	Role   string `json:"role"`
	Source string `json:"source,omitempty"`
	// IORunning and SQLRunning are the replica threads as the server
	// reports them (Yes, No, Connecting).
	IORunning  string `json:"io_running,omitempty"`
	SQLRunning string `json:"sql_running,omitempty"`
	// LagSeconds is Seconds_Behind_Source/Master, only when both threads
	// run: a stopped replica can report 0 and is not "caught up".
	LagSeconds *int64 `json:"lag_seconds"`
	LastError  string `json:"last_error,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Unavailable names a part of a report the server did not give and why
// (missing privilege, engine not loaded).
type Unavailable struct {
	What   string `json:"what"`
	Reason string `json:"reason"`
}
