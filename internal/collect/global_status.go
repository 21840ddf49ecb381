package collect

import (
	"context"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// StatusReader reads SHOW GLOBAL STATUS.
type StatusReader interface {
	MonitorStatus(ctx context.Context) (dba.Reading, error)
}

// GlobalStatus reads the server's status counters and gauges: the source
// of every rate (queries, transactions, bytes, buffer pool reads) and of
// restart detection (Uptime). It is the monitor's clock: one sample per
// interval, 1 second by default.
type GlobalStatus struct{}

var _ Collector = GlobalStatus{}

// Name implements Collector.
func (GlobalStatus) Name() string { return "global_status" }

// Supports implements Collector: every server has SHOW GLOBAL STATUS.
func (GlobalStatus) Supports(s dba.Server) (bool, string) { return known(s) }

// Interval implements Collector.
func (GlobalStatus) Interval() time.Duration { return time.Second }

// Timeout implements Collector.
func (GlobalStatus) Timeout() time.Duration { return 5 * time.Second }

// Collect implements Collector.
func (c GlobalStatus) Collect(ctx context.Context, src Source) (dba.Reading, error) {
	r, ok := src.(StatusReader)
	if !ok {
		return dba.Reading{}, missing("global status")
	}
	return r.MonitorStatus(ctx)
}

// known accepts any detected server: the sources every flavour has.
func known(s dba.Server) (bool, string) {
	if s.Flavor == dba.FlavorUnknown {
		return false, "the server's flavour was not detected"
	}
	return true, ""
}
