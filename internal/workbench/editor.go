package workbench

import (
	"context"

	"github.com/mydba/mydba/internal/dba"
)

// DetectServer connects (through the pool the workbench keeps for the
// profile, when it keeps one) and returns the server detected at connect:
// flavour and version, for presenters that adapt to them, such as the
// query editor choosing its SQL dialect. It sends nothing beyond what
// connecting sends.
func (w *Workbench) DetectServer(ctx context.Context, r ConnRequest) (dba.Server, error) {
	db, _, err := w.open(ctx, r)
	if err != nil {
		return dba.Server{}, err
	}
	defer db.Close()
	return db.Server(), nil
}
