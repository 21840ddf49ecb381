package sqltext

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// IndexUse is what one table reference of a statement offers an index,
// read from the statement itself: the plan advisor builds CREATE INDEX
// suggestions from it (equality columns first, then a range or the sort).
type IndexUse struct {
	Schema string `json:"schema,omitempty"`
	Table  string `json:"table"`
	// Alias is the name the plan shows for the reference: the AS name,
	// else the table name.
	Alias string `json:"alias"`
	// Equal holds columns compared with a constant by =, <=> or IS NULL;
	// In those compared with a list of constants.
	Equal []string `json:"equal,omitempty"`
	In    []string `json:"in,omitempty"`
	// Range holds columns bounded by <, <=, >, >=, BETWEEN or LIKE 'prefix%'.
	Range []string `json:"range,omitempty"`
	// Join holds columns compared by = with a column of another table (a
	// join, or a correlated subquery's reference to its outer query).
	Join []string `json:"join,omitempty"`
	// OrderBy and GroupBy are set when every item of the clause is a
	// column of this reference, in order.
	OrderBy []OrderColumn `json:"order_by,omitempty"`
	GroupBy []string      `json:"group_by,omitempty"`
	// Unusable are conditions on the reference no index serves as written:
	// a function around the column, LIKE with a leading wildcard.
	Unusable []string `json:"unusable,omitempty"`
	// Limit: the query block has a LIMIT (a scan may stop early).
	Limit bool `json:"limit,omitempty"`
}

// OrderColumn is one ORDER BY item.
type OrderColumn struct {
	Column string `json:"column"`
	Desc   bool   `json:"desc,omitempty"`
}

// IndexUses reads, for every base-table reference of a statement (in order
// of appearance, subqueries and derived tables included), the columns its
// conditions, joins and ORDER BY / GROUP BY use. Unqualified columns in a
// block with several tables are resolved with columnsOf (which lists a
// table's columns; nil when no schema is known); unresolved ones are left
// out rather than guessed.
func (c *Classifier) IndexUses(sql string, columnsOf func(schema, table string) []string) ([]IndexUse, error) {
	text := ExpandExecutableComments(sql)
	stmts, err := c.parsePlanSQL(text)
	if err != nil {
		if rewritten, _, ok := rewriteMariaDB(text); ok {
			stmts, err = c.parsePlanSQL(rewritten)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("the statement could not be parsed for index advice: %w", err)
	}
	if len(stmts) != 1 {
		return nil, fmt.Errorf("want one statement, got %d", len(stmts))
	}
	w := &iuWalker{columnsOf: columnsOf}
	w.statement(stmts[0], nil)
	for _, u := range w.uses {
		u.Equal = dedupe(u.Equal)
		u.In = dedupe(u.In)
		u.Range = dedupe(u.Range)
		u.Join = dedupe(u.Join)
		u.Unusable = dedupe(u.Unusable)
	}
	out := make([]IndexUse, len(w.uses))
	for i, u := range w.uses {
		out[i] = *u
	}
	return out, nil
}

func (c *Classifier) parsePlanSQL(text string) (stmts []ast.StmtNode, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.p = parser.New()
			stmts, err = nil, errors.New("the SQL parser failed on this input")
		}
	}()
	stmts, _, err = c.p.Parse(text, "", "")
	return stmts, err
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

type iuSource struct {
	alias   string
	schema  string
	table   string
	derived bool
	use     *IndexUse // nil for derived tables and CTEs
}

type iuScope struct {
	outer   *iuScope
	sources []*iuSource
	ctes    map[string]bool
}

type iuWalker struct {
	columnsOf func(schema, table string) []string
	uses      []*IndexUse
}

