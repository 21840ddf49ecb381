package workbench

import (
	"context"
	"fmt"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/metric"
)

// StatusRequest configures Status.
type StatusRequest struct {
	// Interval between the two samples the rates come from; default 1s,
	// from 100ms to 1m.
	Interval time.Duration
}

// Status samples the server's global status twice, Interval apart, and
// computes one screen: connections, per-second rates over the interval,
// buffer pool occupancy and hit rate, replication role and lag. What the
// user's privileges do not allow is listed in Unavailable, not an error.
func (w *Workbench) Status(ctx context.Context, r ConnRequest, q StatusRequest) (dba.ServerStatus, error) {
	if q.Interval == 0 {
		q.Interval = time.Second
	}
	if q.Interval < 100*time.Millisecond || q.Interval > time.Minute {
		return dba.ServerStatus{}, fmt.Errorf("%w: interval %s: want from 100ms to 1m", dba.ErrInvalid, q.Interval)
	}
	if r.CallTimeout <= 0 {
		r.CallTimeout = r.Timeout
	}
	db, _, err := w.open(ctx, r)
	if err != nil {
		return dba.ServerStatus{}, err
	}
	defer db.Close()
	prev, cur, own, err := db.StatusPair(ctx, q.Interval)
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
