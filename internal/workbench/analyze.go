package workbench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
)

// maxAnalyzeTables bounds how many tables one analysis describes: each
// costs a few catalog queries.
const maxAnalyzeTables = 64

// AnalyzeRequest is SQL to check with the static-analysis rules.
type AnalyzeRequest struct {
	// Conn, when set, is the server whose catalog gives the rules real
	// column types, indexes and row estimates of the tables the statements
	// name. Nil: offline, and rules that need the schema stay silent or
	// report at a lower severity.
	Conn *ConnRequest
	// SQL is one statement or a script (split like the mysql client does,
	// DELIMITER included). Nothing of it is executed.
	SQL string
	// Database resolves unqualified table names; default: the connection's
	// default database.
	Database string
	// LargeTableRows overrides sqltext.DefaultLargeTableRows (0: default).
	LargeTableRows int64
}

// AnalyzeResult is the findings of every statement.
type AnalyzeResult struct {
	// Profile names the connection used for the schema; empty offline.
	Profile string `json:"profile,omitempty"`
	// Database resolved unqualified table names.
	Database string `json:"database,omitempty"`
	// SchemaAware is true when the rules had the server's schema.
	SchemaAware bool `json:"schema_aware"`
	// Tables are those whose schema was read.
	Tables []AnalyzedTable `json:"tables,omitempty"`
	// Notes say what the rules could not see (a table not found, no
	// default database).
	Notes      []string            `json:"notes,omitempty"`
	Statements []AnalyzedStatement `json:"statements"`
}

// AnalyzedTable is one table whose schema the rules used.
type AnalyzedTable struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// Rows is the engine's row estimate; nil for views.
	Rows    *int64 `json:"rows_estimate"`
	Indexes int    `json:"indexes"`
}

// AnalyzedStatement is one statement with its classification and findings.
// Finding positions are in the script (line 1 is its first line).
type AnalyzedStatement struct {
	// Index is 1-based; Line is where the statement starts in the script.
	Index int `json:"index"`
	Line  int `json:"line"`
	// SQL is the statement, passwords hidden.
	SQL      string        `json:"sql"`
	Class    sqltext.Class `json:"class"`
	Kind     string        `json:"kind"`
	Risk     sqltext.Risk  `json:"risk"`
	Findings []dba.Finding `json:"findings"`
}

// Findings lists the findings of every statement, in statement order.
func (r AnalyzeResult) Findings() []dba.Finding {
	var out []dba.Finding
	for _, s := range r.Statements {
		out = append(out, s.Findings...)
	}
	return out
}

// Analyze runs the static-analysis rules on every statement of a script.
// With a connection it first reads the schema of the tables the
// statements name (through the explorer's Describe, on a read-only
// session); without one it works offline. It never executes the SQL.
func (w *Workbench) Analyze(ctx context.Context, req AnalyzeRequest) (AnalyzeResult, error) {
	res := AnalyzeResult{Statements: []AnalyzedStatement{}}
	stmts := sqltext.Split(req.SQL)
	if len(stmts) == 0 {
		return res, fmt.Errorf("%w: no SQL statement given", dba.ErrInvalid)
	}
	if req.Database != "" {
		if err := dba.ValidateIdentifier(req.Database); err != nil {
			return res, fmt.Errorf("database: %w", err)
		}
	}
	if req.LargeTableRows < 0 {
		return res, fmt.Errorf("%w: large-table threshold %d: want 0 (default) or more", dba.ErrInvalid, req.LargeTableRows)
	}
	c := sqltext.NewClassifier()
	var schema *sqltext.SchemaInfo
	if req.Conn != nil {
		var err error
		if schema, err = w.analyzeSchema(ctx, c, req, stmts, &res); err != nil {
			return res, err
		}
	}
	bases := statementOffsets(req.SQL, stmts)
	for i, st := range stmts {
		fs := c.Analyze(st.Text, schema)
		for j := range fs {
			fs[j].Line, fs[j].Column = shiftPosition(req.SQL, bases[i], st.Line, fs[j].Line, fs[j].Column)
		}
		cl, shown, ok := classifyGuarded(c, st.Text)
		if !ok {
			c = sqltext.NewClassifier()
		}
		res.Statements = append(res.Statements, AnalyzedStatement{
			Index: i + 1, Line: st.Line, SQL: shown,
			Class: cl.Class, Kind: cl.Kind, Risk: cl.Risk, Findings: fs,
		})
	}
	return res, nil
}

