package mcp

import (
	"context"
	"fmt"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
	"github.com/mydba/mydba/internal/workbench"
)

// The opt-in toolsets: monitor (sessions, locks, status), performance
// (statement digests) and admin (variables). All of them read.

type processListIn struct {
	Connection  string `json:"connection,omitempty" jsonschema:"connection profile name (list_connections); default: the server's default connection"`
	IncludeIdle bool   `json:"include_idle,omitempty" jsonschema:"also list idle (Sleep) sessions and daemons"`
	User        string `json:"user,omitempty" jsonschema:"only sessions of this user"`
	DB          string `json:"db,omitempty" jsonschema:"only sessions using this schema"`
	Text        string `json:"text,omitempty" jsonschema:"only sessions whose statement contains this text (case-insensitive)"`
	MinSeconds  int    `json:"min_seconds,omitempty" jsonschema:"only sessions in their current state for at least this many seconds"`
	Limit       int    `json:"limit,omitempty" jsonschema:"sessions to return, longest running first (default and maximum: the server's row cap)"`
}

// SessionEntry is one session, compactly.
type SessionEntry struct {
	ID         int64    `json:"id"`
	User       string   `json:"user"`
	Host       string   `json:"host"`
	DB         string   `json:"db,omitempty"`
	Command    string   `json:"command"`
	State      string   `json:"state,omitempty"`
	Seconds    float64  `json:"seconds"`
	Statement  string   `json:"statement,omitempty"`
	TrxAgeS    *float64 `json:"trx_age_s,omitempty"`
	TrxState   string   `json:"trx_state,omitempty"`
	RowsLocked *int64   `json:"trx_rows_locked,omitempty"`
	LockRole   string   `json:"lock_role,omitempty"`
	BlockedBy  []string `json:"blocked_by,omitempty"`
}

