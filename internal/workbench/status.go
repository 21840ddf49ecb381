package workbench

import (
	"context"
	"fmt"
	"time"

	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/metric"
)

// StatusRequest configures Status.
type StatusRequest struct {
	// Interval between the two samples the rates come from; default 1s,
	// from 100ms to 1m.
	Interval time.Duration
}

// interval is the request's interval with its default, or why it is out
// of range.
func (q StatusRequest) interval() (time.Duration, error) {
	if q.Interval == 0 {
		return time.Second, nil
	}
	if q.Interval < 100*time.Millisecond || q.Interval > time.Minute {
		return 0, fmt.Errorf("%w: interval %s: want from 100ms to 1m", dba.ErrInvalid, q.Interval)
	}
	return q.Interval, nil
}

// Status samples the server's global status twice, Interval apart, and
// computes one screen: connections, per-second rates over the interval,
// buffer pool occupancy and hit rate, replication role and lag. What the
// user's privileges do not allow is listed in Unavailable, not an error.
func (w *Workbench) Status(ctx context.Context, r ConnRequest, q StatusRequest) (dba.ServerStatus, error) {
	interval, err := q.interval()
	if err != nil {
		return dba.ServerStatus{}, err
	}
	db, err := w.openStatus(ctx, r)
	if err != nil {
		return dba.ServerStatus{}, err
	}
	defer db.Close()
	return statusScreen(ctx, db, interval)
}

// openStatus opens the connection status reads: one call timeout for the
// whole screen unless the request sets one.
func (w *Workbench) openStatus(ctx context.Context, r ConnRequest) (*mysql.DB, error) {
	if r.CallTimeout <= 0 {
		r.CallTimeout = r.Timeout
	}
	db, _, err := w.open(ctx, r)
	return db, err
}

// statusScreen takes two samples interval apart and computes the screen.
func statusScreen(ctx context.Context, db *mysql.DB, interval time.Duration) (dba.ServerStatus, error) {
	prev, cur, own, err := db.StatusPair(ctx, interval)
	if err != nil {
		return dba.ServerStatus{}, err
	}
	// Read after the second sample, so these statements are not in the
	// interval.
	sc, err := db.StatusContext(ctx)
	if err != nil {
		return dba.ServerStatus{}, err
	}
	st := metric.Summarise(metric.StatusInput{
		Pair:           metric.Pair{Prev: prev, Cur: cur},
		MaxConnections: sc.MaxConnections,
		BufferPoolSize: sc.BufferPoolSize,
		OwnStatements:  own,
	})
	st.Server = db.Server()
	st.Replication = sc.Replication
	st.Unavailable = append(st.Unavailable, sc.Unavailable...)
	return st, nil
}