func (w *iuWalker) statement(n ast.Node, outer *iuScope) {
	switch x := n.(type) {
	case *ast.SelectStmt:
		w.selectStmt(x, outer)
	case *ast.SetOprStmt:
		sc := w.withScope(x.With, outer)
		if x.SelectList != nil {
			for _, s := range x.SelectList.Selects {
				w.statement(s, sc)
			}
		}
	case *ast.SetOprSelectList:
		for _, s := range x.Selects {
			w.statement(s, outer)
		}
	case *ast.UpdateStmt:
		sc := w.withScope(x.With, outer)
		sc = w.from(x.TableRefs, sc)
		w.conditions(x.Where, sc)
		w.orderBy(x.Order, sc)
		if x.Limit != nil {
			markLimit(sc)
		}
		w.subqueries(x.Where, sc)
		for _, a := range x.List {
			w.subqueries(a.Expr, sc)
		}
	case *ast.DeleteStmt:
		sc := w.withScope(x.With, outer)
		sc = w.from(x.TableRefs, sc)
		w.conditions(x.Where, sc)
		w.orderBy(x.Order, sc)
		if x.Limit != nil {
			markLimit(sc)
		}
		w.subqueries(x.Where, sc)
	case *ast.InsertStmt:
		if x.Select != nil {
			w.statement(x.Select, outer)
		}
	}
}

// withScope makes the CTE names of a WITH clause known (they are not base
// tables) and walks their queries.
func (w *iuWalker) withScope(with *ast.WithClause, outer *iuScope) *iuScope {
	sc := &iuScope{outer: outer}
	if with == nil {
		return sc
	}
	sc.ctes = map[string]bool{}
	for _, cte := range with.CTEs {
		sc.ctes[strings.ToLower(cte.Name.L)] = true
	}
	for _, cte := range with.CTEs {
		if cte.Query != nil {
			w.statement(cte.Query.Query, sc)
		}
	}
	return sc
}

func (w *iuWalker) selectStmt(s *ast.SelectStmt, outer *iuScope) {
	sc := w.withScope(s.With, outer)
	sc = w.from(s.From, sc)
	if s.From != nil {
		w.joinConditions(s.From.TableRefs, sc)
	}
	w.conditions(s.Where, sc)
	if s.GroupBy != nil {
		if src, cols := w.clauseOwner(s.GroupBy.Items, sc); src != nil {
			src.use.GroupBy = cols
		}
	}
	w.orderBy(s.OrderBy, sc)
	if s.Limit != nil {
		markLimit(sc)
	}
	w.subqueries(s.Where, sc)
	if s.Fields != nil {
		for _, f := range s.Fields.Fields {
			w.subqueries(f.Expr, sc)
		}
	}
	if s.Having != nil {
		w.subqueries(s.Having.Expr, sc)
	}
	if s.From != nil {
		w.joinSubqueries(s.From.TableRefs, sc)
	}
}

func markLimit(sc *iuScope) {
	for _, src := range sc.sources {
		if src.use != nil {
			src.use.Limit = true
		}
	}
}

// from adds a block's FROM sources to a new scope under outer.
func (w *iuWalker) from(refs *ast.TableRefsClause, outer *iuScope) *iuScope {
	sc := &iuScope{outer: outer}
	if refs != nil && refs.TableRefs != nil {
		w.sources(refs.TableRefs, sc)
	}
	return sc
}

