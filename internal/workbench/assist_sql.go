package workbench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
)

// SQLAssistRequest asks for a query written from a question, or about a
// schema.
type SQLAssistRequest struct {
	Conn     ConnRequest
	Question string
	// Schema is the database the question is about (default: the
	// connection's default database).
	Schema string
	// Table narrows the schema use case to one table.
	Table string
	AssistOptions
}

// maxSchemaTables bounds the tables described for a question or a schema:
// describing costs a few catalog queries each.
const maxSchemaTables = 12

// GenerateSQL writes a read-only query from a question in natural language,
// using only the schema (names, types, indexes, row estimates) of the
// tables the question most likely means. The query is returned to be
// shown; it is never run here (RunGeneratedSQL runs it when the user asks,
// on the read-only path with caps). Without a provider nothing can be
// generated, and the answer says so.
func (w *Workbench) GenerateSQL(ctx context.Context, req SQLAssistRequest) (Answer, error) {
	if strings.TrimSpace(req.Question) == "" {
		return Answer{}, fmt.Errorf("%w: ask a question (\"top 10 customers by order total this year\")", dba.ErrInvalid)
	}
	tables, others, server, p, notes, err := w.schemaEvidence(ctx, req)
	if err != nil {
		return Answer{}, err
	}
	c := ai.Context{Server: server, Question: req.Question, Tables: tables, OtherTables: others, Notes: notes}
	var cites map[string][]int
	var rnotes []string
	c.Citations, cites, rnotes = w.retrieve(ctx, req.AssistOptions, server, []citeQuery{{Key: "question", Query: req.Question, K: 2}})
	ans := Answer{Profile: p.Name, Notes: append(notes, rnotes...)}
	w.assistRun(ctx, req.AssistOptions, ai.TaskSQL, c, cites, redactorFor(p), &ans)
	switch ans.Mode {
	case ModeNoProvider:
		ans.Notes = append(ans.Notes, "writing SQL from a question needs an AI provider; mydba does not guess a query without one")
	case ModeAI:
		ans.pickGeneratedSQL()
	}
	return ans, nil
}

// pickGeneratedSQL takes the answer's first proposal as the generated
// query. A statement that is not a plain read is kept as a proposal but
// not offered to run.
func (a *Answer) pickGeneratedSQL() {
	if len(a.Proposals) == 0 {
		a.Notes = append(a.Notes, "the answer holds no SQL statement")
		return
	}
	p := a.Proposals[0]
	if p.Kind != "rewrite" {
		a.Notes = append(a.Notes, fmt.Sprintf("the generated statement is %s, not a read: mydba runs generated SQL read-only and will not run it", p.Kind))
		return
	}
	a.SQL = p.SQL
}

// schemaEvidence describes the tables a question or schema request is
// about: tables whose names the question mentions first, then the others
// by name, up to maxSchemaTables; the rest are listed by name only.
func (w *Workbench) schemaEvidence(ctx context.Context, req SQLAssistRequest) ([]dba.TableDetail, []string, dba.Server, dba.Profile, []string, error) {
	db, p, err := w.open(ctx, req.Conn)
	if err != nil {
		return nil, nil, dba.Server{}, p, nil, err
	}
	defer db.Close()
	server := db.Server()
	schema := req.Schema
	if schema == "" {
		schema = p.Target.Database
	}
	if schema == "" {
		return nil, nil, server, p, nil, fmt.Errorf("%w: the connection has no default database: name the schema", dba.ErrInvalid)
	}
	if err := dba.ValidateIdentifier(schema); err != nil {
		return nil, nil, server, p, nil, err
	}
	var notes []string
	if req.Table != "" {
		if err := dba.ValidateIdentifier(req.Table); err != nil {
			return nil, nil, server, p, nil, err
		}
		d, err := db.Describe(ctx, schema, req.Table)
		if err != nil {
			return nil, nil, server, p, nil, err
		}
		return []dba.TableDetail{d}, nil, server, p, nil, nil
	}
	page, err := db.Tables(ctx, dba.TableQuery{Schema: schema, Limit: dba.MaxPageSize})
	if err != nil {
		return nil, nil, server, p, nil, err
	}
	if len(page.Tables) == 0 {
		return nil, nil, server, p, nil, fmt.Errorf("%w: schema %s has no tables", dba.ErrNotFound, schema)
	}
	if page.Next != "" {
		notes = append(notes, fmt.Sprintf("schema %s has more than %d tables; only those were considered", schema, len(page.Tables)))
	}
	names := make([]string, len(page.Tables))
	for i, t := range page.Tables {
		names[i] = t.Name
	}
	names = rankTables(names, req.Question)
	var tables []dba.TableDetail
	var others []string
	for _, n := range names {
		if len(tables) == maxSchemaTables {
			others = append(others, n)
			continue
		}
		d, err := db.Describe(ctx, schema, n)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s.%s not described: %v", schema, n, err))
			continue
		}
		tables = append(tables, d)
	}
	return tables, others, server, p, notes, nil
}

