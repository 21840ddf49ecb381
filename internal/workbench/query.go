package workbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/export"
	"github.com/mydba/mydba/internal/sqltext"
)

// DefaultQueryMaxTime is the statement time limit when a request sets none.
const DefaultQueryMaxTime = 30 * time.Second

// killGrace is how much longer than the server's own statement limit the
// runner waits before it kills the statement itself: the server's limit
// ends it cleanly and keeps the session; the kill is the backstop.
const killGrace = 500 * time.Millisecond

// QueryRequest is SQL to run on a read session.
type QueryRequest struct {
	Conn ConnRequest
	// SQL is one statement or a script; it is split like the mysql client
	// does (DELIMITER included) and every statement is checked before
	// anything is sent.
	SQL string
	// MaxRows and MaxBytes cap each result set (0: no cap).
	MaxRows  int64
	MaxBytes int64
	// MaxTime limits each statement (default DefaultQueryMaxTime); past it
	// the statement is stopped on the server.
	MaxTime time.Duration
	// Record, when set, is called after each statement that was sent to
	// the server, successful or not, with what history keeps: text,
	// profile, database, start, duration, rows, error. Refused statements
	// were never run and are not recorded.
	Record func(ctx context.Context, e dba.HistoryEntry)
	// NoHistory keeps the statements out of the query history (which
	// records every statement run for the user unless Record is set).
	NoHistory bool
	// Source names the presenter for history: cli, web or mcp.
	Source string
}

// QueryResult is what a script gave: one entry per statement run, in order.
type QueryResult struct {
	Profile    string                `json:"profile"`
	Server     dba.Server            `json:"server"`
	Statements []dba.StatementResult `json:"statements"`
}

// ExportRequest streams the one result set of a query to Out.
type ExportRequest struct {
	Query  QueryRequest
	Format export.Format
	Out    io.Writer
	// Table names the target of SQL INSERT statements ("name",
	// "schema.name", backticks allowed). Empty: the table the query reads,
	// when it reads one table's columns unchanged.
	Table string
}

// ExportResult reports an export; its statements carry no rows.
type ExportResult struct {
	QueryResult
	Format export.Format `json:"format"`
	// Table is the INSERT target of an SQL export.
	Table string `json:"table,omitempty"`
	Rows  int64  `json:"rows"`
	// Truncated is true when a cap stopped the export before the end.
	Truncated bool `json:"truncated"`
}

// plannedStatement is a statement cleared to run.
type plannedStatement struct {
	sqltext.Statement
	class sqltext.Classification
}

// planScript splits and checks a script before anything is sent: only
// reads and safe session statements (USE, SET of user or harmless session
// variables) pass. The first statement that may not run refuses the whole
// script.
func planScript(script string) ([]plannedStatement, error) {
	stmts := sqltext.Split(script)
	if len(stmts) == 0 {
		return nil, fmt.Errorf("%w: no SQL statement given", dba.ErrInvalid)
	}
	c := sqltext.NewClassifier()
	plan := make([]plannedStatement, 0, len(stmts))
	for i, st := range stmts {
		cl := c.Classify(st.Text)
		where := fmt.Sprintf("statement %d (line %d: %s)", i+1, st.Line, preview(st.Text))
		switch {
		case cl.IsRead():
		case cl.Class == sqltext.ClassSession:
			if err := c.CheckSessionStatement(st.Text); err != nil {
				return nil, fmt.Errorf("%s %w: %w; nothing was sent to the server", where, dba.ErrRefused, err)
			}
		case cl.Class == sqltext.ClassUnknown && strings.HasPrefix(cl.Reason, "not understood"):
			return nil, fmt.Errorf("%s %w: it could not be checked: %s; nothing was sent to the server", where, dba.ErrRefused, cl.Reason)
		default:
			kind := cl.Kind
			if kind == "" {
				kind = "the statement"
			}
			return nil, fmt.Errorf("%s %w: %s is %s (%s). mydba query runs reads only; writes arrive with the safety gate. Nothing was sent to the server",
				where, dba.ErrRefused, kind, classLabel(cl), cl.Reason)
		}
		plan = append(plan, plannedStatement{Statement: st, class: cl})
	}
	return plan, nil
}

