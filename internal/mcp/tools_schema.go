package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// probeTimeout bounds connecting to each profile for list_connections.
const probeTimeout = 3 * time.Second

type listConnectionsIn struct {
	Probe bool `json:"probe,omitempty" jsonschema:"also connect to each connection (3 s each, in parallel) and report the server's flavour, version, role and read_only"`
}

// Connection is one profile as an agent sees it: no host, user or secret.
type Connection struct {
	Name     string `json:"name"`
	Env      string `json:"env"`
	Label    string `json:"label,omitempty"`
	Database string `json:"database,omitempty"`
	Default  bool   `json:"default,omitempty"`
	// Probed facts (probe=true).
	Flavor   string `json:"flavor,omitempty"`
	Version  string `json:"version,omitempty"`
	Role     string `json:"role,omitempty"`
	ReadOnly *bool  `json:"read_only,omitempty"`
	Error    string `json:"error,omitempty"`
}

type listConnectionsOut struct {
	Connections []Connection `json:"connections"`
	Listing
}

func (s *Server) listConnections(ctx context.Context, _ *call, in listConnectionsIn) (any, error) {
	ps, err := s.wb.Profiles(ctx)
	if err != nil {
		// The state file, not the model's input: a server failure.
		return nil, failure{err}
	}
	var conns []Connection
	reqs := map[string]workbench.ConnRequest{}
	if d := s.opts.Default; d.DSN != "" {
		conns = append(conns, Connection{Name: dsnName, Env: string(dba.EnvDev), Default: true})
		r := d
		s.fill(&r)
		reqs[dsnName] = r
	}
	for _, p := range ps {
		if len(s.opts.Connections) > 0 && !slices.Contains(s.opts.Connections, p.Name) {
			continue
		}
		conns = append(conns, Connection{Name: p.Name, Env: string(p.Env), Label: p.Label, Database: p.Target.Database, Default: p.Name == s.opts.Default.Profile})
		r := workbench.ConnRequest{Profile: p.Name}
		if p.Name == s.opts.Default.Profile {
			r = s.opts.Default
		}
		reqs[p.Name] = r
	}
	out := listConnectionsOut{}
	out.Connections, out.Listing = take(conns, HardMaxRows, newBudget(s.opts.MaxBytes))
	if in.Probe {
		s.probe(ctx, out.Connections, reqs)
	}
	if out.Connections == nil {
		out.Connections = []Connection{}
	}
	return out, nil
}

// probe tests every listed connection, four at a time.
func (s *Server) probe(ctx context.Context, conns []Connection, reqs map[string]workbench.ConnRequest) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range conns {
		wg.Add(1)
		go func(c *Connection) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := reqs[c.Name]
			r.Timeout, r.CallTimeout = probeTimeout, probeTimeout
			res, err := s.wb.TestConnection(ctx, r)
			if err != nil && res.Report.Server.Raw == "" {
				c.Error = s.hideTargets(ctx, err.Error())
				return
			}
			rep := res.Report
			c.Flavor, c.Version, c.Role = rep.Server.Flavor.String(), rep.Server.Version.String(), rep.Role
			ro := rep.ReadOnly
			c.ReadOnly = &ro
			if err != nil {
				c.Error = s.hideTargets(ctx, err.Error())
			}
		}(&conns[i])
	}
	wg.Wait()
}

type describeIn struct {
	Connection    string `json:"connection,omitempty" jsonschema:"connection profile name (list_connections); default: the server's default connection"`
	Schema        string `json:"schema,omitempty" jsonschema:"schema (database) to list the tables of; empty: list the schemas"`
	Table         string `json:"table,omitempty" jsonschema:"table or view to describe (needs schema)"`
	Filter        string `json:"filter,omitempty" jsonschema:"case-insensitive substring of the schema or table names to list"`
	After         string `json:"after,omitempty" jsonschema:"continue a list after this name (the next value of the previous page)"`
	Limit         int    `json:"limit,omitempty" jsonschema:"names per page (default and maximum: the server's row cap)"`
	IncludeCreate bool   `json:"include_create,omitempty" jsonschema:"with table: include the CREATE statement"`
	IncludeSystem bool   `json:"include_system,omitempty" jsonschema:"without schema: include the server's own schemas (mysql, sys, information_schema, performance_schema)"`
}

// SchemaEntry is one schema of a describe listing.
type SchemaEntry struct {
	Name      string `json:"name"`
	Tables    int    `json:"tables"`
	Views     int    `json:"views"`
	SizeBytes int64  `json:"size_bytes"`
	System    bool   `json:"system,omitempty"`
}

// TableEntry is one table of a describe listing.
type TableEntry struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Engine    string `json:"engine,omitempty"`
	Rows      *int64 `json:"rows_estimate"`
	SizeBytes *int64 `json:"size_bytes"`
	Comment   string `json:"comment,omitempty"`
}

