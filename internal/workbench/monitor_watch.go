package workbench

import (
	"context"

	"github.com/mydba/mydba/internal/dba"
)

// WatchStatus is Status again and again on one connection (`mydba status
// --watch`): each screen's rates are over its own Interval, measured
// between two fresh samples, and fn receives it. It stops when fn returns
// an error (returned) or ctx ends (nil: Ctrl-C is how a watch ends). A
// failed sample ends the watch with its error.
func (w *Workbench) WatchStatus(ctx context.Context, r ConnRequest, q StatusRequest, fn func(dba.ServerStatus) error) error {
	interval, err := q.interval()
	if err != nil {
		return err
	}
	db, err := w.openStatus(ctx, r)
	if err != nil {
		return err
	}
	defer db.Close()
	for {
		st, err := statusScreen(ctx, db, interval)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
	}
}