// classLabel names a class in a sentence: "a write", "DDL".
func classLabel(cl sqltext.Classification) string {
	switch {
	case cl.Class == sqltext.ClassRead && cl.Locks:
		return "a locking read"
	case cl.Class == sqltext.ClassDDL, cl.Class == sqltext.ClassDCL:
		return strings.ToUpper(string(cl.Class))
	case cl.Class == sqltext.ClassUnknown:
		return "not a known read"
	case cl.Class == sqltext.ClassAdmin:
		return "an admin statement"
	case cl.Class == sqltext.ClassFile:
		return "a file write"
	}
	return "a " + string(cl.Class) + " statement"
}

// preview is a statement's start on one line, for messages.
func preview(s string) string {
	// Error messages never carry a password (CREATE USER ... IDENTIFIED BY).
	s = sqltext.NewClassifier().Redact(s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return s
}

// Query runs a script on one read-only session and returns its results,
// rows included up to the caps. On a failing statement it returns what
// ran before it together with the error.
func (w *Workbench) Query(ctx context.Context, req QueryRequest) (QueryResult, error) {
	plan, err := planScript(req.SQL)
	if err != nil {
		return QueryResult{}, err
	}
	sink := &bufferSink{}
	res, err := w.runScript(ctx, req, plan, mysql.ScriptOptions{MaxRows: req.MaxRows, MaxBytes: req.MaxBytes}, sink)
	return res, err
}

// Export runs a query and streams its one result set to req.Out in the
// chosen format, in constant memory. Session statements (USE, SET) may
// precede the query; a script with more than one query is refused.
func (w *Workbench) Export(ctx context.Context, req ExportRequest) (ExportResult, error) {
	out := ExportResult{Format: req.Format}
	if req.Out == nil {
		return out, errors.New("export: no output")
	}
	plan, err := planScript(req.Query.SQL)
	if err != nil {
		return out, err
	}
	var query *plannedStatement
	for i := range plan {
		if plan[i].class.Class == sqltext.ClassSession {
			continue
		}
		if query != nil {
			return out, fmt.Errorf("%w: an export writes one result set, and statements %d and %d both return rows; export them one at a time", dba.ErrInvalid, indexOf(plan, query)+1, i+1)
		}
		query = &plan[i]
	}
	if query == nil {
		return out, fmt.Errorf("%w: nothing to export: the SQL has no query", dba.ErrInvalid)
	}
	o := export.Options{}
	if req.Format == export.SQL {
		t, err := exportTable(req.Table, query.Text)
		if err != nil {
			return out, err
		}
		o.Table = export.Table{Schema: t.Schema, Name: t.Name}
		out.Table = o.Table.String()
	}
	ew, err := export.New(req.Format, req.Out, o)
	if err != nil {
		return out, err
	}
	sink := &exportSink{w: ew}
	res, err := w.runScript(ctx, req.Query, plan, mysql.ScriptOptions{
		MaxRows: req.Query.MaxRows, MaxBytes: req.Query.MaxBytes,
		// TIMESTAMPs are read in UTC so the INSERTs load the same instants anywhere.
		UTC: req.Format == export.SQL,
	}, sink)
	out.QueryResult = res
	for _, st := range res.Statements {
		out.Rows += st.Rows()
		out.Truncated = out.Truncated || st.Truncated()
	}
	if err != nil {
		return out, err
	}
	return out, ew.End()
}

func indexOf(plan []plannedStatement, p *plannedStatement) int {
	for i := range plan {
		if &plan[i] == p {
			return i
		}
	}
	return -1
}

// exportTable is the INSERT target: the one the user named, else the
// table the query reads unchanged.
func exportTable(name, query string) (sqltext.TableRef, error) {
	if name != "" {
		t, err := sqltext.ParseTableName(name)
		if err != nil {
			return t, fmt.Errorf("%w: --table: %w", dba.ErrInvalid, err)
		}
		return t, nil
	}
	t, err := sqltext.NewClassifier().SourceTable(query)
	if err != nil {
		return t, fmt.Errorf("%w: an SQL export needs the table to insert into, and it cannot be taken from this query (%w); name it with --table", dba.ErrInvalid, err)
	}
	// Unqualified, as mysqldump writes: the file loads into whichever
	// database the loading session uses. --table schema.name qualifies it.
	return sqltext.TableRef{Name: t.Name}, nil
}

// runScript connects, runs the plan on one session and collects each
// statement's result, recording history as it goes.
func (w *Workbench) runScript(ctx context.Context, req QueryRequest, plan []plannedStatement, o mysql.ScriptOptions, sink resultSink) (QueryResult, error) {
	maxTime := req.MaxTime
	if maxTime <= 0 {
		maxTime = DefaultQueryMaxTime
	}
	p, params, err := w.resolve(ctx, req.Conn)
	if err != nil {
		return QueryResult{}, err
	}
	params.StatementTimeout = maxTime
	// The call as a whole may take each statement's limit in turn.
	params.CallTimeout = time.Duration(len(plan)+1) * (maxTime + killGrace)
	params.TemporalAsText = true
	params.MaxOpen = 1
	db, err := mysql.Open(ctx, params)
	if err != nil {
		return QueryResult{Profile: p.Name}, err
	}
	defer db.Close()
	res := QueryResult{Profile: p.Name, Server: db.Server()}
	o.StatementTimeout = maxTime + killGrace
	c := sqltext.NewClassifier()
	database := params.Target.Database
	texts := make([]string, len(plan))
	for i, st := range plan {
		texts[i] = st.Text
	}
	collect := &collectSink{resultSink: sink, done: func(i int, r dba.StatementResult) {
		st := plan[i]
		r.Index, r.Line, r.SQL = i+1, st.Line, st.Text
		r.Class, r.Kind = string(st.class.Class), st.class.Kind
		sink.attach(&r)
		res.Statements = append(res.Statements, r)
		if r.Error == "" {
			if db, ok := c.UsedDatabase(st.Text); ok {
				database = db
			}
		}
		e := dba.HistoryEntry{
			Profile: p.Name, Database: database, Statement: st.Text, Source: req.Source,
			Started: r.Started, Duration: r.Duration, Rows: r.Rows(), Error: r.Error,
		}
		switch {
		case req.Record != nil:
			req.Record(ctx, e)
		case !req.NoHistory:
			if herr := w.recordHistory(ctx, e); herr != nil {
				w.opts.Notice("could not record the statement in the history: " + herr.Error())
			}
		}
	}}
	err = db.RunScript(ctx, texts, o, collect)
	if err != nil && len(res.Statements) > 0 {
		last := res.Statements[len(res.Statements)-1]
		if last.Error != "" {
			err = fmt.Errorf("statement %d (line %d: %s): %w", last.Index, last.Line, preview(last.SQL), err)
		}
	}
	return res, err
}

// resultSink is what the runner streams to: rows into a buffer or an
// export. attach adds what the sink kept to a finished statement.
type resultSink interface {
	mysql.ScriptSink
	attach(r *dba.StatementResult)
}

// collectSink forwards rows to a resultSink and finished statements to done.
type collectSink struct {
	resultSink
	done func(i int, r dba.StatementResult)
}

func (c *collectSink) Done(i int, r dba.StatementResult) { c.done(i, r) }

// bufferSink keeps rows (already capped by the runner) for display.
type bufferSink struct {
	sets [][][][]byte
}

func (b *bufferSink) ResultSet(int, []dba.Column) error {
	b.sets = append(b.sets, nil)
	return nil
}

// Row copies the values into one allocation per row: the driver reuses
// its buffer for the next row.
func (b *bufferSink) Row(_ int, values [][]byte) error {
	size := 0
	for _, v := range values {
		size += len(v)
	}
	buf := make([]byte, 0, size)
	row := make([][]byte, len(values))
	for i, v := range values {
		if v == nil {
			continue
		}
		start := len(buf)
		buf = append(buf, v...)
		row[i] = buf[start:len(buf):len(buf)]
	}
	last := len(b.sets) - 1
	b.sets[last] = append(b.sets[last], row)
	return nil
}

func (b *bufferSink) Done(int, dba.StatementResult) {}

func (b *bufferSink) attach(r *dba.StatementResult) {
	for i := range r.ResultSets {
		if i < len(b.sets) {
			r.ResultSets[i].Rows = b.sets[i]
		}
	}
	b.sets = nil
}

// exportSink streams the one result set to an export writer.
type exportSink struct {
	w    export.Writer
	sets int
}

func (e *exportSink) ResultSet(_ int, cols []dba.Column) error {
	e.sets++
	if e.sets > 1 {
		return fmt.Errorf("%w: the query returned more than one result set; an export writes one", dba.ErrInvalid)
	}
	return e.w.Begin(cols)
}

func (e *exportSink) Row(_ int, values [][]byte) error { return e.w.Row(values) }

func (e *exportSink) Done(int, dba.StatementResult) {}

func (e *exportSink) attach(*dba.StatementResult) {}