func (w *iuWalker) sources(n ast.ResultSetNode, sc *iuScope) {
	switch x := n.(type) {
	case *ast.Join:
		if x.Left != nil {
			w.sources(x.Left, sc)
		}
		if x.Right != nil {
			w.sources(x.Right, sc)
		}
	case *ast.TableSource:
		alias := x.AsName.O
		switch s := x.Source.(type) {
		case *ast.TableName:
			if alias == "" {
				alias = s.Name.O
			}
			src := &iuSource{alias: alias, schema: s.Schema.O, table: s.Name.O}
			if s.Schema.O == "" && sc.isCTE(s.Name.L) {
				src.derived = true
			} else {
				src.use = &IndexUse{Schema: s.Schema.O, Table: s.Name.O, Alias: alias}
				w.uses = append(w.uses, src.use)
			}
			sc.sources = append(sc.sources, src)
		default:
			sc.sources = append(sc.sources, &iuSource{alias: alias, derived: true})
			// A derived table is its own block; it sees the enclosing
			// query only when LATERAL, which is rare enough to ignore.
			w.statement(x.Source, sc.outer)
		}
	case *ast.TableName:
		src := &iuSource{alias: x.Name.O, schema: x.Schema.O, table: x.Name.O}
		src.use = &IndexUse{Schema: x.Schema.O, Table: x.Name.O, Alias: x.Name.O}
		w.uses = append(w.uses, src.use)
		sc.sources = append(sc.sources, src)
	}
}

func (sc *iuScope) isCTE(name string) bool {
	for s := sc; s != nil; s = s.outer {
		if s.ctes[strings.ToLower(name)] {
			return true
		}
	}
	return false
}

// joinConditions reads the ON conditions of a FROM clause's joins.
func (w *iuWalker) joinConditions(n ast.ResultSetNode, sc *iuScope) {
	j, ok := n.(*ast.Join)
	if !ok {
		return
	}
	w.joinConditions(j.Left, sc)
	w.joinConditions(j.Right, sc)
	if j.On != nil {
		w.conditions(j.On.Expr, sc)
	}
	for _, u := range j.Using {
		// USING (col): the column of each side joins the other.
		for _, side := range []ast.ResultSetNode{j.Left, j.Right} {
			if ts, ok := side.(*ast.TableSource); ok {
				if src := sc.byAlias(tableSourceAlias(ts)); src != nil && src.use != nil {
					src.use.Join = append(src.use.Join, u.Name.O)
				}
			}
		}
	}
}

func (w *iuWalker) joinSubqueries(n ast.ResultSetNode, sc *iuScope) {
	j, ok := n.(*ast.Join)
	if !ok {
		return
	}
	w.joinSubqueries(j.Left, sc)
	w.joinSubqueries(j.Right, sc)
	if j.On != nil {
		w.subqueries(j.On.Expr, sc)
	}
}

func tableSourceAlias(ts *ast.TableSource) string {
	if ts.AsName.O != "" {
		return ts.AsName.O
	}
	if tn, ok := ts.Source.(*ast.TableName); ok {
		return tn.Name.O
	}
	return ""
}

func (sc *iuScope) byAlias(alias string) *iuSource {
	for _, s := range sc.sources {
		if strings.EqualFold(s.alias, alias) {
			return s
		}
	}
	return nil
}

// resolve finds the source of a column: in this block, else in an
// enclosing one (a correlated reference). outer reports the latter.
func (w *iuWalker) resolve(c *ast.ColumnName, sc *iuScope) (src *iuSource, outer bool) {
	for s, level := sc, 0; s != nil; s, level = s.outer, level+1 {
		if c.Table.O != "" {
			for _, cand := range s.sources {
				if strings.EqualFold(cand.alias, c.Table.O) && (c.Schema.O == "" || strings.EqualFold(cand.schema, c.Schema.O)) {
					return cand, level > 0
				}
			}
			continue
		}
		var found *iuSource
		n := 0
		for _, cand := range s.sources {
			if len(s.sources) == 1 {
				found, n = cand, 1
				break
			}
			if cand.derived || w.columnsOf == nil {
				continue
			}
			for _, col := range w.columnsOf(cand.schema, cand.table) {
				if strings.EqualFold(col, c.Name.O) {
					found = cand
					n++
					break
				}
			}
		}
		if n == 1 {
			return found, level > 0
		}
		if n > 1 {
			return nil, false // ambiguous
		}
	}
	return nil, false
}

