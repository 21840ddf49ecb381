package workbench

import (
	"context"

	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/dba"
)

// The explorer's use cases: what a server holds, page by page. Every one
// checks its input before connecting, so bad input never costs a round
// trip, and reads through the adapter's read-only, time-limited sessions.

// explore validates, connects, runs one adapter call and closes.
func explore[T any](ctx context.Context, w *Workbench, r ConnRequest, validate func() error, call func(*mysql.DB) (T, error)) (T, error) {
	var zero T
	if err := validate(); err != nil {
		return zero, err
	}
	if r.CallTimeout <= 0 {
		r.CallTimeout = r.Timeout
	}
	db, _, err := w.open(ctx, r)
	if err != nil {
		return zero, err
	}
	defer db.Close()
	return call(db)
}

// Schemas lists one page of schemas with table counts and sizes. The
// filter and the page cursor go to the server.
func (w *Workbench) Schemas(ctx context.Context, r ConnRequest, q dba.SchemaQuery) (dba.SchemaPage, error) {
	return explore(ctx, w, r, q.Normalize, func(db *mysql.DB) (dba.SchemaPage, error) {
		return db.Schemas(ctx, q)
	})
}

// Tables lists one page of a schema's tables; an unknown schema is
// dba.ErrNotFound with the closest names.
func (w *Workbench) Tables(ctx context.Context, r ConnRequest, q dba.TableQuery) (dba.TablePage, error) {
	return explore(ctx, w, r, q.Normalize, func(db *mysql.DB) (dba.TablePage, error) {
		return db.Tables(ctx, q)
	})
}

// Describe shows one table or view: columns, indexes, foreign keys both
// ways, triggers and its CREATE statement.
func (w *Workbench) Describe(ctx context.Context, r ConnRequest, name dba.QualifiedName) (dba.TableDetail, error) {
	return explore(ctx, w, r, func() error { return validateName(name) }, func(db *mysql.DB) (dba.TableDetail, error) {
		return db.Describe(ctx, name.Schema, name.Name)
	})
}

// Preview reads one page of a table's rows, by key where the table has one.
func (w *Workbench) Preview(ctx context.Context, r ConnRequest, q dba.PreviewQuery) (dba.Preview, error) {
	return explore(ctx, w, r, q.Normalize, func(db *mysql.DB) (dba.Preview, error) {
		return db.Preview(ctx, q)
	})
}

// Objects lists one page of a schema's views, routines, triggers or events.
func (w *Workbench) Objects(ctx context.Context, r ConnRequest, q dba.ObjectQuery) (dba.ObjectPage, error) {
	return explore(ctx, w, r, q.Normalize, func(db *mysql.DB) (dba.ObjectPage, error) {
		return db.Objects(ctx, q)
	})
}

// ShowCreate returns an object's CREATE statement; one the user may not
// read comes back with Hidden naming the privilege it needs.
func (w *Workbench) ShowCreate(ctx context.Context, r ConnRequest, kind dba.ObjectKind, name dba.QualifiedName) (dba.CreateStatement, error) {
	validate := func() error {
		if _, err := dba.ParseObjectKind(string(kind), true); err != nil {
			return err
		}
		return validateName(name)
	}
	return explore(ctx, w, r, validate, func(db *mysql.DB) (dba.CreateStatement, error) {
		return db.ShowCreate(ctx, kind, name)
	})
}

func validateName(q dba.QualifiedName) error {
	if err := dba.ValidateIdentifier(q.Schema); err != nil {
		return err
	}
	return dba.ValidateIdentifier(q.Name)
}
