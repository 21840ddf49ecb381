package collect

import (
	"context"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// DigestSnapshotter stores a snapshot of the server's statement digest
// table (performance_schema.events_statements_summary_by_digest) and says
// what it stored. The workbench provides it: a snapshot goes to the state
// store, where the top-queries trends read it.
type DigestSnapshotter interface {
	// PerformanceSchemaOn reports @@performance_schema.
	PerformanceSchemaOn(ctx context.Context) (bool, error)
	SnapshotDigests(ctx context.Context) (dba.DigestSnapshotInfo, error)
}

// Digests snapshots the statement digest table every 10 minutes, feeding
// the top-queries trends (mydba top --since, the sparklines of the Top
// queries page). It needs the Performance Schema: with it off the
// collector is unavailable and says so, and the others run.
type Digests struct{}

var _ Collector = Digests{}

// Name implements Collector.
func (Digests) Name() string { return "digests" }

// Supports implements Collector: the digest table exists from MySQL 5.6
// and MariaDB 10.0.
func (Digests) Supports(s dba.Server) (bool, string) { return known(s) }

// Interval implements Collector.
func (Digests) Interval() time.Duration { return 10 * time.Minute }

// Timeout implements Collector.
func (Digests) Timeout() time.Duration { return 30 * time.Second }

// Collect implements Collector.
func (Digests) Collect(ctx context.Context, src Source) (dba.Reading, error) {
	r, ok := src.(DigestSnapshotter)
	if !ok {
		return dba.Reading{}, missing("digest snapshot")
	}
	on, err := r.PerformanceSchemaOn(ctx)
	if err != nil {
		return dba.Reading{}, err
	}
	if !on {
		return dba.Reading{Statements: 1}, errPFSOff
	}
	info, err := r.SnapshotDigests(ctx)
	if err != nil {
		return dba.Reading{}, err
	}
	return dba.Reading{
		Statements: 1,
		Values:     map[string]float64{"digests": float64(info.Digests), "digests_stored": float64(info.Stored)},
	}, nil
}

// errPFSOff is the error of a server without the Performance Schema.
var errPFSOff = &offError{}

type offError struct{}

func (*offError) Error() string {
	return "performance_schema is OFF on this server: no statement digests to snapshot (set performance_schema=ON in its configuration and restart it)"
}

func (*offError) Unwrap() error { return dba.ErrUnavailable }
