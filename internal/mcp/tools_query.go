package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
	"github.com/mydba/mydba/internal/workbench"
)

// defaultQueryTimeout is a statement's time limit when a call sets none
// (the call timeout when that is shorter).
const defaultQueryTimeout = 15 * time.Second

type runQueryIn struct {
	Connection     string `json:"connection,omitempty" jsonschema:"connection profile name (list_connections); default: the server's default connection"`
	SQL            string `json:"sql" jsonschema:"the SQL: one read statement, or a short script of reads and session statements (USE, SET SESSION)"`
	MaxRows        int    `json:"max_rows,omitempty" jsonschema:"rows to return per result set (default and maximum: the server's row cap)"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty" jsonschema:"each statement's time limit in seconds; past it the statement is killed on the server (default 15)"`
}

// Column is a result column.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// ResultSet is one result set: rows as arrays of JSON values (BIGINT and
// DECIMAL as strings, binary as 0x hex).
type ResultSet struct {
	Columns []Column        `json:"columns"`
	Rows    json.RawMessage `json:"rows"`
	Listing
}

// Statement is one statement's result.
type Statement struct {
	Index        int           `json:"index"`
	SQL          string        `json:"sql"`
	Kind         string        `json:"kind"`
	DurationMs   float64       `json:"duration_ms"`
	RowsExamined *int64        `json:"rows_examined"`
	Warnings     []dba.Warning `json:"warnings,omitempty"`
	ResultSets   []ResultSet   `json:"result_sets"`
}

type runQueryOut struct {
	Connection string      `json:"connection"`
	Server     string      `json:"server"`
	Statements []Statement `json:"statements"`
}

func (s *Server) statementTimeout(seconds int) (time.Duration, error) {
	limit := s.opts.CallTimeout
	switch {
	case seconds == 0:
		return min(defaultQueryTimeout, limit), nil
	case seconds < 0 || time.Duration(seconds)*time.Second > limit:
		return 0, fmt.Errorf("%w: timeout_seconds %d: want 1 to %d", dba.ErrInvalid, seconds, int(limit.Seconds()))
	}
	return time.Duration(seconds) * time.Second, nil
}

func (s *Server) runQuery(ctx context.Context, _ *call, in runQueryIn) (any, error) {
	if strings.TrimSpace(in.SQL) == "" {
		return nil, fmt.Errorf("%w: no SQL given", dba.ErrInvalid)
	}
	maxRows, err := s.rowsLimit(in.MaxRows)
	if err != nil {
		return nil, fmt.Errorf("max_rows: %w", err)
	}
	maxTime, err := s.statementTimeout(in.TimeoutSeconds)
	if err != nil {
		return nil, err
	}
	conn, err := s.connection(ctx, in.Connection)
	if err != nil {
		return nil, err
	}
	res, err := s.wb.Query(ctx, workbench.QueryRequest{
		Conn: conn, SQL: in.SQL, MaxRows: int64(maxRows), MaxBytes: int64(s.opts.MaxBytes), MaxTime: maxTime, Source: "mcp",
	})
	if err != nil {
		return nil, err
	}
	out := runQueryOut{Connection: connName(conn), Server: serverName(res.Server), Statements: []Statement{}}
	b := newBudget(s.opts.MaxBytes)
	for _, st := range res.Statements {
		o := Statement{Index: st.Index, SQL: oneLine(st.SQL, 200), Kind: st.Kind, DurationMs: ms(st.Duration), RowsExamined: st.RowsExamined, Warnings: st.WarningList, ResultSets: []ResultSet{}}
		for _, rs := range st.ResultSets {
			o.ResultSets = append(o.ResultSets, resultSet(rs, b))
		}
		out.Statements = append(out.Statements, o)
	}
	return out, nil
}

