package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
)

// Writer is the one writable session the safety gate uses: a single
// connection without the read-only setting, still under the server-side
// statement timeout, killed on the server when a call is cancelled. Only
// the gate (through the workbench) opens one.
type Writer struct {
	db   *DB
	pool *sql.DB
	conn *sql.Conn
	id   int64
	// CountTimeout bounds the COUNT(*) a plan runs; past it the plan falls
	// back to the optimizer's estimate.
	CountTimeout time.Duration
}

// OpenWriter opens the gate's writable session on the same server.
func (d *DB) OpenWriter(ctx context.Context) (*Writer, error) {
	sc := &sessionConnector{inner: d.base, init: statementTimeout(d.server, d.stmtTimeout)}
	pool := sql.OpenDB(sc)
	pool.SetMaxOpenConns(1)
	cctx, cancel := context.WithTimeout(ctx, d.callTimeout)
	defer cancel()
	conn, err := pool.Conn(cctx)
	if err != nil {
		pool.Close()
		return nil, d.callError("open a writable session", err)
	}
	w := &Writer{db: d, pool: pool, conn: conn, CountTimeout: 5 * time.Second}
	_ = conn.Raw(func(dc any) error {
		if s, ok := dc.(*sessionConn); ok {
			w.id = s.id
		}
		return nil
	})
	return w, nil
}

// Close ends the session; an open transaction rolls back on the server.
func (w *Writer) Close() error {
	w.conn.Close()
	return w.pool.Close()
}

// Server is the detected server.
func (w *Writer) Server() dba.Server { return w.db.server }

// ThreadID is the writable session's server thread id.
func (w *Writer) ThreadID() int64 { return w.id }

// Facts plans a statement without running it.
func (w *Writer) Facts(ctx context.Context, stmt string, cl sqltext.Classification) (dba.ChangeFacts, error) {
	f := dba.ChangeFacts{Rows: -1}
	var logBin, sqlLogBin int64
	err := w.db.withSession(ctx, func(ctx context.Context, s Session) error {
		return s.QueryRowContext(ctx, "/* mydba:plan */ SELECT @@log_bin, @@sql_log_bin").Scan(&logBin, &sqlLogBin)
	})
	if err != nil {
		return f, err
	}
	f.Replicated = logBin != 0 && sqlLogBin != 0
	if cl.Class != sqltext.ClassWrite {
		return f, nil
	}
	f.Transactional = true
	if err := w.engines(ctx, cl, &f); err != nil {
		return f, err
	}
	c := sqltext.NewClassifier()
	estimate := int64(-1)
	if cl.Kind == "INSERT" || cl.Kind == "REPLACE" || cl.Kind == "UPDATE" || cl.Kind == "DELETE" {
		lines, est, err := w.explain(ctx, stmt)
		if err != nil {
			f.Notes = append(f.Notes, "EXPLAIN failed: "+err.Error())
		}
		f.Explain, estimate = lines, est
	}
	q, rows, ok := c.CountQuery(stmt)
	switch {
	case !ok:
		f.RowsNote = "rows cannot be counted before running this statement"
	case q == "":
		f.Rows, f.RowsExact = rows, true
	default:
		cctx, cancel := context.WithTimeout(ctx, w.CountTimeout)
		var n int64
		err := w.db.withSession(cctx, func(ctx context.Context, s Session) error {
			return s.QueryRowContext(ctx, "/* mydba:plan */ "+q).Scan(&n)
		})
		cancel()
		switch {
		case err == nil:
			f.Rows, f.RowsExact = n, true
		case estimate >= 0:
			f.Rows = estimate
			f.RowsNote = fmt.Sprintf("the exact count did not finish within %s; this is the optimizer's estimate", w.CountTimeout)
		default:
			f.RowsNote = "rows could not be counted: " + err.Error()
		}
	}
	return f, nil
}