// classifyGuarded classifies a statement and hides its passwords. The
// parser's literal driver panics on some inputs (a decimal literal of about
// 80 digits): Analyze reports those as NotAnalyzed, and here they become
// unknown statements instead of crashing the caller; ok is false then and
// the classifier must be replaced.
func classifyGuarded(c *sqltext.Classifier, text string) (cl sqltext.Classification, shown string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			cl = sqltext.Classification{Class: sqltext.ClassUnknown, Risk: sqltext.RiskHigh, Reason: "the SQL parser failed on this statement"}
			shown, ok = text, false
			if up := strings.ToUpper(text); strings.Contains(up, "IDENTIFIED") || strings.Contains(up, "PASSWORD") {
				shown = "/* statement hidden by mydba: it may contain a password */"
			}
		}
	}()
	return c.Classify(text), c.Redact(text), true
}

// analyzeSchema connects and describes the tables the statements name.
func (w *Workbench) analyzeSchema(ctx context.Context, c *sqltext.Classifier, req AnalyzeRequest, stmts []sqltext.Statement, res *AnalyzeResult) (*sqltext.SchemaInfo, error) {
	r := *req.Conn
	if r.CallTimeout <= 0 {
		r.CallTimeout = r.Timeout
	}
	db, p, err := w.open(ctx, r)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	res.Profile = p.Name
	res.SchemaAware = true
	database := req.Database
	if database == "" {
		database = p.Target.Database
	}
	res.Database = database
	schema := &sqltext.SchemaInfo{DefaultSchema: database, LargeTableRows: req.LargeTableRows}
	var names []dba.QualifiedName
	seen := map[dba.QualifiedName]bool{}
	unqualified := false
	for _, st := range stmts {
		for _, q := range c.ReferencedTables(st.Text, database) {
			if q.Schema == "" {
				unqualified = true
				continue
			}
			if !seen[q] {
				seen[q] = true
				names = append(names, q)
			}
		}
	}
	if unqualified {
		res.Notes = append(res.Notes, "some table names have no schema and the connection has no default database: give --database (or qualify them) so the rules see their schema")
	}
	if len(names) > maxAnalyzeTables {
		res.Notes = append(res.Notes, fmt.Sprintf("the statements name %d tables; the schema of the first %d was read", len(names), maxAnalyzeTables))
		names = names[:maxAnalyzeTables]
	}
	for _, q := range names {
		det, err := db.Describe(ctx, q.Schema, q.Name)
		if errors.Is(err, dba.ErrNotFound) || errors.Is(err, dba.ErrInvalid) {
			res.Notes = append(res.Notes, fmt.Sprintf("table %s not found: rules that need its schema skipped it", q))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the schema of %s: %w", q, err)
		}
		t := sqltext.TableSchemaOf(det)
		schema.Tables = append(schema.Tables, t)
		res.Tables = append(res.Tables, AnalyzedTable{Schema: t.Schema, Name: t.Name, Rows: t.Rows, Indexes: len(t.Indexes)})
	}
	return schema, nil
}

// statementOffsets finds where each statement starts in the script: the
// split statements are trimmed substrings of it, in order. -1 when one
// cannot be found.
func statementOffsets(script string, stmts []sqltext.Statement) []int {
	out := make([]int, len(stmts))
	cursor := 0
	for i, st := range stmts {
		k := strings.Index(script[cursor:], st.Text)
		if k < 0 {
			out[i] = -1
			continue
		}
		out[i] = cursor + k
		cursor += k + len(st.Text)
	}
	return out
}

// shiftPosition turns a position inside a statement into one in the
// script. Without the statement's offset, lines still shift by its
// starting line.
func shiftPosition(script string, base, stmtLine, line, col int) (int, int) {
	if line <= 0 {
		return 0, 0
	}
	if base < 0 {
		return stmtLine + line - 1, col
	}
	prefix := script[:base]
	baseLine := strings.Count(prefix, "\n") + 1
	if line == 1 {
		col += utf8.RuneCountInString(prefix[strings.LastIndexByte(prefix, '\n')+1:])
	}
	return baseLine + line - 1, col
}
