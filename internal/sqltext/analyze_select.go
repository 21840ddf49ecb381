package sqltext

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/mydba/mydba/internal/dba"
)

// Rules on query blocks: the select list, ORDER BY, LIMIT, GROUP BY, joins
// and UNION.

func (a *analyzer) selectRules(sel *ast.SelectStmt, sc *scope) {
	a.selectStar(sel, sc)
	if sel.OrderBy != nil {
		a.orderByRand(sel.OrderBy, sel, sc)
	}
	if sel.Limit != nil {
		a.largeOffset(sel.Limit, sel.OrderBy, sc)
	}
	a.nonAggregatedGroupBy(sel, sc)
	a.correlatedInSelect(sel, sc)
}

// selectStar: SELECT * and t.* (not inside EXISTS, where the list is
// ignored).
func (a *analyzer) selectStar(sel *ast.SelectStmt, sc *scope) {
	if a.inExists[sel] || sel.Fields == nil {
		return
	}
	for _, f := range sel.Fields.Fields {
		if f.WildCard == nil {
			continue
		}
		ev := "SELECT " + restore(f)
		why := "SELECT * sends every column, including those the caller ignores, rules out covering indexes, and changes the result's shape whenever a column is added."
		fix := "Name the columns the caller uses."
		object := ""
		if cols, lobs, src := a.expandWildcard(f.WildCard, sc); cols != nil {
			fix = "Name the columns the caller uses, from: " + strings.Join(cols, ", ") + "."
			if src != nil {
				object = src.label()
			}
			why = fmt.Sprintf("SELECT * sends all %d columns", len(cols))
			if len(lobs) > 0 {
				why += " (with the large ones " + strings.Join(lobs, ", ") + ")"
			}
			why += ", including those the caller ignores, rules out covering indexes, and changes the result's shape whenever a column is added."
		}
		a.add(finding{code: CodeSelectStar, severity: dba.SeverityWarning, at: f, evidence: ev, why: why, fix: fix, object: object})
	}
}

// expandWildcard lists the columns * stands for, when every table behind
// it is known; lobs are the TEXT, BLOB and JSON ones. src is the one
// source when there is one.
func (a *analyzer) expandWildcard(w *ast.WildCardField, sc *scope) (cols, lobs []string, src *source) {
	if sc == nil {
		return nil, nil, nil
	}
	var srcs []*source
	for _, s := range sc.sources {
		if w.Table.O == "" || strings.EqualFold(s.alias, w.Table.O) {
			srcs = append(srcs, s)
		}
	}
	if len(srcs) == 0 {
		return nil, nil, nil
	}
	for _, s := range srcs {
		if s.table == nil || len(s.table.Columns) == 0 {
			return nil, nil, nil
		}
		for _, c := range s.table.Columns {
			if c.Invisible {
				continue
			}
			name := quoteName(c.Name)
			if len(sc.sources) > 1 {
				name = s.qualifier() + "." + name
			}
			cols = append(cols, name)
			switch strings.ToLower(c.DataType) {
			case "tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob", "json":
				lobs = append(lobs, name)
			}
		}
	}
	if len(srcs) == 1 {
		src = srcs[0]
	}
	return cols, lobs, src
}

