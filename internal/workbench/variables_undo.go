package workbench

import (
	"context"

	"github.com/mydba/mydba/internal/dba"
)

// LastVariableChange is the change UndoVariable would put back on a
// profile, so a presenter can say what "undo" will do before anyone asks
// for it; dba.ErrNotFound when there is nothing to undo.
func (w *Workbench) LastVariableChange(ctx context.Context, profile string) (dba.VariableChange, error) {
	return w.store.LastVariableChange(ctx, profile)
}