// rankTables orders table names by how many words of the question they
// share (orders, order, order_items all match "orders"), then by name.
func rankTables(names []string, question string) []string {
	words := map[string]bool{}
	for _, f := range strings.FieldsFunc(strings.ToLower(question), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		words[stem(f)] = true
	}
	score := func(n string) int {
		s := 0
		for _, part := range strings.FieldsFunc(strings.ToLower(n), func(r rune) bool { return r == '_' || r == '-' || r == ' ' }) {
			if words[stem(part)] {
				s++
			}
		}
		return s
	}
	out := slices.Clone(names)
	slices.SortStableFunc(out, func(a, b string) int {
		if sa, sb := score(a), score(b); sa != sb {
			return sb - sa
		}
		return strings.Compare(a, b)
	})
	return out
}

// stem is a crude English plural stripper: enough to match "customers"
// with customer.
func stem(w string) string {
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ses") && len(w) > 4:
		return w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && len(w) > 3:
		return w[:len(w)-1]
	}
	return w
}

// Caps of a generated query's run.
const (
	DefaultGeneratedRows  = 100
	MaxGeneratedRows      = 1000
	generatedMaxBytes     = 1 << 20
	DefaultGeneratedTime  = 10 * time.Second
	generatedMaxTimeLimit = time.Minute
)

// RunSQLRequest runs a generated query.
type RunSQLRequest struct {
	Conn ConnRequest
	SQL  string
	// MaxRows (default 100, at most 1000) and MaxTime (default 10s, at
	// most 1m) cap the run; results are also capped at 1 MB.
	MaxRows int64
	MaxTime time.Duration
	Source  string
}

// RunGeneratedSQL runs a generated query the user chose to run: one
// statement, a read, on the read-only session, with row, byte and time
// caps. Anything else is refused before it reaches the server.
func (w *Workbench) RunGeneratedSQL(ctx context.Context, req RunSQLRequest) (QueryResult, error) {
	stmt, err := oneStatement(req.SQL)
	if err != nil {
		return QueryResult{}, err
	}
	if cl := sqltext.NewClassifier().Classify(stmt); !cl.IsRead() {
		return QueryResult{}, fmt.Errorf("%w: generated SQL runs read-only, and this statement is %s (%s); nothing was sent to the server", dba.ErrRefused, classLabel(cl), cl.Reason)
	}
	switch {
	case req.MaxRows == 0:
		req.MaxRows = DefaultGeneratedRows
	case req.MaxRows < 0 || req.MaxRows > MaxGeneratedRows:
		return QueryResult{}, fmt.Errorf("%w: row cap %d: want 1 to %d", dba.ErrInvalid, req.MaxRows, MaxGeneratedRows)
	}
	switch {
	case req.MaxTime == 0:
		req.MaxTime = DefaultGeneratedTime
	case req.MaxTime < 0 || req.MaxTime > generatedMaxTimeLimit:
		return QueryResult{}, fmt.Errorf("%w: time cap %s: want up to %s", dba.ErrInvalid, req.MaxTime, generatedMaxTimeLimit)
	}
	return w.Query(ctx, QueryRequest{Conn: req.Conn, SQL: stmt, MaxRows: req.MaxRows, MaxBytes: generatedMaxBytes, MaxTime: req.MaxTime, Source: sourceOr(req.Source)})
}

// maxSampleTables bounds the tables whose rows a schema request with
// AllowData samples.
const maxSampleTables = 6