// orderByRand: ORDER BY RAND() sorts the whole result to keep a few rows.
func (a *analyzer) orderByRand(order *ast.OrderByClause, sel *ast.SelectStmt, sc *scope) {
	for _, it := range order.Items {
		f, ok := unparen(it.Expr).(*ast.FuncCallExpr)
		if !ok || f.FnName.L != ast.Rand {
			continue
		}
		why := "ORDER BY RAND() gives every row a random number and sorts them all (a temporary table and a filesort) to keep a few: the cost grows with the table, not with the rows returned."
		fix := "Pick random keys instead: choose ids in the application, or jump to a random point of the primary key and read forward."
		if sel != nil && sc != nil && len(sc.sources) == 1 && sc.sources[0].table != nil {
			s := sc.sources[0]
			if pk := s.table.primaryKey(); len(pk) == 1 && familyOf(colType(s.table, pk[0])) == familyNumeric {
				key := s.qualifier() + "." + quoteName(pk[0])
				n := "1"
				if sel.Limit != nil && sel.Limit.Count != nil {
					n = restore(sel.Limit.Count)
				}
				q := "SELECT " + restore(sel.Fields) + " FROM " + restore(sel.From) +
					" JOIN (SELECT FLOOR(1 + RAND() * (SELECT MAX(" + quoteName(pk[0]) + ") FROM " + s.table.qualified() + ")) AS `r`) AS `rnd` ON " + key + " >= `rnd`.`r`"
				if sel.Where != nil {
					q += " WHERE " + restore(sel.Where)
				}
				q += " ORDER BY " + key + " LIMIT " + n
				fix = "Jump to a random point of the primary key and read forward (ids after gaps come up more often; pick ids in the application if that matters): " + clip(q)
			}
		}
		a.add(finding{code: CodeOrderByRand, severity: dba.SeverityWarning, at: it, evidence: "ORDER BY " + restore(it.Expr), why: why, fix: fix})
	}
}

func colType(t *TableSchema, name string) string {
	if c := t.column(name); c != nil {
		return c.DataType
	}
	return ""
}