// ColumnEntry is a column, compactly.
type ColumnEntry struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	// Default is the default as SQL ("NULL", a quoted literal or an
	// expression); empty when the column has none.
	Default   string `json:"default,omitempty"`
	Extra     string `json:"extra,omitempty"`
	Comment   string `json:"comment,omitempty"`
	Generated string `json:"generated,omitempty"`
}

// IndexEntry is an index, compactly: its columns in order (prefix lengths
// as col(n), expressions in parentheses).
type IndexEntry struct {
	Name        string   `json:"name"`
	Unique      bool     `json:"unique"`
	Type        string   `json:"type,omitempty"`
	Columns     []string `json:"columns"`
	Cardinality *int64   `json:"cardinality"`
	Invisible   bool     `json:"invisible,omitempty"`
}

// ForeignKeyEntry is a foreign key, compactly.
type ForeignKeyEntry struct {
	Name       string   `json:"name"`
	Table      string   `json:"table"`
	Columns    []string `json:"columns"`
	References string   `json:"references"`
	RefColumns []string `json:"ref_columns"`
	OnDelete   string   `json:"on_delete,omitempty"`
	OnUpdate   string   `json:"on_update,omitempty"`
}

type schemasOut struct {
	Connection string        `json:"connection"`
	Schemas    []SchemaEntry `json:"schemas"`
	Listing
	Notes []string `json:"notes,omitempty"`
}

type tablesOut struct {
	Connection string       `json:"connection"`
	Schema     string       `json:"schema"`
	Tables     []TableEntry `json:"tables"`
	Listing
}

type tableOut struct {
	Connection   string            `json:"connection"`
	Schema       string            `json:"schema"`
	Table        string            `json:"table"`
	Type         string            `json:"type"`
	Engine       string            `json:"engine,omitempty"`
	Rows         *int64            `json:"rows_estimate"`
	Comment      string            `json:"comment,omitempty"`
	PrimaryKey   []string          `json:"primary_key"`
	Columns      []ColumnEntry     `json:"columns"`
	ColumnList   Listing           `json:"columns_listing"`
	Indexes      []IndexEntry      `json:"indexes"`
	ForeignKeys  []ForeignKeyEntry `json:"foreign_keys"`
	ReferencedBy []ForeignKeyEntry `json:"referenced_by"`
	Triggers     []string          `json:"triggers,omitempty"`
	Create       string            `json:"create,omitempty"`
	Notes        []string          `json:"notes,omitempty"`
}

func (s *Server) describe(ctx context.Context, _ *call, in describeIn) (any, error) {
	limit, err := s.rowsLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	if in.Table != "" && in.Schema == "" {
		return nil, fmt.Errorf("%w: table %q needs its schema", dba.ErrInvalid, in.Table)
	}
	conn, err := s.connection(ctx, in.Connection)
	if err != nil {
		return nil, err
	}
	b := newBudget(s.opts.MaxBytes)
	switch {
	case in.Table != "":
		d, err := s.wb.Describe(ctx, conn, dba.QualifiedName{Schema: in.Schema, Name: in.Table})
		if err != nil {
			return nil, err
		}
		return compactTable(connName(conn), d, in.IncludeCreate, b), nil
	case in.Schema != "":
		page, err := s.wb.Tables(ctx, conn, dba.TableQuery{Schema: in.Schema, Filter: in.Filter, After: in.After, Limit: limit})
		if err != nil {
			return nil, err
		}
		entries := make([]TableEntry, 0, len(page.Tables))
		for _, t := range page.Tables {
			e := TableEntry{Name: t.Name, Type: t.Type, Engine: t.Engine, Rows: t.Rows, Comment: t.Comment}
			if t.DataBytes != nil || t.IndexBytes != nil {
				n := deref(t.DataBytes) + deref(t.IndexBytes)
				e.SizeBytes = &n
			}
			entries = append(entries, e)
		}
		out := tablesOut{Connection: connName(conn), Schema: page.Schema}
		out.Tables, out.Listing = take(entries, limit, b)
		paged(&out.Listing, page.Next, func(i int) string { return out.Tables[i].Name })
		return out, nil
	}
	page, err := s.wb.Schemas(ctx, conn, dba.SchemaQuery{Filter: in.Filter, After: in.After, Limit: limit})
	if err != nil {
		return nil, err
	}
	entries := make([]SchemaEntry, 0, len(page.Schemas))
	for _, sc := range page.Schemas {
		if sc.System && !in.IncludeSystem {
			continue
		}
		entries = append(entries, SchemaEntry{Name: sc.Name, Tables: sc.Tables, Views: sc.Views, SizeBytes: sc.SizeBytes(), System: sc.System})
	}
	out := schemasOut{Connection: connName(conn), Notes: page.Notes}
	out.Schemas, out.Listing = take(entries, limit, b)
	paged(&out.Listing, page.Next, func(i int) string { return out.Schemas[i].Name })
	if !in.IncludeSystem {
		// Totals count what the caller asked to see.
		out.Notes = append(out.Notes, "the server's own schemas are left out (include_system shows them)")
	}
	return out, nil
}

