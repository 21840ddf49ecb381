package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/dba"
)

// queryTag marks the user's own statements; queryStatsTag the statements
// the runner adds to learn what they cost. The stats query finds the
// user's statement in performance_schema by this exact prefix.
const (
	queryTag      = "/* mydba:query */ "
	queryStatsTag = "/* mydba:query-stats */ "
)

// ScriptOptions tune RunScript.
type ScriptOptions struct {
	// MaxRows and MaxBytes cap each result set (0: no cap). At a cap the
	// runner stops reading, stops the statement on the server and skips
	// whatever the server had already sent.
	MaxRows  int64
	MaxBytes int64
	// StatementTimeout bounds each statement from the client side: past
	// it the statement is killed on the server. 0: only the call's own
	// deadline. The server-side limit (ConnectParams.StatementTimeout)
	// normally fires first; this is the backstop where it does not apply
	// (MySQL's max_execution_time covers SELECT only).
	StatementTimeout time.Duration
	// UTC sets the session's time_zone to '+00:00' before the script, so
	// TIMESTAMP values read back the same on any server (SQL exports).
	UTC bool
}

// ScriptSink receives a script's results as they stream, in order.
type ScriptSink interface {
	// ResultSet starts a result set of statement stmt (0-based).
	ResultSet(stmt int, cols []dba.Column) error
	// Row receives one row. The values alias the driver's buffer and are
	// valid only during the call; nil is NULL. An error stops the script.
	Row(stmt int, values [][]byte) error
	// Done reports a finished statement, successful or not: duration,
	// result set sizes, truncation, rows examined, warnings, error.
	Done(stmt int, r dba.StatementResult)
}