// largeOffset: LIMIT with an offset of LargeOffset or more.
func (a *analyzer) largeOffset(limit *ast.Limit, order *ast.OrderByClause, sc *scope) {
	off, ok := intLiteral(limit.Offset)
	if !ok || off < LargeOffset {
		return
	}
	count := "20"
	if limit.Count != nil {
		count = restore(limit.Count)
	}
	why := fmt.Sprintf("The server reads and discards %d rows before returning the page: every later page is slower, and rows shift between pages when data changes.", off)
	fix := "Page by key (keyset pagination): remember the last row's sort key and ask for the rows after it, with a WHERE on the sort key and LIMIT " + count + " and no offset."
	var keys []string
	desc := false
	if order != nil {
		mixed := false
		for i, it := range order.Items {
			c := bareColumn(it.Expr)
			if c == nil {
				keys = nil
				break
			}
			if i > 0 && it.Desc != desc {
				mixed = true
			}
			desc = it.Desc
			keys = append(keys, restore(c))
		}
		if mixed {
			keys = nil
		}
	} else if sc != nil && len(sc.sources) == 1 && sc.sources[0].table != nil {
		why += " Without ORDER BY the pages are not even in a defined order."
		for _, k := range sc.sources[0].table.primaryKey() {
			keys = append(keys, quoteName(k))
		}
	}
	if len(keys) > 0 {
		op := ">"
		if desc {
			op = "<"
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ")
		cond := strings.Join(keys, ", ")
		if len(keys) > 1 {
			cond, marks = "("+cond+")", "("+marks+")"
		}
		dir := ""
		if desc {
			dir = " DESC"
		}
		orderBy := strings.Join(keys, dir+", ") + dir
		fix = fmt.Sprintf("Page by key (keyset pagination): pass the last row's values of the previous page: WHERE %s %s %s ORDER BY %s LIMIT %s (the sort key must be unique; add the primary key to it if it is not).", cond, op, marks, orderBy, count)
	}
	a.add(finding{code: CodeLargeOffset, severity: dba.SeverityWarning, at: limit, evidence: restore(limit), why: why, fix: fix})
}

// nonAggregatedGroupBy: a selected column that is neither grouped nor
// aggregated nor determined by the grouped columns.
func (a *analyzer) nonAggregatedGroupBy(sel *ast.SelectStmt, sc *scope) {
	if sel.Fields == nil {
		return
	}
	aggregates := false
	for _, f := range sel.Fields.Fields {
		if f.Expr != nil && hasAggregate(f.Expr) {
			aggregates = true
		}
	}
	if sel.GroupBy == nil && !aggregates {
		return
	}
	// The GROUP BY items, with positions and aliases replaced by the
	// select expressions they name.
	var groups []ast.ExprNode
	if sel.GroupBy != nil {
		for _, it := range sel.GroupBy.Items {
			groups = append(groups, groupTarget(it.Expr, sel))
		}
	}
	// Grouped columns by name, and the grouped expressions as text: a
	// query may have thousands of each.
	byName := map[string][]*ast.ColumnNameExpr{}
	groupTexts := map[string]bool{}
	var groupItems []string
	for _, g := range groups {
		if gc := bareColumn(g); gc != nil {
			byName[gc.Name.Name.L] = append(byName[gc.Name.Name.L], gc)
		}
		groupTexts[strings.ToLower(restore(g))] = true
	}
	if sel.GroupBy != nil {
		for _, it := range sel.GroupBy.Items {
			groupItems = append(groupItems, restore(it.Expr))
		}
	}
	grouped := func(c *ast.ColumnNameExpr) bool {
		bd := a.bindings[c]
		for _, gc := range byName[c.Name.Name.L] {
			gb := a.bindings[gc]
			if bd.src != nil && gb.src == bd.src && strings.EqualFold(gc.Name.Name.O, c.Name.Name.O) {
				return true
			}
			if (bd.src == nil || gb.src == nil) && strings.EqualFold(gc.Name.Name.O, c.Name.Name.O) &&
				(gc.Name.Table.O == "" || c.Name.Table.O == "" || strings.EqualFold(gc.Name.Table.O, c.Name.Table.O)) {
				return true
			}
		}
		return false
	}
	det := a.determinedColumns(sel, sc, groups)
	seen := map[string]bool{}
	for _, f := range sel.Fields.Fields {
		if f.Expr == nil {
			continue
		}
		if isAggregate(f.Expr) {
			continue
		}
		if t := restore(f.Expr); t != "" && groupTexts[strings.ToLower(t)] {
			continue
		}
		for _, c := range columnsOutsideAggregates(f.Expr) {
			bd := a.bindings[c]
			key := a.columnKey(c)
			if bd.outer || bd.alias || seen[key] || det[key] || grouped(c) {
				continue
			}
			seen[key] = true
			col := restore(c)
			why := col + " is neither in GROUP BY nor inside an aggregate: MySQL 5.7+ rejects the query under ONLY_FULL_GROUP_BY (the default), and MariaDB, or MySQL without that mode, returns the value of an arbitrary row of each group."
			fix := "Group by it (GROUP BY " + strings.Join(append(groupItems[:len(groupItems):len(groupItems)], col), ", ") + ") or aggregate it: MIN(" + col + "), MAX(" + col + "), or ANY_VALUE(" + col + ") on MySQL 5.7+ when any value of the group will do."
			if sel.GroupBy == nil {
				why = "The query aggregates its rows into one, but " + col + " is neither aggregated nor grouped: MySQL 5.7+ rejects it under ONLY_FULL_GROUP_BY (the default), and MariaDB returns the value of an arbitrary row."
				fix = "Aggregate it (MIN(" + col + "), MAX(" + col + ")), or add GROUP BY " + col + " if you want one row per value."
			}
			a.add(finding{code: CodeNonAggregatedGroupBy, severity: dba.SeverityWarning, at: c, evidence: col, why: why, fix: fix, object: a.columnLabel(c)})
		}
	}
}

// determinedColumns finds the columns that have one value per group, the
// way MySQL's functional-dependency check does: grouped columns, columns
// equal to a constant, columns equal to a determined column (WHERE and
// inner-join ON equalities), and every column of a table whose unique key
// is determined. Keys are columnKey's.
func (a *analyzer) determinedColumns(sel *ast.SelectStmt, sc *scope, groups []ast.ExprNode) map[string]bool {
	det := map[string]bool{}
	for _, g := range groups {
		if gc := bareColumn(g); gc != nil {
			det[a.columnKey(gc)] = true
		}
	}
	var conds []ast.ExprNode
	conds = append(conds, conjuncts(sel.Where)...)
	if sel.From != nil {
		walk(sel.From.TableRefs, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.Join:
				if x.Tp == ast.CrossJoin && x.On != nil {
					conds = append(conds, conjuncts(x.On.Expr)...)
				}
			case *ast.SelectStmt, *ast.SetOprStmt:
				return false
			}
			return true
		})
	}
	var edges [][2]string
	for _, cj := range conds {
		b, ok := cj.(*ast.BinaryOperationExpr)
		if !ok || (b.Op != opcode.EQ && b.Op != opcode.NullEQ) {
			continue
		}
		l, r := bareColumn(b.L), bareColumn(b.R)
		switch {
		case l != nil && r != nil:
			edges = append(edges, [2]string{a.columnKey(l), a.columnKey(r)})
		case l != nil && isConst(b.R):
			det[a.columnKey(l)] = true
		case r != nil && isConst(b.L):
			det[a.columnKey(r)] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, e := range edges {
			if det[e[0]] != det[e[1]] {
				det[e[0]], det[e[1]] = true, true
				changed = true
			}
		}
		if sc == nil {
			continue
		}
		for _, s := range sc.sources {
			if s.table == nil || det[strings.ToLower(s.alias)+".*"] {
				continue
			}
			for _, key := range s.table.uniqueKeys() {
				all := true
				for _, k := range key {
					if !det[strings.ToLower(s.alias+"."+k)] {
						all = false
						break
					}
				}
				if all {
					det[strings.ToLower(s.alias)+".*"] = true
					for _, c := range s.table.Columns {
						det[strings.ToLower(s.alias+"."+c.Name)] = true
					}
					changed = true
					break
				}
			}
		}
	}
	return det
}

