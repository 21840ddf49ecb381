package sqltext

import (
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/mydba/mydba/internal/dba"
)

// DefaultLargeTableRows is the row estimate from which Analyze treats a
// table as large: unbounded reads and unbatched writes on it are findings.
const DefaultLargeTableRows = 100_000

// LargeOffset is the LIMIT offset from which paging by OFFSET is a finding:
// the server reads and throws away that many rows for every page.
const LargeOffset = 10_000

// SchemaInfo is what Analyze may know about the tables a statement names:
// their columns (types, nullability, collations), indexes (parts in order)
// and row estimates. It is plain data, built by the caller (the workbench
// reads it from a server; tests write it by hand), so the rules stay pure.
type SchemaInfo struct {
	// DefaultSchema resolves unqualified table names.
	DefaultSchema string        `json:"default_schema,omitempty"`
	Tables        []TableSchema `json:"tables"`
	// LargeTableRows overrides DefaultLargeTableRows when positive.
	LargeTableRows int64 `json:"large_table_rows,omitempty"`
}

// TableSchema is one table (or view) as the rules see it.
type TableSchema struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// Rows is the engine's row estimate; nil when unknown (views).
	Rows        *int64            `json:"rows_estimate"`
	Columns     []dba.TableColumn `json:"columns"`
	Indexes     []dba.TableIndex  `json:"indexes"`
	ForeignKeys []dba.ForeignKey  `json:"foreign_keys,omitempty"`
}

// TableSchemaOf keeps what the rules need from a described table.
func TableSchemaOf(d dba.TableDetail) TableSchema {
	return TableSchema{
		Schema:      d.Schema,
		Name:        d.Table.Name,
		Rows:        d.Table.Rows,
		Columns:     d.Columns,
		Indexes:     d.Indexes,
		ForeignKeys: d.ForeignKeys,
	}
}

func (s *SchemaInfo) largeRows() int64 {
	if s != nil && s.LargeTableRows > 0 {
		return s.LargeTableRows
	}
	return DefaultLargeTableRows
}

// table finds schema.name; an empty schema means the default one. Names
// match exactly first, then case-insensitively (lower_case_table_names).
func (s *SchemaInfo) table(schema, name string) *TableSchema {
	if s == nil {
		return nil
	}
	if schema == "" {
		schema = s.DefaultSchema
	}
	var fold *TableSchema
	for i := range s.Tables {
		t := &s.Tables[i]
		if t.Schema == schema && t.Name == name {
			return t
		}
		if fold == nil && strings.EqualFold(t.Schema, schema) && strings.EqualFold(t.Name, name) {
			fold = t
		}
	}
	return fold
}

// column finds a column by name; column names are case-insensitive.
func (t *TableSchema) column(name string) *dba.TableColumn {
	if t == nil {
		return nil
	}
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			return &t.Columns[i]
		}
	}
	return nil
}

// indexUse says how the visible indexes cover a column: leading is the
// first index that starts with it, any the first that holds it at all.
func (t *TableSchema) indexUse(col string) (leading, any *dba.TableIndex) {
	if t == nil {
		return nil, nil
	}
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if !ix.Visible || isSpecialIndex(ix) {
			continue
		}
		for j, p := range ix.Parts {
			if p.Column != "" && strings.EqualFold(p.Column, col) {
				if j == 0 && leading == nil {
					leading = ix
				}
				if any == nil {
					any = ix
				}
			}
		}
	}
	return leading, any
}

// isSpecialIndex: FULLTEXT and SPATIAL indexes serve no comparison.
func isSpecialIndex(ix *dba.TableIndex) bool {
	switch strings.ToUpper(ix.Type) {
	case "FULLTEXT", "SPATIAL", "RTREE":
		return true
	}
	return false
}