// ExplainSchema describes a schema (or one table): what the tables hold,
// how they relate, design and indexing issues. Only names, types, indexes
// and row estimates are sent; a few rows per table only when the user
// allows row data for this request (AllowData).
func (w *Workbench) ExplainSchema(ctx context.Context, req SQLAssistRequest) (Answer, error) {
	tables, others, server, p, notes, err := w.schemaEvidence(ctx, req)
	if err != nil {
		return Answer{}, err
	}
	c := ai.Context{Server: server, Question: req.Question, Tables: tables, OtherTables: others, Notes: notes}
	if req.AllowData {
		for i, t := range tables {
			if i == maxSampleTables || t.Table.Type == "view" {
				continue
			}
			pv, err := w.Preview(ctx, req.Conn, dba.PreviewQuery{Table: dba.QualifiedName{Schema: t.Schema, Name: t.Table.Name}, Limit: 3, MaxCellBytes: 256})
			if err != nil {
				c.Notes = append(c.Notes, fmt.Sprintf("no sample of %s: %v", t.Table.Name, err))
				continue
			}
			c.Samples = append(c.Samples, sampleOf(pv))
		}
	}
	var cites map[string][]int
	var rnotes []string
	c.Citations, cites, rnotes = w.retrieve(ctx, req.AssistOptions, server, []citeQuery{
		{Key: ai.CodeNoPrimaryKey, Query: "primary key innodb clustered index", K: 1},
		{Key: "question", Query: firstNonEmpty(req.Question, "schema design indexes"), K: 2},
	})
	ans := Answer{Profile: p.Name, Notes: append(notes, rnotes...)}
	w.assistRun(ctx, req.AssistOptions, ai.TaskSchema, c, cites, redactorFor(p), &ans)
	return ans, nil
}

func sampleOf(pv dba.Preview) ai.TableSample {
	s := ai.TableSample{Table: dba.QualifiedName{Schema: pv.Schema, Name: pv.Table}.String()}
	for _, c := range pv.Columns {
		s.Columns = append(s.Columns, c.Name)
	}
	for _, r := range pv.Rows {
		row := make([]string, len(r))
		for i, v := range r {
			if v.Null {
				row[i] = "NULL"
			} else {
				row[i] = v.Text
			}
		}
		s.Rows = append(s.Rows, row)
	}
	return s
}

// AskRequest is a free question, optionally about a connection and the
// statement in the editor.
type AskRequest struct {
	// Conn is optional: with one, the answer fits the server's flavour and
	// version.
	Conn     *ConnRequest
	Question string
	// SQL is the statement at hand (the editor's); its static findings
	// become evidence.
	SQL string
	AssistOptions
}

// Ask answers a free question from the knowledge base and, with a
// provider, the model; with a statement, its static findings are the
// evidence.
func (w *Workbench) Ask(ctx context.Context, req AskRequest) (Answer, error) {
	if strings.TrimSpace(req.Question) == "" {
		return Answer{}, fmt.Errorf("%w: no question", dba.ErrInvalid)
	}
	var server dba.Server
	var p dba.Profile
	if req.Conn != nil {
		db, prof, err := w.open(ctx, *req.Conn)
		if err != nil {
			return Answer{}, err
		}
		server, p = db.Server(), prof
		db.Close()
	}
	c := ai.Context{Server: server, Question: req.Question}
	var qs []citeQuery
	if stmt := strings.TrimSpace(req.SQL); stmt != "" {
		st, err := oneStatement(stmt)
		if err != nil && !errors.Is(err, dba.ErrInvalid) {
			return Answer{}, err
		}
		if err == nil {
			c.SQL = st
			c.Findings = analyzeGuarded(st, nil)
			qs = codeQueries(c.Findings, nil)
		}
	}
	qs = append([]citeQuery{{Key: "question", Query: req.Question, K: 3}}, qs...)
	var cites map[string][]int
	var notes []string
	c.Citations, cites, notes = w.retrieve(ctx, req.AssistOptions, server, qs)
	ans := Answer{Profile: p.Name, Notes: notes}
	w.assistRun(ctx, req.AssistOptions, ai.TaskAsk, c, cites, redactorFor(p), &ans)
	return ans, nil
}