// groupTarget resolves GROUP BY 2 and GROUP BY alias to the select
// expression they stand for.
func groupTarget(e ast.ExprNode, sel *ast.SelectStmt) ast.ExprNode {
	if p, ok := e.(*ast.PositionExpr); ok && p.N > 0 && p.N <= len(sel.Fields.Fields) && p.P == nil {
		if f := sel.Fields.Fields[p.N-1]; f.Expr != nil {
			return f.Expr
		}
	}
	if c := bareColumn(e); c != nil && c.Name.Table.O == "" {
		for _, f := range sel.Fields.Fields {
			if f.Expr != nil && f.AsName.O != "" && strings.EqualFold(f.AsName.O, c.Name.Name.O) {
				if fc := bareColumn(f.Expr); fc == nil || !strings.EqualFold(fc.Name.Name.O, c.Name.Name.O) {
					return f.Expr
				}
			}
		}
	}
	return e
}

// columnKey identifies a column for de-duplication: its source and name
// when bound, else its text.
func (a *analyzer) columnKey(c *ast.ColumnNameExpr) string {
	if bd := a.bindings[c]; bd.src != nil {
		return strings.ToLower(bd.src.alias + "." + c.Name.Name.O)
	}
	return strings.ToLower(c.Name.Table.O + "." + c.Name.Name.O)
}

// columnLabel names a column for Object: table.column when the table is
// known.
func (a *analyzer) columnLabel(c *ast.ColumnNameExpr) string {
	if bd := a.bindings[c]; bd.src != nil {
		name := c.Name.Name.O
		if bd.col != nil {
			name = bd.col.Name
		}
		return bd.src.label() + "." + name
	}
	if c.Name.Table.O != "" {
		return c.Name.Table.O + "." + c.Name.Name.O
	}
	return c.Name.Name.O
}