// paged fixes a listing for a page of a longer list: the total is not
// known, and the next page starts after the last name kept.
func paged(l *Listing, next string, name func(int) string) {
	if next == "" && !l.Truncated {
		return
	}
	l.Total = nil
	if l.Cap == "" {
		l.Cap = capPage
	}
	l.Truncated = true
	switch {
	case l.Returned > 0 && (l.Cap == capBytes || l.Cap == capRows):
		l.Next = name(l.Returned - 1)
	default:
		l.Next = next
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// compactTable keeps what an agent needs to write SQL against a table.
func compactTable(conn string, d dba.TableDetail, create bool, b *budget) tableOut {
	out := tableOut{
		Connection: conn, Schema: d.Schema, Table: d.Table.Name, Type: d.Table.Type, Engine: d.Table.Engine,
		Rows: d.Table.Rows, Comment: d.Table.Comment, PrimaryKey: []string{}, Notes: d.Notes,
		Indexes: []IndexEntry{}, ForeignKeys: []ForeignKeyEntry{}, ReferencedBy: []ForeignKeyEntry{},
	}
	cols := make([]ColumnEntry, 0, len(d.Columns))
	for _, c := range d.Columns {
		cols = append(cols, ColumnEntry{Name: c.Name, Type: c.Type, Nullable: c.Nullable, Default: defaultSQL(c.Default), Extra: columnExtra(c), Comment: c.Comment, Generated: c.Expression})
	}
	for _, ix := range d.Indexes {
		e := IndexEntry{Name: ix.Name, Unique: ix.Unique, Columns: []string{}, Invisible: !ix.Visible}
		if ix.Type != "" && ix.Type != "BTREE" {
			e.Type = ix.Type
		}
		for _, p := range ix.Parts {
			e.Columns = append(e.Columns, partName(p))
			if p.Cardinality != nil {
				e.Cardinality = p.Cardinality
			}
		}
		if ix.Primary {
			out.PrimaryKey = e.Columns
		}
		out.Indexes = append(out.Indexes, e)
	}
	for _, fk := range d.ForeignKeys {
		out.ForeignKeys = append(out.ForeignKeys, fkEntry(fk))
	}
	for _, fk := range d.ReferencedBy {
		out.ReferencedBy = append(out.ReferencedBy, fkEntry(fk))
	}
	for _, t := range d.Triggers {
		out.Triggers = append(out.Triggers, strings.TrimSpace(t.Timing+" "+t.Event+" "+t.Name))
	}
	// Indexes and keys first: they are what makes advice right; columns
	// take the rest of the budget.
	b.left -= jsonSize(out)
	if create {
		out.Create = d.Create
		b.left -= len(d.Create)
	}
	out.Columns, out.ColumnList = take(cols, HardMaxRows, b)
	return out
}

func defaultSQL(d *dba.ColumnDefault) string {
	if d == nil {
		return ""
	}
	switch d.Kind {
	case dba.DefaultNull:
		return "NULL"
	case dba.DefaultLiteral:
		return "'" + strings.ReplaceAll(d.Value, "'", "''") + "'"
	}
	return d.Value
}

func columnExtra(c dba.TableColumn) string {
	var parts []string
	if c.AutoIncrement {
		parts = append(parts, "auto_increment")
	}
	if c.OnUpdate != "" {
		parts = append(parts, "on update "+c.OnUpdate)
	}
	if c.Generated != "" {
		parts = append(parts, strings.ToLower(c.Generated)+" generated")
	}
	if c.Invisible {
		parts = append(parts, "invisible")
	}
	return strings.Join(parts, ", ")
}

func partName(p dba.IndexPart) string {
	name := p.Column
	if name == "" {
		name = "(" + p.Expression + ")"
	}
	if p.SubPart != nil {
		name += fmt.Sprintf("(%d)", *p.SubPart)
	}
	if strings.EqualFold(p.Order, "desc") {
		name += " DESC"
	}
	return name
}

func fkEntry(fk dba.ForeignKey) ForeignKeyEntry {
	return ForeignKeyEntry{
		Name: fk.Name, Table: fk.Schema + "." + fk.Table, Columns: fk.Columns,
		References: fk.RefSchema + "." + fk.RefTable, RefColumns: fk.RefColumns,
		OnDelete: fk.OnDelete, OnUpdate: fk.OnUpdate,
	}
}
