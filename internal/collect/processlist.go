package collect

import (
	"context"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// SessionsReader summarises sessions and transactions.
type SessionsReader interface {
	MonitorSessions(ctx context.Context) (dba.Reading, error)
}

// ProcessList summarises the server's sessions every 5 seconds: counts by
// command and state, active and sleeping sessions, the longest running
// statement, sessions waiting for a lock, and from INNODB_TRX the open
// transactions, the oldest one's age and the row lock waits. Aggregation
// happens on the server, so a busy server sends a few rows.
type ProcessList struct{}

var _ Collector = ProcessList{}

// Name implements Collector.
func (ProcessList) Name() string { return "processlist" }

// Supports implements Collector.
func (ProcessList) Supports(s dba.Server) (bool, string) { return known(s) }

// Interval implements Collector.
func (ProcessList) Interval() time.Duration { return 5 * time.Second }

// Timeout implements Collector.
func (ProcessList) Timeout() time.Duration { return 5 * time.Second }

// Collect implements Collector.
func (ProcessList) Collect(ctx context.Context, src Source) (dba.Reading, error) {
	r, ok := src.(SessionsReader)
	if !ok {
		return dba.Reading{}, missing("session summary")
	}
	return r.MonitorSessions(ctx)
}