// correlatedInSelect: a subquery in the select list that uses the outer
// row runs once per row.
func (a *analyzer) correlatedInSelect(sel *ast.SelectStmt, sc *scope) {
	if sel.Fields == nil {
		return
	}
	for _, f := range sel.Fields.Fields {
		if f.Expr == nil {
			continue
		}
		walk(f.Expr, func(n ast.Node) bool {
			sq, ok := n.(*ast.SubqueryExpr)
			if !ok {
				return true
			}
			if !a.isCorrelated(sq.Query) {
				return false
			}
			rows := ""
			if r := a.largestSource(sc); r != nil && r.table.Rows != nil {
				rows = fmt.Sprintf(" (about %d rows of %s)", *r.table.Rows, r.table.Name)
			}
			why := "The subquery uses columns of the outer row, so it runs once for every row the outer query returns" + rows + "; a join computes the same in one pass."
			fix := "Rewrite it as a join to a derived table grouped by the correlation column, and make sure that column is indexed."
			if q, ok := sq.Query.(*ast.SelectStmt); ok {
				if j := a.decorrelate(q, f); j != "" {
					fix = j
				}
			}
			a.add(finding{code: CodeCorrelatedSubqueryInSelect, severity: dba.SeverityWarning, at: sq, evidence: restore(sq), why: why, fix: fix})
			return false
		})
	}
}

func (a *analyzer) isCorrelated(q ast.ResultSetNode) bool {
	switch x := q.(type) {
	case *ast.SelectStmt:
		return a.correlated[x]
	case *ast.SetOprStmt:
		for _, s := range unionSelects(x) {
			if a.correlated[s] {
				return true
			}
		}
	}
	return false
}

// decorrelate writes the join for the common shape: one aggregate over
// one table, tied to the outer row by one equality.
func (a *analyzer) decorrelate(q *ast.SelectStmt, f *ast.SelectField) string {
	if q.From == nil || q.GroupBy != nil || q.Having != nil || q.Limit != nil || q.Fields == nil || len(q.Fields.Fields) != 1 {
		return ""
	}
	agg := q.Fields.Fields[0].Expr
	if agg == nil || !isAggregate(agg) {
		return ""
	}
	var inner, outer *ast.ColumnNameExpr
	var rest []string
	for _, cj := range conjuncts(q.Where) {
		if b, ok := cj.(*ast.BinaryOperationExpr); ok && b.Op == opcode.EQ && inner == nil {
			l, r := bareColumn(b.L), bareColumn(b.R)
			if l != nil && r != nil {
				lb, rb := a.bindings[l], a.bindings[r]
				switch {
				case !lb.outer && lb.src != nil && rb.outer:
					inner, outer = l, r
					continue
				case !rb.outer && rb.src != nil && lb.outer:
					inner, outer = r, l
					continue
				}
			}
		}
		for _, c := range columnsIn(cj, true) {
			if a.bindings[c].outer {
				return ""
			}
		}
		rest = append(rest, conjunct(cj))
	}
	if inner == nil {
		return ""
	}
	alias := "sq"
	if f.AsName.O != "" {
		alias = "sq_" + f.AsName.O
	}
	value := quoteName(alias) + ".`v`"
	if af, ok := unparen(agg).(*ast.AggregateFuncExpr); ok && strings.EqualFold(af.F, ast.AggFuncCount) {
		value = "COALESCE(" + value + ", 0)"
	}
	d := "SELECT " + restore(inner) + ", " + restore(agg) + " AS `v` FROM " + restore(q.From)
	if len(rest) > 0 {
		d += " WHERE " + strings.Join(rest, " AND ")
	}
	d += " GROUP BY " + restore(inner)
	return "Join a derived table that computes it for all rows at once: LEFT JOIN (" + d + ") AS " + quoteName(alias) +
		" ON " + quoteName(alias) + "." + quoteName(inner.Name.Name.O) + " = " + restore(outer) + ", and select " + value + " instead of the subquery."
}

// largestSource is the known table with the highest row estimate.
func (a *analyzer) largestSource(sc *scope) *source {
	if sc == nil {
		return nil
	}
	var best *source
	for _, s := range sc.sources {
		if s.table == nil || s.table.Rows == nil {
			continue
		}
		if best == nil || *s.table.Rows > *best.table.Rows {
			best = s
		}
	}
	return best
}