// engines checks every written table is on a transactional engine.
func (w *Writer) engines(ctx context.Context, cl sqltext.Classification, f *dba.ChangeFacts) error {
	var args []any
	var conds []string
	for _, o := range cl.Objects {
		if o.Type != "table" || o.Access != "write" {
			continue
		}
		schema := o.Schema
		if schema == "" {
			schema = w.db.target.Database
		}
		conds = append(conds, "(TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND TABLE_NAME = ?)")
		args = append(args, schema, o.Name)
	}
	if len(conds) == 0 {
		return nil
	}
	return w.db.withSession(ctx, func(ctx context.Context, s Session) error {
		rows, err := s.QueryContext(ctx, "/* mydba:plan */ SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(ENGINE, '') FROM information_schema.TABLES WHERE "+strings.Join(conds, " OR "), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var schema, name, engine string
			if err := rows.Scan(&schema, &name, &engine); err != nil {
				return err
			}
			switch strings.ToLower(engine) {
			case "innodb", "rocksdb", "tokudb", "ndbcluster", "ndb":
			default:
				f.Transactional = false
				f.Notes = append(f.Notes, fmt.Sprintf("%s.%s uses %s, which has no transactions: the change cannot be rolled back", schema, name, engine))
			}
		}
		return rows.Err()
	})
}

// explain returns EXPLAIN's rows as text lines and the first row's
// estimate of rows examined. It runs on the writable session: servers
// refuse EXPLAIN of a write in a read-only transaction, although EXPLAIN
// never executes it.
func (w *Writer) explain(ctx context.Context, stmt string) ([]string, int64, error) {
	var lines []string
	est := int64(-1)
	ctx, cancel := context.WithTimeout(ctx, w.db.callTimeout)
	defer cancel()
	err := func() error {
		rows, err := w.conn.QueryContext(ctx, "/* mydba:plan */ EXPLAIN "+stmt)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		lines = append(lines, strings.Join(cols, " | "))
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			cells := make([]string, len(cols))
			for i, v := range vals {
				cells[i] = "NULL"
				if v.Valid {
					cells[i] = v.String
				}
				if strings.EqualFold(cols[i], "rows") && est < 0 && v.Valid {
					if n, err := strconv.ParseInt(v.String, 10, 64); err == nil {
						est = n
					}
				}
			}
			lines = append(lines, strings.Join(cells, " | "))
		}
		return rows.Err()
	}()
	return lines, est, err
}

// Execute runs the statement on the writable session.
func (w *Writer) Execute(ctx context.Context, stmt string, args []any, mode dba.TxMode, check func(int64) error) (dba.ChangeResult, error) {
	var res dba.ChangeResult
	ctx, cancel := context.WithTimeout(ctx, w.db.stmtTimeout+5*time.Second)
	defer cancel()
	defer w.db.killOnDone(ctx, w.id)()
	start := time.Now()
	exec := func(q string, args ...any) (sql.Result, error) { return w.conn.ExecContext(ctx, q, args...) }
	if mode != dba.NoTx {
		if _, err := exec("/* mydba:exec */ START TRANSACTION"); err != nil {
			return res, w.db.callError("begin", err)
		}
	}
	r, err := exec("/* mydba:exec */ "+stmt, args...)
	if err != nil {
		if mode != dba.NoTx {
			_, _ = exec("/* mydba:exec */ ROLLBACK")
		}
		res.Duration = time.Since(start)
		return res, w.db.callError("execute", err)
	}
	if n, rerr := r.RowsAffected(); rerr == nil {
		res.RowsAffected = n
	}
	res.Warnings = w.warnings(ctx)
	switch mode {
	case dba.TxRollback:
		_, err = exec("/* mydba:exec */ ROLLBACK")
		res.RolledBack = true
	case dba.TxCommit:
		if check != nil {
			if cerr := check(res.RowsAffected); cerr != nil {
				if _, rb := exec("/* mydba:exec */ ROLLBACK"); rb != nil {
					cerr = errors.Join(cerr, rb)
				}
				res.RolledBack = true
				res.Duration = time.Since(start)
				return res, cerr
			}
		}
		_, err = exec("/* mydba:exec */ COMMIT")
	}
	res.Duration = time.Since(start)
	if err != nil {
		return res, w.db.callError("finish the transaction", err)
	}
	return res, nil
}

func (w *Writer) warnings(ctx context.Context) []string {
	rows, err := w.conn.QueryContext(ctx, "/* mydba:exec */ SHOW WARNINGS")
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var level, msg string
		var code int64
		if rows.Scan(&level, &code, &msg) == nil {
			out = append(out, fmt.Sprintf("%s %d: %s", level, code, msg))
		}
	}
	if rows.Err() != nil {
		return append(out, "(warnings could not be read completely)")
	}
	return out
}
