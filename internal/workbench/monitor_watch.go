package workbench

import (
	"context"
	"fmt"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/metric"
)

// WatchStatus is Status again and again on one connection (`mydba status
// --watch`): each screen's rates are over its own Interval, measured
// between two fresh samples, and fn receives it. It stops when fn returns
// an error (returned) or ctx ends (nil: Ctrl-C is how a watch ends). A
// failed sample ends the watch with its error.
func (w *Workbench) WatchStatus(ctx context.Context, r ConnRequest, q StatusRequest, fn func(dba.ServerStatus) error) error {
	if q.Interval == 0 {
		q.Interval = time.Second
	}
	if q.Interval < 100*time.Millisecond || q.Interval > time.Minute {
		return fmt.Errorf("%w: interval %s: want from 100ms to 1m", dba.ErrInvalid, q.Interval)
	}
	if r.CallTimeout <= 0 {
		r.CallTimeout = r.Timeout
	}
	db, _, err := w.open(ctx, r)
	if err != nil {
		return err
	}
	defer db.Close()
	for {
		prev, cur, own, err := db.StatusPair(ctx, q.Interval)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		sc, err := db.StatusContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
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
		if err := fn(st); err != nil {
			return err
		}
	}
}