// unboundedSelect: a query that returns every row of a large table (no
// WHERE, LIMIT, grouping, aggregate or DISTINCT to cut it down).
func (a *analyzer) unboundedSelect(sel *ast.SelectStmt) {
	if a.schema == nil || sel.From == nil || sel.Where != nil || sel.Limit != nil || sel.GroupBy != nil || sel.Having != nil || sel.Fields == nil || sel.Distinct {
		return
	}
	for _, f := range sel.Fields.Fields {
		if f.Expr != nil && hasAggregate(f.Expr) {
			return
		}
	}
	sc := a.scopes[sel]
	big := a.largestSource(sc)
	if big == nil || *big.table.Rows < a.schema.largeRows() {
		return
	}
	why := fmt.Sprintf("No WHERE and no LIMIT: the query reads and returns every row of %s (about %d rows by the table's estimate): memory on both ends, network, and a long scan.", big.table.qualified(), *big.table.Rows)
	fix := "Add a WHERE an index serves, or LIMIT the rows and page by key."
	if len(sc.sources) == 1 && sel.OrderBy == nil {
		if pk := big.table.primaryKey(); len(pk) > 0 {
			keys := make([]string, len(pk))
			for i, k := range pk {
				keys[i] = quoteName(k)
			}
			cond, marks := keys[0], "?"
			if len(keys) > 1 {
				cond = "(" + strings.Join(keys, ", ") + ")"
				marks = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ") + ")"
			}
			fix = "Add a WHERE an index serves, or read it in pages by primary key: SELECT " + restore(sel.Fields) + " FROM " + restore(sel.From) +
				" WHERE " + cond + " > " + marks + " ORDER BY " + strings.Join(keys, ", ") + " LIMIT 1000 (first page without the WHERE; then pass the last row's key)."
		}
	}
	start := 0
	switch {
	case sel.Text() != "":
		start = a.statementStart(sel)
	case len(sel.Fields.Fields) > 0 && sel.Fields.Fields[0].Offset > 0:
		start = sel.Fields.Fields[0].Offset + 1
	}
	a.add(finding{code: CodeUnboundedSelect, severity: dba.SeverityWarning, start: start, evidence: "FROM " + restore(sel.From), why: why, fix: fix, object: big.label()})
}

