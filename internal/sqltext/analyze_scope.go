package sqltext

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/mydba/mydba/internal/dba"
)

// Name binding: which table each column reference belongs to. The rules
// need it to look up a column's type and indexes, to tell a join condition
// from a filter, and to see a subquery reach out to its enclosing query.

// source is one entry of a FROM clause: a table, a view, a common table
// expression or a derived table.
type source struct {
	// alias is how columns qualify it: the AS name, else the table name.
	alias string
	// name is the table named; nil for a derived table.
	name *ast.TableName
	// table is its schema; nil when unknown (no schema, a CTE, derived).
	table *TableSchema
	// derived is the subquery of a derived table.
	derived ast.ResultSetNode
	// singleRow marks a derived table that yields one row (no FROM, or
	// aggregates without GROUP BY): joining it multiplies nothing.
	singleRow bool
	scope     *scope
	// ts is the FROM clause entry, for evidence.
	ts *ast.TableSource
}

// label names the source for Object: the table's name, or the alias of
// a derived table.
func (s *source) label() string {
	switch {
	case s.table != nil:
		return s.table.Name
	case s.name != nil:
		return s.name.Name.O
	}
	return s.alias
}

// display names the source in sentences: "orders", or "orders AS o".
func (s *source) display() string {
	if s.name != nil && !strings.EqualFold(s.alias, s.name.Name.O) {
		return s.label() + " AS " + s.alias
	}
	return s.label()
}

// tableRef is what an ALTER TABLE in a fix names: `schema`.`table` when
// known, else the table as the statement names it.
func (s *source) tableRef() string {
	switch {
	case s == nil:
		return "<table>"
	case s.table != nil:
		return s.table.qualified()
	case s.name != nil && s.name.Schema.O != "":
		return quoteName(s.name.Schema.O) + "." + quoteName(s.name.Name.O)
	case s.name != nil:
		return quoteName(s.name.Name.O)
	}
	return "<table>"
}

// qualifier is what a fix writes before a column of this source.
func (s *source) qualifier() string { return quoteName(s.alias) }

// scope is one query block (SELECT, UPDATE, DELETE) and its sources.
type scope struct {
	parent  *scope
	node    ast.Node
	sel     *ast.SelectStmt // nil for UPDATE and DELETE
	sources []*source
	level   int
}

// binding is what a column reference resolved to. src is nil when the
// reference could not be resolved (ambiguous, or tables without schema).
type binding struct {
	src *source
	col *dba.TableColumn
	// outer: the column belongs to an enclosing query block.
	outer bool
	// alias: the name is a select-list alias (ORDER BY total).
	alias bool
}

// bind walks one statement, building a scope per query block and
// resolving every column reference.
func (a *analyzer) bind(st ast.StmtNode) {
	a.scopes = map[ast.Node]*scope{}
	a.bindings = map[*ast.ColumnNameExpr]binding{}
	a.correlated = map[ast.Node]bool{}
	a.inExists = map[*ast.SelectStmt]bool{}
	a.blocks = nil
	a.setOprs = nil
	st.Accept(&binder{a: a})
}

type binder struct {
	a     *analyzer
	stack []*scope
}

func (b *binder) top() *scope {
	if len(b.stack) == 0 {
		return nil
	}
	return b.stack[len(b.stack)-1]
}

func (b *binder) push(n ast.Node, sel *ast.SelectStmt, from *ast.TableRefsClause) {
	sc := &scope{parent: b.top(), node: n, sel: sel, level: len(b.stack)}
	if from != nil && from.TableRefs != nil {
		b.a.addSources(sc, from.TableRefs)
	}
	b.a.scopes[n] = sc
	b.a.blocks = append(b.a.blocks, n)
	b.stack = append(b.stack, sc)
}

func (b *binder) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.SelectStmt:
		b.push(x, x, x.From)
	case *ast.UpdateStmt:
		b.push(x, nil, x.TableRefs)
	case *ast.DeleteStmt:
		b.push(x, nil, x.TableRefs)
	case *ast.SetOprStmt:
		b.a.setOprs = append(b.a.setOprs, x)
	case *ast.ExistsSubqueryExpr:
		if sq, ok := x.Sel.(*ast.SubqueryExpr); ok {
			if s, ok := sq.Query.(*ast.SelectStmt); ok {
				b.a.inExists[s] = true
			}
		}
	case *ast.ColumnNameExpr:
		b.a.bindings[x] = b.resolve(x)
	}
	return n, false
}

func (b *binder) Leave(n ast.Node) (ast.Node, bool) {
	switch n.(type) {
	case *ast.SelectStmt, *ast.UpdateStmt, *ast.DeleteStmt:
		b.stack = b.stack[:len(b.stack)-1]
	}
	return n, true
}

