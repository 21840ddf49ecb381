package collect

import (
	"context"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// ReplicationReader reads the replication role and replica state.
type ReplicationReader interface {
	MonitorReplication(ctx context.Context) (dba.Reading, error)
}

// Replication reads the basics of replication every 5 seconds: the role
// (primary, replica, standalone), on a replica whether its IO and SQL
// threads run, and the lag (only when both run: a stopped replica's 0 is
// not "caught up"). Multi-source channels, GTID gaps and topology are for
// later.
type Replication struct{}

var _ Collector = Replication{}

// Name implements Collector.
func (Replication) Name() string { return "replication" }

// Supports implements Collector.
func (Replication) Supports(s dba.Server) (bool, string) { return known(s) }

// Interval implements Collector.
func (Replication) Interval() time.Duration { return 5 * time.Second }

// Timeout implements Collector.
func (Replication) Timeout() time.Duration { return 5 * time.Second }

// Collect implements Collector.
func (Replication) Collect(ctx context.Context, src Source) (dba.Reading, error) {
	r, ok := src.(ReplicationReader)
	if !ok {
		return dba.Reading{}, missing("replication status")
	}
	return r.MonitorReplication(ctx)
}