// uniqueKeys are the primary key and the UNIQUE indexes whose columns are
// all NOT NULL: each pins at most one row.
func (t *TableSchema) uniqueKeys() [][]string {
	if t == nil {
		return nil
	}
	var out [][]string
	for _, ix := range t.Indexes {
		if !ix.Primary && !ix.Unique {
			continue
		}
		var cols []string
		ok := true
		for _, p := range ix.Parts {
			c := t.column(p.Column)
			if p.Column == "" || p.SubPart != nil || c == nil || c.Nullable {
				ok = false
				break
			}
			cols = append(cols, c.Name)
		}
		if ok && len(cols) > 0 {
			if ix.Primary {
				out = slices.Insert(out, 0, cols)
			} else {
				out = append(out, cols)
			}
		}
	}
	return out
}

// primaryKey returns the primary key's columns, or nil.
func (t *TableSchema) primaryKey() []string {
	if t == nil {
		return nil
	}
	for _, ix := range t.Indexes {
		if ix.Primary {
			var cols []string
			for _, p := range ix.Parts {
				if p.Column == "" {
					return nil
				}
				cols = append(cols, p.Column)
			}
			return cols
		}
	}
	return nil
}

// qualified names the table for messages and fixes: `schema`.`name`.
func (t *TableSchema) qualified() string {
	if t.Schema == "" {
		return quoteName(t.Name)
	}
	return quoteName(t.Schema) + "." + quoteName(t.Name)
}

// typeFamily groups column types by how MySQL compares them.
type typeFamily int

const (
	familyOther typeFamily = iota // JSON, ENUM, SET, spatial, MariaDB UUID/INET
	familyNumeric
	familyString
	familyTemporal
)

func familyOf(dataType string) typeFamily {
	switch strings.ToLower(dataType) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double", "real", "bit", "year":
		return familyNumeric
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return familyString
	case "date", "datetime", "timestamp", "time":
		return familyTemporal
	}
	return familyOther
}

func (f typeFamily) String() string {
	switch f {
	case familyNumeric:
		return "number"
	case familyString:
		return "string"
	case familyTemporal:
		return "date/time"
	}
	return "other"
}

// quoteName backtick-quotes an identifier, doubling backticks inside.
func quoteName(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// ReferencedTables lists the tables a statement reads or writes, each once,
// in a stable order (the parser's walk of the statement): unqualified names get defaultSchema (empty when
// none is given), and names that are common table expressions of the
// statement are left out. A statement the parser cannot read names none.
func (c *Classifier) ReferencedTables(sql, defaultSchema string) []dba.QualifiedName {
	stmts, _, ok := c.parseForAnalysis(sql)
	if !ok {
		return nil
	}
	v := &tableNameCollector{ctes: map[string]bool{}, seen: map[dba.QualifiedName]bool{}, def: defaultSchema}
	for _, st := range stmts {
		st.Accept(&cteCollector{names: v.ctes})
	}
	for _, st := range stmts {
		st.Accept(v)
	}
	return v.out
}

type cteCollector struct{ names map[string]bool }

func (v *cteCollector) Enter(n ast.Node) (ast.Node, bool) {
	if w, ok := n.(*ast.WithClause); ok {
		for _, c := range w.CTEs {
			v.names[strings.ToLower(c.Name.O)] = true
		}
	}
	return n, false
}

func (v *cteCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

type tableNameCollector struct {
	ctes map[string]bool
	seen map[dba.QualifiedName]bool
	out  []dba.QualifiedName
	def  string
}

func (v *tableNameCollector) Enter(n ast.Node) (ast.Node, bool) {
	if _, ok := n.(*ast.DeleteTableList); ok {
		// DELETE o FROM orders o: the list names aliases, and the tables
		// behind them are in the FROM clause.
		return n, true
	}
	t, ok := n.(*ast.TableName)
	if !ok || t.Name.O == "" {
		return n, false
	}
	if t.Schema.O == "" && v.ctes[t.Name.L] {
		return n, false
	}
	q := dba.QualifiedName{Schema: t.Schema.O, Name: t.Name.O}
	if q.Schema == "" {
		q.Schema = v.def
	}
	if !v.seen[q] {
		v.seen[q] = true
		v.out = append(v.out, q)
	}
	return n, false
}

func (v *tableNameCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }
