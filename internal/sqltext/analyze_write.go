package sqltext

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/mydba/mydba/internal/dba"
)

// Rules on writes: UPDATE and DELETE that touch every row or too many rows
// at once, INSERT that depends on the column order.

// batchRows is the batch size the fixes propose.
const batchRows = 10_000

func (a *analyzer) updateRules(n *ast.UpdateStmt) {
	sc := a.scopes[n]
	if n.Where == nil {
		a.withoutWhere(CodeUpdateWithoutWhere, "changed", n, n.TableRefs, n.Limit != nil, sc)
		return
	}
	if n.MultipleTable || n.Limit != nil {
		return
	}
	a.withoutLimit(CodeUpdateWithoutLimit, n, n.Where, sc, func(order *ast.OrderByClause, limit *ast.Limit) string {
		oldOrder, oldLimit := n.Order, n.Limit
		n.Order, n.Limit = order, limit
		s := restore(n)
		n.Order, n.Limit = oldOrder, oldLimit
		return s
	})
}

func (a *analyzer) deleteRules(n *ast.DeleteStmt) {
	sc := a.scopes[n]
	if n.Where == nil {
		a.withoutWhere(CodeDeleteWithoutWhere, "deleted", n, n.TableRefs, n.Limit != nil, sc)
		return
	}
	if n.IsMultiTable || n.Limit != nil {
		return
	}
	a.withoutLimit(CodeDeleteWithoutLimit, n, n.Where, sc, func(order *ast.OrderByClause, limit *ast.Limit) string {
		oldOrder, oldLimit := n.Order, n.Limit
		n.Order, n.Limit = order, limit
		s := restore(n)
		n.Order, n.Limit = oldOrder, oldLimit
		return s
	})
}

// withoutWhere: UPDATE or DELETE with no WHERE. A join with conditions
// still limits the rows (warning); one table, or a LIMIT alone, does not.
func (a *analyzer) withoutWhere(code, verb string, st ast.StmtNode, refs *ast.TableRefsClause, limited bool, sc *scope) {
	sev := dba.SeverityError
	joined := refs != nil && hasJoinCondition(refs.TableRefs)
	if joined || limited {
		sev = dba.SeverityWarning
	}
	target := "the table"
	object := ""
	rows := ""
	if sc != nil && len(sc.sources) > 0 {
		s := sc.sources[0]
		target = quoteName(s.label())
		object = s.label()
		if s.table != nil {
			target = s.table.qualified()
			if s.table.Rows != nil {
				rows = fmt.Sprintf(" (about %d rows)", *s.table.Rows)
			}
		}
	}
	var why, fix string
	switch {
	case joined:
		why = fmt.Sprintf("No WHERE clause: every row of %s%s that the join matches is %s.", target, rows, verb)
		fix = "Add a WHERE that names the rows, even when the join already narrows them, so the statement says what it changes."
	case limited:
		why = fmt.Sprintf("No WHERE clause: LIMIT bounds how many rows are %s, but which rows of %s%s is left to the server.", verb, target, rows)
		fix = "Add a WHERE (and ORDER BY the primary key) so the statement says which rows it changes."
	default:
		why = fmt.Sprintf("No WHERE clause: every row of %s%s is %s.", target, rows, verb)
		fix = "Add the WHERE that names the rows to change."
		if code == CodeDeleteWithoutWhere {
			fix += fmt.Sprintf(" To empty the table, TRUNCATE TABLE %s is faster (it cannot be rolled back and resets AUTO_INCREMENT).", target)
		}
	}
	a.add(finding{code: code, severity: sev, start: a.statementStart(st), evidence: restore(st), why: why, fix: fix, object: object})
}

// hasJoinCondition reports whether a FROM clause joins tables with ON,
// USING or NATURAL.
func hasJoinCondition(r ast.ResultSetNode) bool {
	switch x := r.(type) {
	case *ast.Join:
		if (x.On != nil && x.On.Expr != nil) || len(x.Using) > 0 || x.NaturalJoin {
			return true
		}
		return (x.Left != nil && hasJoinCondition(x.Left)) || (x.Right != nil && hasJoinCondition(x.Right))
	case *ast.TableSource:
		if j, ok := x.Source.(*ast.Join); ok {
			return hasJoinCondition(j)
		}
	}
	return false
}

// withoutLimit: a single-table UPDATE or DELETE on a large table whose
// WHERE pins no unique key, without LIMIT: possibly a huge transaction.
// It needs the schema's row estimate.
func (a *analyzer) withoutLimit(code string, st ast.StmtNode, where ast.ExprNode, sc *scope, rewrite func(*ast.OrderByClause, *ast.Limit) string) {
	if a.schema == nil || sc == nil || len(sc.sources) != 1 {
		return
	}
	s := sc.sources[0]
	t := s.table
	if t == nil || t.Rows == nil || *t.Rows < a.schema.largeRows() || a.pinsUniqueKey(where, s, batchRows) {
		return
	}
	verb := "changes"
	if code == CodeDeleteWithoutLimit {
		verb = "deletes"
	}
	why := fmt.Sprintf("%s has about %d rows and the WHERE pins no unique key, so this may %s many of them in one transaction: row locks held until it commits, undo that grows, and replicas that apply it as one event (lag).",
		t.qualified(), *t.Rows, strings.TrimSuffix(verb, "s"))
	fix := fmt.Sprintf("Run it in batches: add LIMIT %d and repeat until it affects 0 rows", batchRows)
	if pk := t.primaryKey(); len(pk) > 0 {
		order := &ast.OrderByClause{}
		for _, k := range pk {
			order.Items = append(order.Items, &ast.ByItem{Expr: &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(k)}}})
		}
		limit := &ast.Limit{Count: ast.NewValueExpr(int64(batchRows), "", "")}
		fix += " (ORDER BY the primary key keeps it deterministic for replication): " + clip(rewrite(order, limit))
	}
	fix += "."
	if code == CodeUpdateWithoutLimit {
		fix += " The WHERE must exclude rows already updated, or the loop never ends."
	}
	a.add(finding{code: code, severity: dba.SeverityWarning, start: a.statementStart(st), evidence: "WHERE " + restore(where), why: why, fix: fix, object: s.label()})
}

// pinsUniqueKey reports whether the WHERE fixes every column of a unique
// key of the source with equalities (=, <=>, or IN of at most maxIn
// constants).
func (a *analyzer) pinsUniqueKey(where ast.ExprNode, s *source, maxIn int) bool {
	pinned := map[string]bool{}
	for _, cj := range conjuncts(where) {
		var c *ast.ColumnNameExpr
		switch x := cj.(type) {
		case *ast.BinaryOperationExpr:
			if x.Op != opcode.EQ && x.Op != opcode.NullEQ {
				continue
			}
			if l := bareColumn(x.L); l != nil && isConst(x.R) {
				c = l
			} else if r := bareColumn(x.R); r != nil && isConst(x.L) {
				c = r
			}
		case *ast.PatternInExpr:
			if x.Sel == nil && !x.Not && allConst(x.List) && len(x.List) <= maxIn {
				c = bareColumn(x.Expr)
			}
		}
		if c != nil && a.bindings[c].src == s {
			pinned[strings.ToLower(c.Name.Name.O)] = true
		}
	}
	for _, key := range s.table.uniqueKeys() {
		all := true
		for _, k := range key {
			if !pinned[strings.ToLower(k)] {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// insertRules: INSERT or REPLACE without a column list depends on the
// table's column order.
func (a *analyzer) insertRules(n *ast.InsertStmt) {
	if len(n.Columns) > 0 || n.Setlist || (len(n.Lists) == 0 && n.Select == nil) || n.Table == nil || n.Table.TableRefs == nil {
		return
	}
	kind := "INSERT"
	if n.IsReplace {
		kind = "REPLACE"
	}
	target := restore(n.Table.TableRefs)
	rest := " VALUES (…)"
	if n.Select != nil {
		rest = " SELECT …"
	}
	why := kind + " without a column list fills the columns in table order: it breaks, or silently writes values into the wrong columns, when a column is added, dropped or reordered."
	fix := "Name the columns: " + kind + " INTO " + target + " (col1, col2, …)" + rest + "."
	object := ""
	if t := a.insertTarget(n); t != nil {
		object = t.Name
		var cols []string
		for _, c := range t.Columns {
			if c.Generated == "" && !c.Invisible {
				cols = append(cols, quoteName(c.Name))
			}
		}
		if len(cols) > 0 {
			fix = "Name the columns: " + kind + " INTO " + target + " (" + strings.Join(cols, ", ") + ")" + rest + "."
		}
	}
	a.add(finding{code: CodeInsertWithoutColumns, severity: dba.SeverityWarning, start: a.statementStart(n), evidence: kind + " INTO " + target + rest, why: why, fix: fix, object: object})
}

func (a *analyzer) insertTarget(n *ast.InsertStmt) *TableSchema {
	ts, ok := n.Table.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return nil
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return nil
	}
	return a.schema.table(tn.Schema.O, tn.Name.O)
}