// resolve binds a column reference the way MySQL does: the innermost
// query block that has the column wins. A block whose tables are not all
// known stops the search (the column may be in the unknown one).
func (b *binder) resolve(x *ast.ColumnNameExpr) binding {
	cn := x.Name
	for sc := b.top(); sc != nil; sc = sc.parent {
		outer := sc != b.top()
		var bd binding
		found := false
		if cn.Table.O != "" {
			if s := sc.lookup(cn.Schema.O, cn.Table.O); s != nil {
				bd, found = binding{src: s, col: s.table.column(cn.Name.O), outer: outer}, true
			}
		} else {
			var stop bool
			bd, found, stop = sc.lookupColumn(cn.Name.O)
			bd.outer = outer && bd.src != nil
			if stop && !found {
				return bd
			}
		}
		if found {
			if outer && bd.src != nil {
				b.markCorrelated(sc)
			}
			return bd
		}
	}
	return binding{}
}

// markCorrelated marks every block between the top of the stack and the
// one that owns the column as reaching out of itself.
func (b *binder) markCorrelated(owner *scope) {
	for i := len(b.stack) - 1; i > owner.level; i-- {
		b.a.correlated[b.stack[i].node] = true
	}
}

// lookup finds the source a qualifier names: an alias, or schema.table.
func (sc *scope) lookup(schema, table string) *source {
	for _, s := range sc.sources {
		if schema != "" {
			if s.name != nil && strings.EqualFold(s.name.Name.O, table) && strings.EqualFold(s.alias, s.name.Name.O) &&
				(s.name.Schema.O == "" || strings.EqualFold(s.name.Schema.O, schema)) {
				return s
			}
			continue
		}
		if strings.EqualFold(s.alias, table) {
			return s
		}
	}
	return nil
}

// lookupColumn resolves an unqualified name in this block. stop is true
// when the search must not go further out: the name is bound, ambiguous,
// or may belong to a table whose columns are unknown.
func (sc *scope) lookupColumn(name string) (bd binding, found, stop bool) {
	var hits []*source
	unknown := 0
	for _, s := range sc.sources {
		if s.table == nil {
			unknown++
			continue
		}
		if s.table.column(name) != nil {
			hits = append(hits, s)
		}
	}
	switch {
	case len(hits) == 1:
		return binding{src: hits[0], col: hits[0].table.column(name)}, true, true
	case len(hits) > 1:
		return binding{}, false, true
	case unknown == 1 && len(sc.sources) == 1:
		return binding{src: sc.sources[0]}, true, true
	case unknown > 0:
		return binding{}, false, true
	}
	if sc.sel != nil && sc.sel.Fields != nil {
		for _, f := range sc.sel.Fields.Fields {
			if f.AsName.O != "" && strings.EqualFold(f.AsName.O, name) {
				return binding{alias: true}, true, true
			}
		}
	}
	return binding{}, false, false
}

// addSources adds the tables of a FROM clause (joins flattened).
func (a *analyzer) addSources(sc *scope, r ast.ResultSetNode) {
	switch x := r.(type) {
	case *ast.Join:
		if x.Left != nil {
			a.addSources(sc, x.Left)
		}
		if x.Right != nil {
			a.addSources(sc, x.Right)
		}
	case *ast.TableSource:
		switch src := x.Source.(type) {
		case *ast.TableName:
			s := &source{alias: src.Name.O, name: src, scope: sc, ts: x}
			if x.AsName.O != "" {
				s.alias = x.AsName.O
			}
			if src.Schema.O != "" || !a.ctes[src.Name.L] {
				s.table = a.schema.table(src.Schema.O, src.Name.O)
			}
			sc.sources = append(sc.sources, s)
		case *ast.SelectStmt:
			sc.sources = append(sc.sources, &source{alias: x.AsName.O, derived: src, singleRow: singleRow(src), scope: sc, ts: x})
		case *ast.SetOprStmt:
			sc.sources = append(sc.sources, &source{alias: x.AsName.O, derived: src, scope: sc, ts: x})
		case *ast.Join:
			a.addSources(sc, src)
		}
	}
}

// singleRow reports whether a SELECT yields at most one row: no FROM, an
// aggregate without GROUP BY, or LIMIT 1.
func singleRow(s *ast.SelectStmt) bool {
	if s.From == nil {
		return true
	}
	if s.Limit != nil && isIntLiteral(s.Limit.Count, 1) {
		return true
	}
	if s.GroupBy != nil || s.Fields == nil {
		return false
	}
	for _, f := range s.Fields.Fields {
		if f.Expr == nil || !isAggregate(f.Expr) {
			return false
		}
	}
	return true
}

// sourcesOf lists the sources under a join tree (for USING and NATURAL).
func (sc *scope) sourcesOf(r ast.ResultSetNode) []*source {
	var out []*source
	var walk func(ast.ResultSetNode)
	walk = func(r ast.ResultSetNode) {
		switch x := r.(type) {
		case *ast.Join:
			if x.Left != nil {
				walk(x.Left)
			}
			if x.Right != nil {
				walk(x.Right)
			}
		case *ast.TableSource:
			if j, ok := x.Source.(*ast.Join); ok {
				walk(j)
				return
			}
			for _, s := range sc.sources {
				if s.derived != nil && s.derived == x.Source {
					out = append(out, s)
					return
				}
				if tn, ok := x.Source.(*ast.TableName); ok && s.name == tn {
					out = append(out, s)
					return
				}
			}
		}
	}
	walk(r)
	return out
}