// RunScript runs statements in order on one read-only session, so USE and
// user variables carry over from one to the next, and streams their
// results to sink. It stops at the first statement that fails and returns
// that error. The caller has already checked every statement may run on a
// read session; the session's server-side READ ONLY is the second guard.
//
// The session is discarded afterwards rather than returned to the pool:
// the script may have changed its default database or variables.
func (d *DB) RunScript(ctx context.Context, stmts []string, o ScriptOptions, sink ScriptSink) error {
	return d.withSession(ctx, func(ctx context.Context, s Session) error {
		defer discardSession(s)
		if o.UTC {
			if _, err := s.ExecContext(ctx, queryTag+"SET SESSION time_zone = '+00:00'"); err != nil {
				return d.statementError(ctx, err)
			}
		}
		examined := d.probeRowsExamined(ctx, s)
		for i, text := range stmts {
			r, err := d.runStatement(ctx, s, i, text, o, sink, examined)
			if err != nil {
				r.Error = err.Error()
			}
			sink.Done(i, r)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// discardSession closes the session's connection instead of pooling it.
func discardSession(s Session) {
	// Returning ErrBadConn from Raw is database/sql's way to drop a
	// connection from the pool.
	_ = s.Raw(func(any) error { return driver.ErrBadConn })
}

// runStatement runs one statement and reads all its result sets.
func (d *DB) runStatement(ctx context.Context, s Session, stmt int, text string, o ScriptOptions, sink ScriptSink, examinedSQL string) (_ dba.StatementResult, err error) {
	r := dba.StatementResult{Started: time.Now().UTC(), ResultSets: []dba.ResultSet{}}
	sctx := ctx
	if o.StatementTimeout > 0 {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, o.StatementTimeout)
		defer cancel()
		killed := d.killOnDone(sctx, s.ID)
		defer func() {
			killed()
			if err != nil && sctx.Err() != nil {
				// Past the limit. A KILL QUERY that reaches the server
				// before the statement starts is cleared when it
				// starts, and the statement would run on to the
				// server's own limit. The script stops here and its
				// session is discarded, so end the connection too: that
				// kill is not undone.
				d.killConnection(s.ID)
			}
		}()
	}
	start := time.Now()
	rows, err := s.QueryContext(sctx, queryTag+text)
	if err != nil {
		r.Duration = time.Since(start)
		return r, d.statementError(sctx, err)
	}
	defer rows.Close()
	truncated := false
	for {
		cts, err := rows.ColumnTypes()
		if err != nil {
			r.Duration = time.Since(start)
			return r, d.statementError(sctx, err)
		}
		if len(cts) > 0 {
			rs, err := readResultSet(rows, stmt, columns(cts), o, sink)
			r.ResultSets = append(r.ResultSets, rs)
			if err != nil {
				d.stopStatement(s, rows)
				r.Duration = time.Since(start)
				return r, d.statementError(sctx, err)
			}
			if rs.Truncated {
				truncated = true
				d.stopStatement(s, rows)
				break
			}
		}
		if !rows.NextResultSet() {
			break
		}
	}
	if !truncated {
		if err := rows.Err(); err != nil {
			r.Duration = time.Since(start)
			return r, d.statementError(sctx, err)
		}
		// Close reads the statement's final status before the stats queries.
		if err := rows.Close(); err != nil {
			r.Duration = time.Since(start)
			return r, d.statementError(sctx, err)
		}
	}
	r.Duration = time.Since(start)
	d.statementStats(ctx, s, &r, examinedSQL, truncated)
	return r, nil
}

// stopStatement ends a statement whose rows are no longer wanted. Closing
// the rows alone would make the driver read and discard everything the
// server still has to send — for a 1 GB result, all of it — so the
// statement is killed first; the driver then skips only what was already
// in flight. A kill that lands after the statement ended is harmless:
// MySQL and MariaDB clear a pending KILL QUERY when the next command starts.
func (d *DB) stopStatement(s Session, rows *sql.Rows) {
	d.killQuery(s.ID)
	// The kill's "interrupted" error is the expected end of the stream.
	rows.Close()
}

// readResultSet streams one result set to sink, applying the caps.
func readResultSet(rows *sql.Rows, stmt int, cols []dba.Column, o ScriptOptions, sink ScriptSink) (dba.ResultSet, error) {
	rs := dba.ResultSet{Columns: cols}
	if err := sink.ResultSet(stmt, cols); err != nil {
		return rs, err
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	vals := make([][]byte, len(cols))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return rs, err
		}
		size := int64(0)
		for i, v := range raw {
			vals[i] = v
			size += int64(len(v))
		}
		switch {
		case o.MaxRows > 0 && rs.RowCount >= o.MaxRows:
			rs.Truncated, rs.Cap = true, dba.CapRows
			return rs, nil
		case o.MaxBytes > 0 && rs.Bytes+size > o.MaxBytes:
			rs.Truncated, rs.Cap = true, dba.CapBytes
			return rs, nil
		}
		if err := sink.Row(stmt, vals); err != nil {
			return rs, err
		}
		rs.RowCount++
		rs.Bytes += size
	}
	return rs, rows.Err()
}

// columns turns the driver's column types into dba.Columns.
func columns(cts []*sql.ColumnType) []dba.Column {
	cols := make([]dba.Column, len(cts))
	for i, ct := range cts {
		c := dba.Column{Name: ct.Name(), Type: ct.DatabaseTypeName()}
		if n, ok := ct.Nullable(); ok {
			c.Nullable = n
		}
		// The driver reports floats with an unknown precision as MaxInt64.
		if p, s, ok := ct.DecimalSize(); ok && p != math.MaxInt64 {
			c.Precision, c.Scale = p, s
			if c.Kind() == dba.KindTemporal {
				c.Precision = 0
			}
		}
		cols[i] = c
	}
	return cols
}

// rowsExaminedSQL chooses, per server, the probe that says whether
// performance_schema records this session's statements, and the query
// that reads the last user statement's ROWS_EXAMINED from the session's
// statement history. MySQL 8.0.16+ names its own thread with
// PS_CURRENT_THREAD_ID(); MariaDB and older MySQL find it through
// performance_schema.threads. Neither has the table before MySQL 5.6 and
// MariaDB 10.0.
func rowsExaminedSQL(s dba.Server) (probe, stats string) {
	thread := "(SELECT THREAD_ID FROM performance_schema.threads WHERE PROCESSLIST_ID = CONNECTION_ID())"
	switch {
	case s.IsMariaDB() && !s.Version.AtLeast(10, 0, 0), !s.IsMariaDB() && !s.Version.AtLeast(5, 6, 0):
		return "", ""
	case !s.IsMariaDB() && s.Version.AtLeast(8, 0, 16):
		thread = "PS_CURRENT_THREAD_ID()"
	}
	probe = queryStatsTag + "SELECT t.INSTRUMENTED, c.ENABLED FROM performance_schema.threads t, performance_schema.setup_consumers c" +
		" WHERE t.THREAD_ID = " + thread + " AND c.NAME = 'events_statements_history'"
	stats = queryStatsTag + "SELECT ROWS_EXAMINED FROM performance_schema.events_statements_history" +
		" WHERE THREAD_ID = " + thread + " AND SQL_TEXT LIKE '" + queryTag + "%' ORDER BY EVENT_ID DESC LIMIT 1"
	return probe, stats
}

// probeRowsExamined returns the rows-examined query when
// performance_schema records this session's statements, else "".
func (d *DB) probeRowsExamined(ctx context.Context, s Session) string {
	probe, stats := rowsExaminedSQL(d.server)
	if probe == "" {
		return ""
	}
	var instrumented, enabled string
	// No row (performance_schema off) or no privilege: no rows examined.
	if err := s.QueryRowContext(ctx, probe).Scan(&instrumented, &enabled); err != nil {
		return ""
	}
	if instrumented != "YES" || enabled != "YES" {
		return ""
	}
	return stats
}

// statementStats reads what the server says the last statement raised and
// cost. The order matters: @@warning_count and SHOW WARNINGS read no
// table and leave the statement's warnings in place; the
// performance_schema query reads tables and clears them.
func (d *DB) statementStats(ctx context.Context, s Session, r *dba.StatementResult, examinedSQL string, truncated bool) {
	var n int64
	if err := s.QueryRowContext(ctx, queryStatsTag+"SELECT @@warning_count").Scan(&n); err == nil && n > 0 {
		r.Warnings = n
		if list, err := showWarnings(ctx, s); err == nil {
			kept := list[:0]
			for _, w := range list {
				// The runner's own KILL at a cap is not the user's warning.
				if truncated && w.Code == erQueryInterrupted {
					r.Warnings--
					continue
				}
				kept = append(kept, w)
			}
			r.WarningList = kept
		}
	}
	if examinedSQL != "" {
		var e sql.NullInt64
		if err := s.QueryRowContext(ctx, examinedSQL).Scan(&e); err == nil && e.Valid {
			r.RowsExamined = &e.Int64
		}
	}
}

func showWarnings(ctx context.Context, s Session) ([]dba.Warning, error) {
	rows, err := s.QueryContext(ctx, queryStatsTag+"SHOW WARNINGS")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []dba.Warning
	for rows.Next() {
		var w dba.Warning
		if err := rows.Scan(&w.Level, &w.Code, &w.Message); err != nil {
			return nil, err
		}
		list = append(list, w)
	}
	return list, rows.Err()
}

// Server error numbers the runner maps to error kinds.
const (
	erNoDB              = 1049 // unknown database
	erNoSuchTable       = 1146
	erBadField          = 1054
	erParse             = 1064
	erQueryInterrupted  = 1317
	erStatementTimeout  = 1969 // MariaDB max_statement_time
	erMySQLQueryTimeout = 3024 // MySQL max_execution_time
)

// statementError maps a statement's failure to a message and error kind:
// timeouts, unknown objects, a lost connection.
func (d *DB) statementError(ctx context.Context, err error) error {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erStatementTimeout, erMySQLQueryTimeout:
			return fmt.Errorf("%w: stopped by the server at its statement time limit (server error %d: %s)", dba.ErrTimeout, me.Number, me.Message)
		case erQueryInterrupted:
			if ctx.Err() != nil {
				return fmt.Errorf("%w: past its time limit; stopped on the server with KILL QUERY", dba.ErrTimeout)
			}
		case erNoDB, erNoSuchTable:
			return fmt.Errorf("%w: server error %d: %s", dba.ErrNotFound, me.Number, me.Message)
		case erParse, erBadField:
			return fmt.Errorf("%w: server error %d: %s", dba.ErrInvalid, me.Number, me.Message)
		}
		return fmt.Errorf("server error %d: %s", me.Number, me.Message)
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: past its time limit; stopped on the server with KILL QUERY", dba.ErrTimeout)
	}
	var ne net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne) {
		return fmt.Errorf("%w: connection to %s lost during the statement: %w", dba.ErrUnreachable, d.target.Address(), err)
	}
	return err
}