// resultSet encodes rows as JSON within the byte budget. Rows the runner
// read but the budget cannot hold are counted and dropped.
func resultSet(rs dba.ResultSet, b *budget) ResultSet {
	out := ResultSet{Columns: make([]Column, len(rs.Columns))}
	kinds := make([]dba.ValueKind, len(rs.Columns))
	for i, c := range rs.Columns {
		out.Columns[i] = Column{Name: c.Name, Type: c.Type}
		kinds[i] = c.Kind()
		b.left -= len(c.Name) + len(c.Type) + 20
	}
	var buf, row bytes.Buffer
	buf.WriteByte('[')
	kept := 0
	for _, r := range rs.Rows {
		row.Reset()
		raw := []byte{'['}
		for j, v := range r {
			if j > 0 {
				raw = append(raw, ',')
			}
			k := dba.KindText
			if j < len(kinds) {
				k = kinds[j]
			}
			raw = dba.AppendJSON(raw, k, v)
		}
		raw = append(raw, ']')
		// Escaped here, as encoding/json would, so the count is exact and
		// no value can close the data fence.
		json.HTMLEscape(&row, raw)
		if row.Len()+1 > b.left {
			out.Truncated, out.Cap = true, capBytes
			break
		}
		b.left -= row.Len() + 1
		if kept > 0 {
			buf.WriteByte(',')
		}
		buf.Write(row.Bytes())
		kept++
	}
	buf.WriteByte(']')
	out.Rows = buf.Bytes()
	out.Returned = kept
	switch {
	case rs.Truncated:
		// The runner stopped reading at a cap and stopped the statement:
		// how many rows there were is not known.
		out.Truncated = true
		if out.Cap == "" {
			out.Cap = rs.Cap
		}
	default:
		total := rs.RowCount
		out.Total = &total
	}
	return out
}

type explainIn struct {
	Connection     string `json:"connection,omitempty" jsonschema:"connection profile name (list_connections); default: the server's default connection"`
	SQL            string `json:"sql" jsonschema:"one statement without EXPLAIN: SELECT, or INSERT/UPDATE/DELETE/REPLACE (explained, never run)"`
	Analyze        bool   `json:"analyze,omitempty" jsonschema:"run the statement to measure every step (ANALYZE); reads only"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty" jsonschema:"time limit in seconds (default 15); past it the statement is killed on the server"`
}

// PlanStep is one node of a plan, in tree order.
type PlanStep struct {
	ID        int      `json:"id"`
	Parent    int      `json:"parent,omitempty"`
	Depth     int      `json:"depth"`
	Step      string   `json:"step"`
	Table     string   `json:"table,omitempty"`
	Access    string   `json:"access,omitempty"`
	Key       string   `json:"key,omitempty"`
	Possible  []string `json:"possible_keys,omitempty"`
	Rows      *float64 `json:"rows_estimate,omitempty"`
	Filtered  *float64 `json:"filtered_pct,omitempty"`
	Cost      *float64 `json:"cost,omitempty"`
	Actual    *float64 `json:"actual_rows,omitempty"`
	Loops     *float64 `json:"loops,omitempty"`
	TimeMs    *float64 `json:"time_ms,omitempty"`
	Flags     []string `json:"flags,omitempty"`
	Condition string   `json:"condition,omitempty"`
}

type explainOut struct {
	Connection string            `json:"connection"`
	Server     string            `json:"server"`
	Statement  string            `json:"statement"`
	Executed   bool              `json:"executed"`
	Format     string            `json:"format"`
	Cost       *float64          `json:"cost,omitempty"`
	TimeMs     *float64          `json:"time_ms,omitempty"`
	Findings   []dba.PlanFinding `json:"findings"`
	Steps      []PlanStep        `json:"steps"`
	StepList   Listing           `json:"steps_listing"`
	Notes      []string          `json:"notes,omitempty"`
}