type processListOut struct {
	Connection string         `json:"connection"`
	Server     string         `json:"server"`
	Sessions   []SessionEntry `json:"sessions"`
	// ServerSessions is every session on the server; Matched those the
	// filter kept.
	ServerSessions int `json:"server_sessions"`
	Listing
	LockWaits    int      `json:"lock_waits"`
	RootBlockers []string `json:"root_blockers,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
}

// statementText is a session's statement for an agent: passwords hidden,
// one line, at most 1000 characters.
func statementText(c *sqltext.Classifier, s string) string {
	if s == "" {
		return ""
	}
	return oneLine(c.Redact(s), 1000)
}

func sessionEntry(c *sqltext.Classifier, s dba.Session) SessionEntry {
	e := SessionEntry{ID: s.ID, User: s.User, Host: s.Host, DB: s.DB, Command: s.Command, State: s.State, Seconds: s.Time.Seconds(), Statement: statementText(c, s.Info)}
	if s.LockRole != dba.LockRoleNone {
		e.LockRole = string(s.LockRole)
	}
	e.BlockedBy = s.BlockedBy
	if t := s.Trx; t != nil {
		age := t.Age.Seconds()
		rows := t.RowsLocked
		e.TrxAgeS, e.TrxState, e.RowsLocked = &age, t.State, &rows
	}
	return e
}

func (s *Server) processList(ctx context.Context, _ *call, in processListIn) (any, error) {
	limit, err := s.rowsLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	if in.MinSeconds < 0 {
		return nil, fmt.Errorf("%w: min_seconds %d is negative", dba.ErrInvalid, in.MinSeconds)
	}
	conn, err := s.connection(ctx, in.Connection)
	if err != nil {
		return nil, err
	}
	v, err := s.wb.ProcessList(ctx, conn, workbench.ProcessQuery{
		Filter: dba.ProcessFilter{User: in.User, DB: in.DB, Text: in.Text, MinTime: time.Duration(in.MinSeconds) * time.Second, Active: !in.IncludeIdle},
		Sort:   dba.SortTime,
	})
	if err != nil {
		return nil, err
	}
	c := sqltext.NewClassifier()
	entries := make([]SessionEntry, 0, len(v.Sessions))
	for _, ss := range v.Sessions {
		entries = append(entries, sessionEntry(c, ss))
	}
	out := processListOut{Connection: connName(conn), Server: serverName(v.Server), ServerSessions: v.Total, LockWaits: len(v.Locks.Edges), RootBlockers: v.Locks.Roots, Warnings: v.Warnings}
	out.Sessions, out.Listing = take(entries, limit, newBudget(s.opts.MaxBytes))
	return out, nil
}

type lockWaitsIn struct {
	Connection string `json:"connection,omitempty" jsonschema:"connection profile name (list_connections); default: the server's default connection"`
}

// LockLine is one line of the lock tree: a root blocker at level 0, the
// sessions waiting for it below, depth first.
type LockLine struct {
	Level   int           `json:"level"`
	Node    string        `json:"node"`
	Parent  string        `json:"waits_for,omitempty"`
	Repeat  bool          `json:"repeat,omitempty"`
	Session *SessionEntry `json:"session,omitempty"`
	// Lock is what a waiting node asked for: mode on schema.table (index),
	// and the key.
	Lock  string  `json:"lock,omitempty"`
	WaitS float64 `json:"wait_s,omitempty"`
}

type lockWaitsOut struct {
	Connection string     `json:"connection"`
	Server     string     `json:"server"`
	Source     string     `json:"source,omitempty"`
	Tree       []LockLine `json:"tree"`
	Listing
	Roots    []string   `json:"root_blockers"`
	Cycles   [][]string `json:"cycles,omitempty"`
	MaxDepth int        `json:"max_depth"`
	Warnings []string   `json:"warnings,omitempty"`
}

func (s *Server) lockWaits(ctx context.Context, _ *call, in lockWaitsIn) (any, error) {
	conn, err := s.connection(ctx, in.Connection)
	if err != nil {
		return nil, err
	}
	v, err := s.wb.Locks(ctx, conn, dba.ProcessFilter{})
	if err != nil {
		return nil, err
	}
	c := sqltext.NewClassifier()
	lines := make([]LockLine, 0, len(v.Tree))
	for _, tl := range v.Tree {
		l := LockLine{Level: tl.Level, Node: tl.ID, Parent: tl.Parent, Repeat: tl.Repeat}
		if ss, ok := v.Session(tl.ID); ok && !tl.Repeat {
			e := sessionEntry(c, ss)
			l.Session = &e
		}
		if w, ok := v.Request(tl.ID); ok {
			l.Lock = w.LockMode + " on " + w.Object()
			if w.LockData != "" {
				l.Lock += " key " + w.LockData
			}
			l.WaitS = w.Wait.Seconds()
		}
		lines = append(lines, l)
	}
	roots := v.Graph.Roots
	if roots == nil {
		roots = []string{}
	}
	out := lockWaitsOut{Connection: connName(conn), Server: serverName(v.Server), Source: v.LockSource, Roots: roots, Cycles: v.Graph.Cycles, MaxDepth: v.Graph.MaxDepth, Warnings: v.Warnings}
	out.Tree, out.Listing = take(lines, s.opts.MaxRows, newBudget(s.opts.MaxBytes))
	return out, nil
}

type serverStatusIn struct {
	Connection string `json:"connection,omitempty" jsonschema:"connection profile name (list_connections); default: the server's default connection"`
	IntervalMs int    `json:"interval_ms,omitempty" jsonschema:"time between the two status samples the rates come from, in milliseconds (default 1000)"`
}

type serverStatusOut struct {
	Connection string `json:"connection"`
	dba.ServerStatus
}

func (s *Server) serverStatus(ctx context.Context, _ *call, in serverStatusIn) (any, error) {
	if in.IntervalMs < 0 {
		return nil, fmt.Errorf("%w: interval_ms %d is negative", dba.ErrInvalid, in.IntervalMs)
	}
	conn, err := s.connection(ctx, in.Connection)
	if err != nil {
		return nil, err
	}
	st, err := s.wb.Status(ctx, conn, workbench.StatusRequest{Interval: time.Duration(in.IntervalMs) * time.Millisecond})
	if err != nil {
		return nil, err
	}
	return serverStatusOut{Connection: connName(conn), ServerStatus: st}, nil
}

type topQueriesIn struct {
	Connection string `json:"connection,omitempty" jsonschema:"connection profile name (list_connections); default: the server's default connection"`
	OrderBy    string `json:"order_by,omitempty" jsonschema:"rank by: total (latency, the default), count, avg, max, rows-examined, rows-sent, no-index, lock, tmp-disk or errors"`
	Limit      int    `json:"limit,omitempty" jsonschema:"digests to return (default 10)"`
	NoIndex    bool   `json:"no_index,omitempty" jsonschema:"only digests that ran without a (good) index at least once"`
}

// DigestEntry is one statement digest, compactly.
type DigestEntry struct {
	Rank          int       `json:"rank"`
	Schema        string    `json:"schema,omitempty"`
	QueryID       string    `json:"query_id"`
	Text          string    `json:"digest_text"`
	ImpactPct     float64   `json:"impact_pct"`
	Calls         uint64    `json:"calls"`
	TotalS        float64   `json:"total_s"`
	AvgMs         float64   `json:"avg_ms"`
	MaxMs         float64   `json:"max_ms"`
	P95Ms         *float64  `json:"p95_ms,omitempty"`
	RowsExamined  uint64    `json:"rows_examined"`
	RowsSent      uint64    `json:"rows_sent"`
	NoIndexPct    float64   `json:"no_index_pct"`
	TmpDiskTables uint64    `json:"tmp_disk_tables"`
	Errors        uint64    `json:"errors"`
	Example       string    `json:"example,omitempty"`
	LastSeen      time.Time `json:"last_seen"`
}

type topQueriesOut struct {
	Connection string        `json:"connection"`
	Server     string        `json:"server"`
	OrderBy    string        `json:"order_by"`
	Digests    []DigestEntry `json:"digests"`
	Listing
	// AllDigests is how many digests the server's table holds.
	AllDigests int      `json:"all_digests"`
	Notes      []string `json:"notes,omitempty"`
}

func (s *Server) topQueries(ctx context.Context, _ *call, in topQueriesIn) (any, error) {
	order, err := dba.ParseDigestOrder(in.OrderBy)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	switch {
	case limit == 0:
		limit = 10
	case limit < 0 || limit > 50:
		return nil, fmt.Errorf("%w: limit %d: want 1 to 50", dba.ErrInvalid, limit)
	}
	conn, err := s.connection(ctx, in.Connection)
	if err != nil {
		return nil, err
	}
	top, err := s.wb.Top(ctx, workbench.TopRequest{Conn: conn, OrderBy: order, Limit: limit, NoIndex: in.NoIndex})
	if err != nil {
		return nil, err
	}
	c := sqltext.NewClassifier()
	entries := make([]DigestEntry, 0, len(top.Digests))
	for _, d := range top.Digests {
		e := DigestEntry{
			Rank: d.Rank, Schema: d.Schema, QueryID: d.QueryID, Text: oneLine(d.Text, 1000), ImpactPct: d.ImpactPct,
			Calls: d.Count, TotalS: d.TotalTime.Seconds(), AvgMs: ms(d.AvgTime), MaxMs: ms(d.MaxTime),
			RowsExamined: d.RowsExamined, RowsSent: d.RowsSent, NoIndexPct: d.NoIndexPct, TmpDiskTables: d.TmpDiskTables, Errors: d.Errors,
			LastSeen: d.LastSeen,
		}
		if d.P95 != nil {
			p := ms(*d.P95)
			e.P95Ms = &p
		}
		if d.Example != nil {
			e.Example = statementText(c, d.Example.Text)
		}
		entries = append(entries, e)
	}
	out := topQueriesOut{Connection: connName(conn), Server: serverName(top.Server), OrderBy: string(top.OrderBy), AllDigests: top.Totals.Digests, Notes: top.Notes}
	out.Digests, out.Listing = take(entries, limit, newBudget(s.opts.MaxBytes))
	return out, nil
}

type showVariablesIn struct {
	Connection string `json:"connection,omitempty" jsonschema:"connection profile name (list_connections); default: the server's default connection"`
	Pattern    string `json:"pattern,omitempty" jsonschema:"a variable name, a substring of names, or a LIKE pattern with %; empty: all"`
	Changed    bool   `json:"changed,omitempty" jsonschema:"only variables changed from their default"`
	Session    bool   `json:"session,omitempty" jsonschema:"session values (of mydba's read-only session) instead of global ones"`
	Limit      int    `json:"limit,omitempty" jsonschema:"variables to return (default and maximum: the server's row cap)"`
}

// VariableEntry is one variable, compactly.
type VariableEntry struct {
	Name    string  `json:"name"`
	Value   *string `json:"value"`
	Default *string `json:"default,omitempty"`
	Changed string  `json:"changed,omitempty"`
	Origin  string  `json:"origin,omitempty"`
	Dynamic *bool   `json:"dynamic,omitempty"`
}

type showVariablesOut struct {
	Connection string          `json:"connection"`
	Server     string          `json:"server"`
	Scope      string          `json:"scope"`
	Variables  []VariableEntry `json:"variables"`
	Listing
	Notes []string `json:"notes,omitempty"`
}

func (s *Server) showVariables(ctx context.Context, _ *call, in showVariablesIn) (any, error) {
	limit, err := s.rowsLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	scope := dba.ScopeGlobal
	if in.Session {
		scope = dba.ScopeSession
	}
	conn, err := s.connection(ctx, in.Connection)
	if err != nil {
		return nil, err
	}
	res, err := s.wb.Variables(ctx, conn, workbench.VariablesRequest{Scope: scope, Pattern: in.Pattern, Changed: in.Changed})
	if err != nil {
		return nil, err
	}
	entries := make([]VariableEntry, 0, len(res.Variables))
	for _, v := range res.Variables {
		e := VariableEntry{Name: v.Name, Value: v.Value, Default: v.Default, Changed: v.Changed, Origin: v.Origin, Dynamic: v.Dynamic}
		entries = append(entries, e)
	}
	out := showVariablesOut{Connection: connName(conn), Server: serverName(res.Server), Scope: string(res.Scope), Notes: res.Notes}
	out.Variables, out.Listing = take(entries, limit, newBudget(s.opts.MaxBytes))
	return out, nil
}
