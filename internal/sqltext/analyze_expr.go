package sqltext

import (
	"strconv"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// Expression helpers shared by the rules.

// unparen strips parentheses around an expression.
func unparen(e ast.ExprNode) ast.ExprNode {
	for {
		p, ok := e.(*ast.ParenthesesExpr)
		if !ok || p.Expr == nil {
			return e
		}
		e = p.Expr
	}
}

// bareColumn returns the column when e is nothing but a column reference.
func bareColumn(e ast.ExprNode) *ast.ColumnNameExpr {
	if e == nil {
		return nil
	}
	c, _ := unparen(e).(*ast.ColumnNameExpr)
	return c
}

// exprWalker calls fn on every node under a root; fn returns false to skip
// a node's children.
type exprWalker struct{ fn func(ast.Node) bool }

func (w exprWalker) Enter(n ast.Node) (ast.Node, bool) { return n, !w.fn(n) }
func (w exprWalker) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func walk(n ast.Node, fn func(ast.Node) bool) {
	if n != nil {
		n.Accept(exprWalker{fn: fn})
	}
}

// columnsIn lists the column references under e; with subqueries false it
// does not look inside subqueries.
func columnsIn(e ast.Node, subqueries bool) []*ast.ColumnNameExpr {
	var out []*ast.ColumnNameExpr
	walk(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ColumnNameExpr:
			out = append(out, x)
		case *ast.SubqueryExpr:
			return subqueries
		}
		return true
	})
	return out
}

// isConst reports whether e depends on no column and no subquery: a
// literal, a parameter, a variable, or functions of those.
func isConst(e ast.ExprNode) bool {
	if e == nil {
		return false
	}
	ok := true
	walk(e, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.ColumnNameExpr, *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.AggregateFuncExpr, *ast.WindowFuncExpr, *ast.DefaultExpr, *ast.ValuesExpr:
			ok = false
			return false
		}
		return ok
	})
	return ok
}

// literal returns the parsed literal under e (a leading minus folded in
// by the caller through numberText).
func literal(e ast.ExprNode) *test_driver.ValueExpr {
	if e == nil {
		return nil
	}
	v, _ := unparen(e).(*test_driver.ValueExpr)
	return v
}

// numberText returns the text of a numeric literal (with its sign), and
// whether e is one.
func numberText(e ast.ExprNode) (string, bool) {
	e = unparen(e)
	sign := ""
	if u, ok := e.(*ast.UnaryOperationExpr); ok && (u.Op == opcode.Minus || u.Op == opcode.Plus) {
		if u.Op == opcode.Minus {
			sign = "-"
		}
		e = unparen(u.V)
	}
	v, ok := e.(*test_driver.ValueExpr)
	if !ok {
		return "", false
	}
	switch v.Kind() {
	case test_driver.KindInt64:
		if v.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			return "", false // TRUE and FALSE
		}
		return sign + strconv.FormatInt(v.GetInt64(), 10), true
	case test_driver.KindUint64:
		return sign + strconv.FormatUint(v.GetUint64(), 10), true
	case test_driver.KindFloat32, test_driver.KindFloat64:
		return sign + strconv.FormatFloat(v.GetFloat64(), 'g', -1, 64), true
	case test_driver.KindMysqlDecimal:
		return sign + v.GetMysqlDecimal().String(), true
	}
	return "", false
}

// stringLiteral returns the value of a string literal.
func stringLiteral(e ast.ExprNode) (string, bool) {
	v := literal(e)
	if v == nil || v.Kind() != test_driver.KindString {
		return "", false
	}
	return v.GetString(), true
}

// intLiteral returns the value of a non-negative integer literal.
func intLiteral(e ast.ExprNode) (int64, bool) {
	v := literal(e)
	if v == nil {
		return 0, false
	}
	switch v.Kind() {
	case test_driver.KindInt64:
		if v.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			return 0, false
		}
		return v.GetInt64(), v.GetInt64() >= 0
	case test_driver.KindUint64:
		u := v.GetUint64()
		if u > 1<<62 {
			return 1 << 62, true
		}
		return int64(u), true
	}
	return 0, false
}

