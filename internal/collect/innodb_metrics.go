package collect

import (
	"context"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// InnoDBMetricsReader reads information_schema.INNODB_METRICS.
type InnoDBMetricsReader interface {
	MonitorInnoDBMetrics(ctx context.Context) (dba.Reading, error)
}

// InnoDBMetrics reads the enabled counters of
// information_schema.INNODB_METRICS (10 s): deadlocks on MySQL, which has
// no Innodb_deadlocks status variable, and InnoDB internals the status
// does not show. It needs the PROCESS privilege; without it the collector
// is unavailable and the others run.
type InnoDBMetrics struct{}

var _ Collector = InnoDBMetrics{}

// Name implements Collector.
func (InnoDBMetrics) Name() string { return "innodb_metrics" }

// Supports implements Collector: the table exists from MySQL 5.6 and
// MariaDB 10.0, older than anything mydba targets.
func (InnoDBMetrics) Supports(s dba.Server) (bool, string) { return known(s) }

// Interval implements Collector.
func (InnoDBMetrics) Interval() time.Duration { return 10 * time.Second }

// Timeout implements Collector.
func (InnoDBMetrics) Timeout() time.Duration { return 5 * time.Second }

// Collect implements Collector.
func (InnoDBMetrics) Collect(ctx context.Context, src Source) (dba.Reading, error) {
	r, ok := src.(InnoDBMetricsReader)
	if !ok {
		return dba.Reading{}, missing("InnoDB metrics")
	}
	return r.MonitorInnoDBMetrics(ctx)
}
