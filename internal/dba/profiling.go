package dba

import (
	"strings"
	"time"
)

// StatementProfile is one statement run once and measured by the server's
// performance_schema: its statement event, the stages it went through
// (laid out for a waterfall chart: offset from the statement's start and
// duration) and, where instrumented, the waits inside them.
type StatementProfile struct {
	Server Server `json:"server"`
	// SQL is the statement as the user gave it (mydba's tag comment is
	// not part of it).
	SQL string `json:"sql"`
	// ThreadID and EventID locate the statement in performance_schema.
	ThreadID uint64 `json:"thread_id"`
	EventID  uint64 `json:"event_id"`
	// Duration is the server's TIMER_WAIT of the statement; ClientTime
	// what mydba measured around it, network and result transfer included.
	Duration   time.Duration `json:"duration_ns"`
	ClientTime time.Duration `json:"client_time_ns"`
	LockTime   time.Duration `json:"lock_time_ns"`
	// CPUTime is MySQL 8.0.28+ with the events_statements_cpu consumer on.
	CPUTime *time.Duration `json:"cpu_time_ns"`
	// MaxTotalMemory is MySQL 8.0.31+'s peak memory of the statement.
	MaxTotalMemory *uint64 `json:"max_total_memory_bytes"`
	Schema         string  `json:"schema"`
	Digest         string  `json:"digest"`
	DigestText     string  `json:"digest_text"`
	// RowsReceived is what mydba read from the result (and discarded).
	RowsReceived     int64  `json:"rows_received"`
	RowsSent         uint64 `json:"rows_sent"`
	RowsExamined     uint64 `json:"rows_examined"`
	RowsAffected     uint64 `json:"rows_affected"`
	TmpTables        uint64 `json:"tmp_tables"`
	TmpDiskTables    uint64 `json:"tmp_disk_tables"`
	SortMergePasses  uint64 `json:"sort_merge_passes"`
	SortRows         uint64 `json:"sort_rows"`
	SortRange        uint64 `json:"sort_range"`
	SortScan         uint64 `json:"sort_scan"`
	SelectFullJoin   uint64 `json:"select_full_join"`
	SelectFullRange  uint64 `json:"select_full_range_join"`
	SelectRange      uint64 `json:"select_range"`
	SelectRangeCheck uint64 `json:"select_range_check"`
	SelectScan       uint64 `json:"select_scan"`
	// NoIndexUsed: a table was scanned without an index; NoGoodIndexUsed:
	// the optimizer found no good index to use.
	NoIndexUsed     bool   `json:"no_index_used"`
	NoGoodIndexUsed bool   `json:"no_good_index_used"`
	Errors          uint64 `json:"errors"`
	Warnings        uint64 `json:"warnings"`
	// Stages in order; StageTime is their sum and StageCoveragePct its
	// share of Duration (low coverage means the stage history was
	// overwritten before it was read).
	Stages           []StageTiming `json:"stages"`
	StageTime        time.Duration `json:"stage_time_ns"`
	StageCoveragePct *float64      `json:"stage_coverage_pct"`
	// Waits summarise wait events inside the statement by instrument and
	// object, slowest first; nil when waits are not recorded (WaitsNote
	// says why).
	Waits     []WaitSummary `json:"waits"`
	WaitsNote string        `json:"waits_note,omitempty"`
	Notes     []string      `json:"notes"`
}

// StageTiming is one stage of a statement, a bar of the waterfall.
type StageTiming struct {
	// Name is the instrument (stage/sql/Sending data), Stage its last part.
	Name  string `json:"name"`
	Stage string `json:"stage"`
	// Start is the offset from the statement's start.
	Start    time.Duration `json:"start_ns"`
	Duration time.Duration `json:"duration_ns"`
	// SharePct is Duration over the statement's duration.
	SharePct float64 `json:"share_pct"`
	// WorkCompleted and WorkEstimated are progress units of stages that
	// report progress (ALTER TABLE on MySQL); nil otherwise.
	WorkCompleted *uint64 `json:"work_completed"`
	WorkEstimated *uint64 `json:"work_estimated"`
}

// WaitSummary is the wait events of one instrument on one object inside a
// statement.
type WaitSummary struct {
	Name   string        `json:"name"`
	Object string        `json:"object,omitempty"`
	Count  uint64        `json:"count"`
	Total  time.Duration `json:"total_ns"`
	Max    time.Duration `json:"max_ns"`
}

// InstrumentGap is a performance_schema setting that keeps a profile from
// being recorded.
type InstrumentGap struct {
	// Kind is performance_schema, consumer, instruments, thread or
	// privilege.
	Kind string `json:"kind"`
	// Name is the consumer, the instrument pattern (stage/%), or the
	// setting.
	Name string `json:"name"`
	// State says what it is now ("NO", "150 of 158 disabled or untimed").
	State string `json:"state"`
	// Fixable gaps mydba can close for the duration of a profile, through
	// the safety gate, and restore afterwards.
	Fixable bool `json:"fixable"`
	// Advice says what to do when it is not fixable by mydba.
	Advice string `json:"advice,omitempty"`
}

// SettingChange is a statement that changes a performance_schema setting,
// with the statements that put it back as it was.
type SettingChange struct {
	Statement string   `json:"statement"`
	Restore   []string `json:"restore"`
	Why       string   `json:"why"`
}

// NotInstrumentedError is a profile that cannot be recorded: the gaps say
// which performance_schema settings are missing.
type NotInstrumentedError struct {
	Gaps []InstrumentGap
}

func (e *NotInstrumentedError) Error() string {
	parts := make([]string, 0, len(e.Gaps))
	for _, g := range e.Gaps {
		s := g.Kind + " " + g.Name + " is " + g.State
		if g.Advice != "" {
			s += " (" + g.Advice + ")"
		}
		parts = append(parts, s)
	}
	return "performance_schema would not record the statement: " + strings.Join(parts, "; ")
}

// Fixable reports whether mydba can close every gap itself.
func (e *NotInstrumentedError) Fixable() bool {
	for _, g := range e.Gaps {
		if !g.Fixable {
			return false
		}
	}
	return len(e.Gaps) > 0
}