func isIntLiteral(e ast.ExprNode, n int64) bool {
	v, ok := intLiteral(e)
	return ok && v == n
}

// isAggregateWrapper: nodes whose column references are aggregated, not
// grouped (aggregates, window functions, ANY_VALUE).
func isAggregateWrapper(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.AggregateFuncExpr, *ast.WindowFuncExpr:
		return true
	case *ast.FuncCallExpr:
		return x.FnName.L == ast.AnyValue
	}
	return false
}

// hasAggregate reports whether e holds an aggregate outside subqueries.
func hasAggregate(e ast.Node) bool {
	found := false
	walk(e, func(n ast.Node) bool {
		if _, ok := n.(*ast.SubqueryExpr); ok {
			return false
		}
		if _, ok := n.(*ast.AggregateFuncExpr); ok {
			found = true
		}
		return !found
	})
	return found
}

// columnsOutsideAggregates lists the column references of e that are not
// inside an aggregate, a window function or a subquery.
func columnsOutsideAggregates(e ast.Node) []*ast.ColumnNameExpr {
	var out []*ast.ColumnNameExpr
	walk(e, func(n ast.Node) bool {
		if isAggregateWrapper(n) {
			return false
		}
		switch x := n.(type) {
		case *ast.SubqueryExpr:
			return false
		case *ast.ColumnNameExpr:
			out = append(out, x)
		}
		return true
	})
	return out
}

// isAggregate: an expression whose value is one per group (it aggregates,
// and every column it uses is inside the aggregate).
func isAggregate(e ast.ExprNode) bool {
	return hasAggregate(e) && len(columnsOutsideAggregates(e)) == 0
}

// conjuncts splits e at top-level ANDs.
func conjuncts(e ast.ExprNode) []ast.ExprNode {
	if e == nil {
		return nil
	}
	e = unparen(e)
	if b, ok := e.(*ast.BinaryOperationExpr); ok && b.Op == opcode.LogicAnd {
		return append(conjuncts(b.L), conjuncts(b.R)...)
	}
	return []ast.ExprNode{e}
}

// disjuncts splits e at top-level ORs.
func disjuncts(e ast.ExprNode) []ast.ExprNode {
	e = unparen(e)
	if b, ok := e.(*ast.BinaryOperationExpr); ok && b.Op == opcode.LogicOr {
		return append(disjuncts(b.L), disjuncts(b.R)...)
	}
	return []ast.ExprNode{e}
}

// comparison operators that an index can serve.
func isRangeOp(op opcode.Op) bool {
	switch op {
	case opcode.EQ, opcode.NullEQ, opcode.LT, opcode.LE, opcode.GT, opcode.GE:
		return true
	}
	return false
}

// flipOp is the operator with its operands swapped: a < b is b > a.
func flipOp(op opcode.Op) opcode.Op {
	switch op {
	case opcode.LT:
		return opcode.GT
	case opcode.LE:
		return opcode.GE
	case opcode.GT:
		return opcode.LT
	case opcode.GE:
		return opcode.LE
	}
	return op
}

// opText spells a comparison operator.
func opText(op opcode.Op) string {
	switch op {
	case opcode.EQ:
		return "="
	case opcode.NullEQ:
		return "<=>"
	case opcode.LT:
		return "<"
	case opcode.LE:
		return "<="
	case opcode.GT:
		return ">"
	case opcode.GE:
		return ">="
	case opcode.NE:
		return "!="
	}
	return op.String()
}

// unionSelects lists the SELECT branches of a UNION, nested lists
// flattened.
func unionSelects(u *ast.SetOprStmt) []*ast.SelectStmt {
	var out []*ast.SelectStmt
	var walkList func(l *ast.SetOprSelectList)
	walkList = func(l *ast.SetOprSelectList) {
		if l == nil {
			return
		}
		for _, n := range l.Selects {
			switch x := n.(type) {
			case *ast.SelectStmt:
				out = append(out, x)
			case *ast.SetOprSelectList:
				walkList(x)
			case *ast.SetOprStmt:
				walkList(x.SelectList)
			}
		}
	}
	walkList(u.SelectList)
	return out
}