// joinRules checks the join conditions (as predicates) and looks for
// tables joined with nothing linking them.
func (a *analyzer) joinRules(from *ast.TableRefsClause, where ast.ExprNode, sc *scope) {
	if from == nil || from.TableRefs == nil || sc == nil {
		return
	}
	parent := map[*source]*source{}
	find := func(s *source) *source {
		for parent[s] != nil && parent[s] != s {
			s = parent[s]
		}
		return s
	}
	union := func(ss []*source) {
		for i := 1; i < len(ss); i++ {
			x, y := find(ss[0]), find(ss[i])
			if x != y {
				parent[y] = x
			}
		}
	}
	connect := func(e ast.ExprNode) {
		var ss []*source
		direct := map[*ast.ColumnNameExpr]bool{}
		for _, c := range columnsIn(e, false) {
			direct[c] = true
			bd := a.bindings[c]
			switch {
			case bd.src != nil && bd.src.scope == sc:
				ss = append(ss, bd.src)
			case bd.src == nil && !bd.alias:
				// Unresolved: it may link any of them.
				union(sc.sources)
			}
		}
		for _, c := range columnsIn(e, true) {
			if bd := a.bindings[c]; !direct[c] && bd.src != nil && bd.src.scope == sc {
				ss = append(ss, bd.src)
			}
		}
		union(ss)
	}
	var walkJoin func(r ast.ResultSetNode)
	walkJoin = func(r ast.ResultSetNode) {
		switch x := r.(type) {
		case *ast.Join:
			if x.Left != nil {
				walkJoin(x.Left)
			}
			if x.Right != nil {
				walkJoin(x.Right)
			}
			if x.On != nil && x.On.Expr != nil {
				a.predicateRules(x.On.Expr, sc)
				connect(x.On.Expr)
			}
			if (len(x.Using) > 0 || x.NaturalJoin) && x.Right != nil {
				union(append(sc.sourcesOf(x.Left), sc.sourcesOf(x.Right)...))
			}
		case *ast.TableSource:
			if j, ok := x.Source.(*ast.Join); ok {
				walkJoin(j)
			}
		}
	}
	walkJoin(from.TableRefs)
	for _, cj := range conjuncts(where) {
		connect(cj)
	}
	var groups [][]*source
	index := map[*source]int{}
	for _, s := range sc.sources {
		// One row joins nothing to many: a single-row derived table, or a
		// table whose unique key the WHERE pins (the "settings row").
		if s.singleRow || (s.table != nil && a.pinsUniqueKey(where, s, 1)) {
			continue
		}
		r := find(s)
		i, ok := index[r]
		if !ok {
			i = len(groups)
			index[r] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], s)
	}
	if len(groups) < 2 {
		return
	}
	l, r := groups[0], groups[1]
	names := func(ss []*source) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.display())
		}
		return strings.Join(out, ", ")
	}
	why := fmt.Sprintf("Nothing links %s to %s: every row of one is paired with every row of the other (a cartesian product)", names(l), names(r))
	if len(groups) > 2 {
		parts := make([]string, len(groups))
		for i, g := range groups {
			parts[i] = names(g)
		}
		why = "Nothing links these groups of tables to each other: " + strings.Join(parts, " | ") + ". Every row of one is paired with every row of the others (a cartesian product)"
	}
	sev := dba.SeverityWarning
	product, known := 1.0, true
	var factors []string
	for _, g := range groups {
		n, ok := rowsOf(g)
		if !ok {
			known = false
			break
		}
		product *= float64(n)
		factors = append(factors, fmt.Sprint(n))
	}
	if known {
		why += fmt.Sprintf(", about %s = %.3g rows", strings.Join(factors, " × "), product)
		if product >= float64(a.schema.largeRows()) {
			sev = dba.SeverityError
		}
	}
	why += "."
	fix := "Add the condition that links them (ON a.col = b.col); if every combination is really wanted, write CROSS JOIN and keep both sides small."
	if cond := linkingCondition(l, r); cond != "" {
		fix = "Add the condition that links them: ON " + cond + "."
	}
	parts := make([]string, len(groups))
	for i, g := range groups {
		var ts []string
		for _, s := range g {
			ts = append(ts, restore(s.ts))
		}
		parts[i] = strings.Join(ts, ", ")
		if len(g) > 1 {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	a.add(finding{code: CodeCartesianJoin, severity: sev, start: a.fromStart(sc), evidence: strings.Join(parts, " × "), why: why, fix: fix})
}

// fromStart is the position of the first table of a block, if known.
func (a *analyzer) fromStart(sc *scope) int {
	for _, s := range sc.sources {
		if s.name != nil {
			if o := s.name.OriginTextPosition(); o > 0 {
				return o + 1
			}
		}
	}
	return 0
}

// rowsOf estimates the rows of a group of linked sources: the largest
// table's estimate (the links are taken to be key lookups).
func rowsOf(ss []*source) (int64, bool) {
	n := int64(0)
	for _, s := range ss {
		if s.table == nil || s.table.Rows == nil {
			return 0, false
		}
		n = max(n, *s.table.Rows)
	}
	return n, true
}

// linkingCondition proposes a join condition between two groups of
// sources: a foreign key between them, else a column named after the other
// table (customer_id for customers.id).
func linkingCondition(l, r []*source) string {
	col := func(s *source, name string) string { return s.qualifier() + "." + quoteName(name) }
	for _, x := range l {
		for _, y := range r {
			if x.table == nil || y.table == nil {
				continue
			}
			for _, pair := range [][2]*source{{x, y}, {y, x}} {
				from, to := pair[0], pair[1]
				for _, fk := range from.table.ForeignKeys {
					if strings.EqualFold(fk.RefTable, to.table.Name) && (fk.RefSchema == "" || strings.EqualFold(fk.RefSchema, to.table.Schema)) &&
						len(fk.Columns) == len(fk.RefColumns) && len(fk.Columns) > 0 {
						var parts []string
						for i := range fk.Columns {
							parts = append(parts, col(from, fk.Columns[i])+" = "+col(to, fk.RefColumns[i]))
						}
						return strings.Join(parts, " AND ")
					}
				}
			}
			for _, pair := range [][2]*source{{x, y}, {y, x}} {
				from, to := pair[0], pair[1]
				pk := to.table.primaryKey()
				if len(pk) != 1 {
					continue
				}
				stem := strings.TrimSuffix(strings.ToLower(to.table.Name), "s")
				if c := from.table.column(stem + "_" + strings.ToLower(pk[0])); c != nil {
					return col(from, c.Name) + " = " + col(to, pk[0])
				}
			}
		}
	}
	return ""
}

// unionRules: UNION (distinct) where UNION ALL may do, and ORDER BY RAND()
// or a large OFFSET on the whole union.
func (a *analyzer) unionRules(u *ast.SetOprStmt) {
	if u.OrderBy != nil {
		a.orderByRand(u.OrderBy, nil, nil)
	}
	if u.Limit != nil {
		a.largeOffset(u.Limit, u.OrderBy, nil)
	}
	var distinct []*ast.SetOprType
	var visit func(l *ast.SetOprSelectList)
	visit = func(l *ast.SetOprSelectList) {
		if l == nil {
			return
		}
		for i, n := range l.Selects {
			var op *ast.SetOprType
			switch x := n.(type) {
			case *ast.SelectStmt:
				op = x.AfterSetOperator
			case *ast.SetOprSelectList:
				op = x.AfterSetOperator
				visit(x)
			}
			if i > 0 && op != nil && *op == ast.Union {
				distinct = append(distinct, op)
			}
		}
	}
	visit(u.SelectList)
	if len(distinct) == 0 {
		return
	}
	for _, op := range distinct {
		*op = ast.UnionAll
	}
	rewritten := restore(u)
	for _, op := range distinct {
		*op = ast.Union
	}
	why := "UNION removes duplicate rows: the server collects every row in a temporary table to de-duplicate them. If the branches cannot return the same row, or duplicates do not matter, UNION ALL returns the same rows without that work."
	sev := dba.SeverityInfo
	if k, vals := disjointColumn(unionSelects(u)); k > 0 {
		why = fmt.Sprintf("UNION removes duplicate rows with a temporary table, but here the branches cannot overlap: column %d is %s in each branch. UNION ALL returns the same rows without the de-duplication.", k, vals)
		sev = dba.SeverityWarning
	}
	a.add(finding{code: CodeUnionWithoutAll, severity: sev, start: a.statementStart(u), evidence: restore(u), why: why,
		fix: "Use UNION ALL when duplicates cannot occur or do not matter: " + clip(rewritten)})
}

// disjointColumn finds a select-list position where every branch has a
// different literal, which proves no row is in two branches. It returns
// the 1-based position and the values, or 0.
func disjointColumn(sels []*ast.SelectStmt) (int, string) {
	if len(sels) < 2 {
		return 0, ""
	}
	n := -1
	for _, s := range sels {
		if s.Fields == nil || (n >= 0 && len(s.Fields.Fields) != n) {
			return 0, ""
		}
		n = len(s.Fields.Fields)
	}
	for k := 0; k < n; k++ {
		seen := map[string]bool{}
		var vals []string
		ok := true
		for _, s := range sels {
			e := s.Fields.Fields[k].Expr
			if e == nil || literal(e) == nil {
				ok = false
				break
			}
			v := restore(e)
			if seen[v] || v == "NULL" {
				ok = false
				break
			}
			seen[v] = true
			vals = append(vals, v)
		}
		if ok {
			return k + 1, strings.Join(vals, " / ")
		}
	}
	return 0, ""
}