func (s *Server) explainQuery(ctx context.Context, _ *call, in explainIn) (any, error) {
	if strings.TrimSpace(in.SQL) == "" {
		return nil, fmt.Errorf("%w: no SQL given", dba.ErrInvalid)
	}
	if in.Analyze {
		// ANALYZE executes; over MCP only reads may be measured (a write
		// would need a human's approval in the gate).
		if cl := sqltext.NewClassifier().Classify(in.SQL); !cl.IsRead() {
			return nil, fmt.Errorf("%w: analyze runs the statement, and over MCP only reads are measured; this is %s: explain it without analyze", dba.ErrRefused, strings.ToLower(string(cl.Class)))
		}
	}
	maxTime, err := s.statementTimeout(in.TimeoutSeconds)
	if err != nil {
		return nil, err
	}
	conn, err := s.connection(ctx, in.Connection)
	if err != nil {
		return nil, err
	}
	rep, err := s.wb.Explain(ctx, workbench.ExplainRequest{Conn: conn, SQL: in.SQL, Analyze: in.Analyze, MaxTime: maxTime, Source: "mcp"})
	if err != nil {
		return nil, err
	}
	b := newBudget(s.opts.MaxBytes)
	out := explainOut{
		Connection: connName(conn), Server: serverName(rep.Server), Statement: oneLine(rep.Statement, 2000), Executed: rep.Executed,
		Format: string(rep.Plan.Format), Cost: rep.Plan.Cost, TimeMs: rep.Plan.TimeMs, Findings: rep.Findings, Notes: append(rep.Notes, rep.Plan.Notes...),
	}
	if out.Findings == nil {
		out.Findings = []dba.PlanFinding{}
	}
	b.left -= jsonSize(out)
	out.Steps, out.StepList = take(planSteps(rep.Plan), HardMaxRows, b)
	return out, nil
}

// planSteps flattens a plan tree in tree order.
func planSteps(p dba.Plan) []PlanStep {
	var out []PlanStep
	var walk func(n *dba.PlanNode, parent, depth int)
	walk = func(n *dba.PlanNode, parent, depth int) {
		if n == nil {
			return
		}
		st := PlanStep{
			ID: n.ID, Parent: parent, Depth: depth, Step: oneLine(n.Label, 200), Table: n.Table, Access: n.Access, Key: n.Key,
			Possible: n.PossibleKeys, Rows: n.Rows, Filtered: n.Filtered, Cost: n.Cost, Condition: oneLine(n.Condition, 300),
		}
		if n.Actual != nil {
			st.Actual, st.Loops, st.TimeMs = n.Actual.Rows, n.Actual.Loops, n.Actual.TimeMs
		}
		for _, f := range n.Flags {
			st.Flags = append(st.Flags, string(f))
		}
		out = append(out, st)
		for _, c := range n.Children {
			walk(c, n.ID, depth+1)
		}
	}
	walk(p.Root, 0, 0)
	if out == nil {
		out = []PlanStep{}
	}
	return out
}

type analyzeIn struct {
	Connection string `json:"connection,omitempty" jsonschema:"connection whose schema the rules read (column types, indexes, row estimates); default: the server's default connection"`
	SQL        string `json:"sql" jsonschema:"one statement or a script; nothing is executed"`
	Database   string `json:"database,omitempty" jsonschema:"schema for unqualified table names (default: the connection's default database)"`
	Offline    bool   `json:"offline,omitempty" jsonschema:"check the text alone, without reading any schema"`
}

type analyzeOut struct {
	workbench.AnalyzeResult
	StatementList Listing `json:"statements_listing"`
}

func (s *Server) analyzeQuery(ctx context.Context, _ *call, in analyzeIn) (any, error) {
	if strings.TrimSpace(in.SQL) == "" {
		return nil, fmt.Errorf("%w: no SQL given", dba.ErrInvalid)
	}
	req := workbench.AnalyzeRequest{SQL: in.SQL, Database: in.Database}
	d := s.opts.Default
	if !in.Offline && (in.Connection != "" || d.Profile != "" || d.DSN != "") {
		conn, err := s.connection(ctx, in.Connection)
		if err != nil {
			return nil, err
		}
		req.Conn = &conn
	}
	res, err := s.wb.Analyze(ctx, req)
	if err != nil {
		return nil, err
	}
	if req.Conn == nil {
		res.Notes = append(res.Notes, "offline: the rules saw the SQL text only; give a connection for schema-aware findings")
	}
	out := analyzeOut{AnalyzeResult: res}
	b := newBudget(s.opts.MaxBytes)
	b.left -= jsonSize(res.Tables) + jsonSize(res.Notes)
	out.Statements, out.StatementList = take(res.Statements, HardMaxRows, b)
	return out, nil
}

func serverName(s dba.Server) string {
	if s.Flavor == dba.FlavorUnknown {
		return ""
	}
	return s.Flavor.String() + " " + s.Version.String()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// oneLine squeezes white space and cuts text to n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}