// column returns the column expression's source in the current block
// (nil when it is not a plain column of a base table here).
func (w *iuWalker) column(e ast.ExprNode, sc *iuScope) (*iuSource, string, bool) {
	cn, ok := stripParens(e).(*ast.ColumnNameExpr)
	if !ok {
		return nil, "", false
	}
	src, outer := w.resolve(cn.Name, sc)
	return src, cn.Name.Name.O, src != nil && !outer
}

func stripParens(e ast.ExprNode) ast.ExprNode {
	for {
		p, ok := e.(*ast.ParenthesesExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

// constant reports whether e uses no column and no subquery.
func constant(e ast.ExprNode) bool {
	ok := true
	e.Accept(&iuVisitor{fn: func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ColumnNameExpr, *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
			ok = false
		case *ast.FuncCallExpr:
			// RAND() differs per row: no index range.
			if x.FnName.L == "rand" {
				ok = false
			}
		}
		return ok
	}})
	return ok
}

type iuVisitor struct{ fn func(ast.Node) bool }

func (v *iuVisitor) Enter(n ast.Node) (ast.Node, bool) { return n, !v.fn(n) }
func (v *iuVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// conditions reads the AND-ed comparisons of a WHERE or ON condition.
func (w *iuWalker) conditions(e ast.ExprNode, sc *iuScope) {
	if e == nil {
		return
	}
	switch x := stripParens(e).(type) {
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.LogicAnd:
			w.conditions(x.L, sc)
			w.conditions(x.R, sc)
		case opcode.EQ, opcode.NullEQ:
			w.equality(x, sc)
		case opcode.LT, opcode.LE, opcode.GT, opcode.GE:
			w.rangeCmp(x.L, x.R, sc, x)
			w.rangeCmp(x.R, x.L, sc, x)
		}
	case *ast.BetweenExpr:
		if !x.Not && constant(x.Left) && constant(x.Right) {
			if src, col, ok := w.column(x.Expr, sc); ok && src.use != nil {
				src.use.Range = append(src.use.Range, col)
			} else {
				w.unusable(x.Expr, x, sc)
			}
		}
	case *ast.PatternInExpr:
		if x.Not || x.Sel != nil {
			return
		}
		for _, v := range x.List {
			if !constant(v) {
				return
			}
		}
		if src, col, ok := w.column(x.Expr, sc); ok && src.use != nil {
			if len(x.List) == 1 {
				src.use.Equal = append(src.use.Equal, col)
			} else {
				src.use.In = append(src.use.In, col)
			}
		} else {
			w.unusable(x.Expr, x, sc)
		}
	case *ast.PatternLikeOrIlikeExpr:
		if x.Not || !constant(x.Pattern) {
			return
		}
		src, col, ok := w.column(x.Expr, sc)
		if !ok || src.use == nil {
			w.unusable(x.Expr, x, sc)
			return
		}
		if p, isStr := stringValue(x.Pattern); isStr && p != "" && p[0] != '%' && p[0] != '_' {
			src.use.Range = append(src.use.Range, col)
		} else {
			src.use.Unusable = append(src.use.Unusable, exprText(x)+" (a leading wildcard reads every row)")
		}
	case *ast.IsNullExpr:
		if !x.Not {
			if src, col, ok := w.column(x.Expr, sc); ok && src.use != nil {
				src.use.Equal = append(src.use.Equal, col)
			}
		}
	}
}

func (w *iuWalker) equality(x *ast.BinaryOperationExpr, sc *iuScope) {
	ls, lc, lok := w.column(x.L, sc)
	rs, rc, rok := w.column(x.R, sc)
	lcn, lIsCol := stripParens(x.L).(*ast.ColumnNameExpr)
	rcn, rIsCol := stripParens(x.R).(*ast.ColumnNameExpr)
	switch {
	case lIsCol && rIsCol:
		// A column compared with another table's column (or the outer
		// query's): a join column for each side in this block.
		lsrc, _ := w.resolve(lcn.Name, sc)
		rsrc, _ := w.resolve(rcn.Name, sc)
		if lsrc == rsrc {
			return
		}
		if lok && ls.use != nil {
			ls.use.Join = append(ls.use.Join, lc)
		}
		if rok && rs.use != nil {
			rs.use.Join = append(rs.use.Join, rc)
		}
	case lok && constant(x.R):
		if ls.use != nil {
			ls.use.Equal = append(ls.use.Equal, lc)
		}
	case rok && constant(x.L):
		if rs.use != nil {
			rs.use.Equal = append(rs.use.Equal, rc)
		}
	case constant(x.R):
		w.unusable(x.L, x, sc)
	case constant(x.L):
		w.unusable(x.R, x, sc)
	}
}

func (w *iuWalker) rangeCmp(colSide, other ast.ExprNode, sc *iuScope, whole ast.ExprNode) {
	src, col, ok := w.column(colSide, sc)
	switch {
	case ok && src.use != nil && constant(other):
		src.use.Range = append(src.use.Range, col)
	case ok && src.use != nil:
		// Compared with another table's column: usable per outer row
		// (MySQL's "range checked for each record").
		if _, isCol := stripParens(other).(*ast.ColumnNameExpr); isCol {
			src.use.Range = append(src.use.Range, col)
		}
	case !ok && constant(other):
		w.unusable(colSide, whole, sc)
	}
}

// unusable records a condition whose column is wrapped in an expression.
func (w *iuWalker) unusable(e ast.ExprNode, whole ast.Node, sc *iuScope) {
	var src *iuSource
	e.Accept(&iuVisitor{fn: func(n ast.Node) bool {
		if cn, ok := n.(*ast.ColumnNameExpr); ok && src == nil {
			if s, outer := w.resolve(cn.Name, sc); s != nil && !outer {
				src = s
			}
		}
		return true
	}})
	if src == nil || src.use == nil {
		return
	}
	if _, isCol := stripParens(e).(*ast.ColumnNameExpr); isCol {
		return
	}
	src.use.Unusable = append(src.use.Unusable, exprText(whole)+" (the column is inside an expression)")
}

func (w *iuWalker) orderBy(ob *ast.OrderByClause, sc *iuScope) {
	if ob == nil {
		return
	}
	src, cols := w.clauseOwner(ob.Items, sc)
	if src == nil {
		return
	}
	for i, c := range cols {
		src.use.OrderBy = append(src.use.OrderBy, OrderColumn{Column: c, Desc: ob.Items[i].Desc})
	}
}

// clauseOwner returns the one base table every item of an ORDER BY or
// GROUP BY is a column of, with the columns in order.
func (w *iuWalker) clauseOwner(items []*ast.ByItem, sc *iuScope) (*iuSource, []string) {
	var owner *iuSource
	var cols []string
	for _, it := range items {
		src, col, ok := w.column(it.Expr, sc)
		if !ok || src.use == nil || (owner != nil && owner != src) {
			return nil, nil
		}
		owner = src
		cols = append(cols, col)
	}
	return owner, cols
}

// subqueries walks the subqueries inside an expression, each with the
// current block as its enclosing scope.
func (w *iuWalker) subqueries(e ast.ExprNode, sc *iuScope) {
	if e == nil {
		return
	}
	e.Accept(&iuVisitor{fn: func(n ast.Node) bool {
		if sq, ok := n.(*ast.SubqueryExpr); ok {
			w.statement(sq.Query, sc)
			return false
		}
		return true
	}})
}

func stringValue(e ast.ExprNode) (string, bool) {
	v, ok := stripParens(e).(*test_driver.ValueExpr)
	if !ok {
		return "", false
	}
	s, ok := v.GetValue().(string)
	return s, ok
}

// exprText writes an expression back as SQL, for evidence.
func exprText(n ast.Node) string {
	var b strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags|format.RestoreStringWithoutCharset, &b)); err != nil {
		return "?"
	}
	return b.String()
}
