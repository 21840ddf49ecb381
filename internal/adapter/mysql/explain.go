package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/dba"
)

// explainTag marks every statement mydba sends to obtain a plan.
const explainTag = "/* mydba:explain */ "

// ExplainSQL is the statement prefix that returns a plan for the server:
// EXPLAIN FORMAT=JSON everywhere; for analyze, MariaDB's ANALYZE
// FORMAT=JSON, and MySQL's EXPLAIN ANALYZE (8.0.18+), with FORMAT=TREE
// spelled out from 8.0.32, where explain_format=JSON would otherwise turn
// it into JSON. The parser reads whichever shape comes back.
func ExplainSQL(s dba.Server, analyze bool) (string, error) {
	switch {
	case !analyze:
		return "EXPLAIN FORMAT=JSON ", nil
	case s.IsMariaDB():
		return "ANALYZE FORMAT=JSON ", nil
	case s.Version.AtLeast(8, 0, 32):
		return "EXPLAIN ANALYZE FORMAT=TREE ", nil
	case s.Version.AtLeast(8, 0, 18):
		return "EXPLAIN ANALYZE ", nil
	}
	return "", fmt.Errorf("%w: EXPLAIN ANALYZE needs MySQL 8.0.18 or later; %s has EXPLAIN only", dba.ErrInvalid, s.Series())
}

// ExplainFallbackSQL is the classic tabular EXPLAIN, for servers that
// refuse FORMAT=JSON (MySQL before 5.6.5, or builds without it).
const ExplainFallbackSQL = "EXPLAIN "

// erSyntax is the parse error a server gives for a FORMAT it lacks.
const erSyntax = 1064

// Explain returns the server's plan for a read, as text (JSON, TREE, or
// tab-separated rows for the classic format). EXPLAIN runs on the
// read-only session and executes nothing. With analyze the statement is
// executed — still on the read-only session, under the statement time
// limit — so the caller allows only reads here.
func (d *DB) Explain(ctx context.Context, stmt string, analyze bool) (string, error) {
	prefix, err := ExplainSQL(d.server, analyze)
	if err != nil {
		return "", err
	}
	var out string
	err = d.withSession(ctx, func(ctx context.Context, s Session) error {
		var qerr error
		out, qerr = queryText(ctx, s.Conn, explainTag+prefix+stmt)
		var me *gomysql.MySQLError
		if qerr != nil && !analyze && errors.As(qerr, &me) && me.Number == erSyntax && strings.Contains(me.Message, "near 'FORMAT") {
			// FORMAT=JSON unknown to this server: the classic table.
			out, qerr = queryText(ctx, s.Conn, explainTag+ExplainFallbackSQL+stmt)
		}
		return qerr
	})
	if err != nil {
		return "", d.explainError(ctx, err)
	}
	return out, nil
}

// explainError maps a failed EXPLAIN: the statement's own errors (syntax,
// unknown table or column) are the user's to fix.
func (d *DB) explainError(ctx context.Context, err error) error {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return fmt.Errorf("the server could not explain the statement: %w", d.statementError(ctx, err))
	}
	if errors.Is(err, dba.ErrTimeout) || errors.Is(err, dba.ErrInvalid) || errors.Is(err, dba.ErrNotFound) {
		return err
	}
	return d.statementError(ctx, err)
}

// queryText runs q and returns its result as text: the single cell of a
// one-cell result (EXPLAIN FORMAT=JSON/TREE, ANALYZE FORMAT=JSON), or
// every row tab-separated under a header line (the classic format), NULL
// written as NULL.
func queryText(ctx context.Context, c interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, q string) (string, error) {
	rows, err := c.QueryContext(ctx, q)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var table [][]string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		table = append(table, row)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if err := rows.Close(); err != nil {
		return "", err
	}
	if len(cols) == 1 && len(table) == 1 {
		return table[0][0], nil
	}
	var b strings.Builder
	b.WriteString(strings.Join(cols, "\t"))
	for _, r := range table {
		b.WriteByte('\n')
		for i, c := range r {
			if i > 0 {
				b.WriteByte('\t')
			}
			// A tab or newline inside a cell would break the row.
			b.WriteString(strings.NewReplacer("\t", " ", "\n", " ").Replace(c))
		}
	}
	return b.String(), nil
}

// Explain returns the plan of a write without running it. It uses the
// writable session because servers refuse EXPLAIN of a write inside a
// read-only transaction, though EXPLAIN never executes it; it runs inside
// a transaction that is always rolled back, so even a stored function the
// optimizer evaluates while planning leaves nothing behind. No approval is
// needed and nothing is audited: nothing is executed.
func (w *Writer) Explain(ctx context.Context, stmt string) (string, error) {
	prefix, err := ExplainSQL(w.db.server, false)
	if err != nil {
		return "", err
	}
	out, err := w.inRolledBackTx(ctx, w.db.callTimeout, explainTag+prefix+stmt)
	if err != nil {
		return "", w.db.explainError(ctx, err)
	}
	return out, nil
}

// AnalyzeRolledBack executes a write under ANALYZE (MariaDB) or EXPLAIN
// ANALYZE (MySQL) inside a transaction that is rolled back whatever
// happens, and returns the measured plan. Only the safety gate calls it,
// after approval; the caller checks the tables are transactional.
func (w *Writer) AnalyzeRolledBack(ctx context.Context, stmt string) (string, dba.ChangeResult, error) {
	var res dba.ChangeResult
	prefix, err := ExplainSQL(w.db.server, true)
	if err != nil {
		return "", res, err
	}
	start := time.Now()
	out, err := w.inRolledBackTx(ctx, w.db.stmtTimeout+5*time.Second, explainTag+prefix+stmt)
	res.Duration = time.Since(start)
	res.RolledBack = true
	if err != nil {
		return "", res, w.db.explainError(ctx, err)
	}
	res.Warnings = w.warnings(ctx)
	return out, res, nil
}

// inRolledBackTx runs q between START TRANSACTION and ROLLBACK on the
// writable session, killing it on the server if ctx ends first.
func (w *Writer) inRolledBackTx(ctx context.Context, limit time.Duration, q string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	defer w.db.killOnDone(ctx, w.id)()
	if _, err := w.conn.ExecContext(ctx, explainTag+"START TRANSACTION"); err != nil {
		return "", err
	}
	out, err := queryText(ctx, w.conn, q)
	// The rollback must happen even when ctx is done: a fresh short
	// context. Should it fail, closing the session rolls back too.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer rcancel()
	if _, rerr := w.conn.ExecContext(rctx, explainTag+"ROLLBACK"); rerr != nil && err == nil {
		err = fmt.Errorf("roll back: %w", rerr)
	}
	return out, err
}
