package sqltext

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/mydba/mydba/internal/dba"
)

// Rules on conditions (WHERE and ON): what keeps an index from serving a
// comparison, and comparisons that give wrong answers.

// predicateRules checks one WHERE or ON condition of a block.
func (a *analyzer) predicateRules(e ast.ExprNode, sc *scope) {
	if e == nil {
		return
	}
	a.orAcrossColumns(e, sc)
	a.predicates(e, sc, false)
}

// predicates walks the AND/OR/NOT structure down to the comparisons.
func (a *analyzer) predicates(e ast.ExprNode, sc *scope, negated bool) {
	switch x := unparen(e).(type) {
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.LogicAnd, opcode.LogicOr, opcode.LogicXor:
			a.predicates(x.L, sc, negated)
			a.predicates(x.R, sc, negated)
			return
		}
		a.comparison(x, negated)
	case *ast.UnaryOperationExpr:
		if x.Op == opcode.Not || x.Op == opcode.Not2 {
			a.predicates(x.V, sc, !negated)
		}
	case *ast.BetweenExpr:
		a.between(x, negated)
	case *ast.PatternInExpr:
		if x.Sel != nil {
			if x.Not != negated {
				a.notInNullable(x)
			}
			return
		}
		a.inList(x, negated)
	case *ast.PatternLikeOrIlikeExpr:
		a.like(x, negated)
	}
}

// comparison checks a = b and the like. Under NOT only the conversion
// check applies: a negated comparison is no index range anyway.
func (a *analyzer) comparison(x *ast.BinaryOperationExpr, negated bool) {
	switch x.Op {
	case opcode.EQ, opcode.NullEQ, opcode.LT, opcode.LE, opcode.GT, opcode.GE, opcode.NE:
	default:
		return
	}
	if l, r := bareColumn(x.L), bareColumn(x.R); l != nil && r != nil {
		a.columnMismatch(x, l, r)
	} else {
		a.implicitConversion(x, x.Op, x.L, []ast.ExprNode{x.R})
		a.implicitConversion(x, flipOp(x.Op), x.R, []ast.ExprNode{x.L})
	}
	if !isRangeOp(x.Op) || negated {
		return
	}
	if a.nonSargableDate(x, x.Op, x.L, []ast.ExprNode{x.R}) || a.nonSargableDate(x, flipOp(x.Op), x.R, []ast.ExprNode{x.L}) {
		return
	}
	a.functionOnColumn(x, x.Op, x.L, []ast.ExprNode{x.R})
	a.functionOnColumn(x, flipOp(x.Op), x.R, []ast.ExprNode{x.L})
}

// betweenOp marks BETWEEN for the rewriting helpers.
const betweenOp = opcode.Op(-1)

// inOp marks IN (list) for the rewriting helpers.
const inOp = opcode.Op(-2)

// likeOp marks LIKE for the rewriting helpers.
const likeOp = opcode.Op(-3)

func (a *analyzer) between(x *ast.BetweenExpr, negated bool) {
	a.implicitConversion(x, betweenOp, x.Expr, []ast.ExprNode{x.Left, x.Right})
	if x.Not || negated {
		return
	}
	if a.nonSargableDate(x, betweenOp, x.Expr, []ast.ExprNode{x.Left, x.Right}) {
		return
	}
	a.functionOnColumn(x, betweenOp, x.Expr, []ast.ExprNode{x.Left, x.Right})
}

func (a *analyzer) inList(x *ast.PatternInExpr, negated bool) {
	a.implicitConversion(x, inOp, x.Expr, x.List)
	if x.Not || negated {
		return
	}
	a.functionOnColumn(x, inOp, x.Expr, x.List)
}

// --- ImplicitConversion ---

// implicitConversion: a string column compared with a number, or two
// columns of different types or collations compared with each other.
// Both need the schema.
func (a *analyzer) implicitConversion(pred ast.ExprNode, op opcode.Op, side ast.ExprNode, others []ast.ExprNode) {
	c := bareColumn(side)
	if c == nil {
		return
	}
	bd := a.bindings[c]
	if bd.col == nil {
		return
	}
	if familyOf(bd.col.DataType) != familyString {
		return
	}
	nums := make([]string, 0, len(others))
	for _, o := range others {
		n, ok := numberText(o)
		if !ok {
			if op == inOp || op == betweenOp {
				continue
			}
			return
		}
		nums = append(nums, n)
	}
	if len(nums) == 0 {
		return
	}
	col := restore(c)
	why := fmt.Sprintf("%s is %s but is compared with the number %s: MySQL converts the column's value to a number in every row, so no index on %s can serve the condition, and values such as '%s abc' or ' %s' match too.",
		col, bd.col.Type, nums[0], col, nums[0], nums[0])
	var fix string
	quoted := make([]string, len(nums))
	for i, n := range nums {
		quoted[i] = "'" + n + "'"
	}
	switch op {
	case opcode.EQ, opcode.NullEQ, opcode.NE:
		fix = "Compare with a string: " + col + " " + opText(op) + " " + quoted[0] + "."
	case inOp:
		if len(nums) == len(others) {
			fix = "Compare with strings: " + col + " IN (" + strings.Join(quoted, ", ") + ")."
		} else {
			fix = "Quote the numbers in the list: " + strings.Join(quoted, ", ") + "."
		}
	default:
		fix = "Compare with strings if the column holds text (string order differs from number order: '10' < '9'), or store the numbers in a numeric column (ALTER TABLE ... MODIFY " + quoteName(bd.col.Name) + " INT ...)."
	}
	a.add(finding{code: CodeImplicitConversion, severity: dba.SeverityWarning, at: pred, evidence: restore(pred), why: why, fix: fix, object: a.columnLabel(c)})
}

// columnMismatch: a comparison of two columns whose types or collations
// differ converts one side row by row, so its index cannot be used (the
// join reads the other table in full).
func (a *analyzer) columnMismatch(pred ast.ExprNode, l, r *ast.ColumnNameExpr) {
	lb, rb := a.bindings[l], a.bindings[r]
	if lb.col == nil || rb.col == nil || lb.src == nil || rb.src == nil || lb.src.table == nil || rb.src.table == nil {
		return
	}
	fl, fr := familyOf(lb.col.DataType), familyOf(rb.col.DataType)
	if fl == familyOther || fr == familyOther {
		return
	}
	var why string
	switch {
	case fl != fr:
		why = fmt.Sprintf("%s is %s (a %s) and %s is %s (a %s): MySQL converts one side in every row, so an index on it cannot serve the comparison.",
			restore(l), lb.col.Type, fl, restore(r), rb.col.Type, fr)
	case fl == familyString && lb.col.Collation != "" && rb.col.Collation != "" && !strings.EqualFold(lb.col.Collation, rb.col.Collation):
		why = fmt.Sprintf("%s is %s and %s is %s: comparing different collations converts one side in every row (or fails with \"Illegal mix of collations\"), so an index on it cannot serve the comparison.",
			restore(l), describeCollation(lb.col), restore(r), describeCollation(rb.col))
	default:
		return
	}
	// Change the side that is not its table's primary key.
	target, model, tsrc := rb.col, lb.col, rb.src
	if pk := rb.src.table.primaryKey(); len(pk) > 0 && strings.EqualFold(pk[0], rb.col.Name) {
		target, model, tsrc = lb.col, rb.col, lb.src
	}
	def := model.Type
	if familyOf(model.DataType) == familyString && model.Collation != "" {
		if model.Charset != "" {
			def += " CHARACTER SET " + model.Charset
		}
		def += " COLLATE " + model.Collation
	}
	if !target.Nullable {
		def += " NOT NULL"
	}
	fix := fmt.Sprintf("Give both columns the same type and collation, e.g. ALTER TABLE %s MODIFY %s %s (keep its DEFAULT and COMMENT; on a big table use an online schema change).",
		tsrc.table.qualified(), quoteName(target.Name), def)
	a.add(finding{code: CodeImplicitConversion, severity: dba.SeverityWarning, at: pred, evidence: restore(pred), why: why, fix: fix,
		object: a.columnLabel(l) + " / " + a.columnLabel(r)})
}

func describeCollation(c *dba.TableColumn) string {
	if c.Charset != "" {
		return c.Type + " " + c.Charset + " / " + c.Collation
	}
	return c.Type + " " + c.Collation
}

// --- FunctionOnIndexedColumn ---

// functionOnColumn: the column inside a function or arithmetic, compared
// with something that does not depend on it. With the schema it reports
// only indexed columns; without, any column at info level.
func (a *analyzer) functionOnColumn(pred ast.ExprNode, op opcode.Op, side ast.ExprNode, others []ast.ExprNode) {
	if side == nil || bareColumn(side) != nil || a.datePreds[pred] || hasAggregate(side) {
		return
	}
	c, bd, ok := a.singleColumn(side)
	if !ok {
		return
	}
	for _, o := range others {
		for _, oc := range columnsIn(o, true) {
			if a.sameColumn(oc, c) {
				return
			}
		}
	}
	sev := dba.SeverityInfo
	indexed := ""
	if bd.col != nil {
		_, ix := bd.src.table.indexUse(bd.col.Name)
		if ix == nil {
			return // no index to lose
		}
		sev = dba.SeverityWarning
		indexed = ix.Name
	}
	col := restore(c)
	why := fmt.Sprintf("%s wraps %s, so the expression must be computed for every row and an index on %s cannot serve the condition.", restore(side), col, col)
	if indexed != "" {
		why = fmt.Sprintf("%s wraps %s, which is indexed (%s): the expression must be computed for every row, so the index cannot serve the condition.", restore(side), col, indexed)
	} else {
		why += " (Run with a connection to check whether it is indexed.)"
	}
	fix := a.bareRewrite(op, unparen(side), c, bd, others)
	if fix == "" {
		tbl := bd.src.tableRef()
		fix = fmt.Sprintf("Keep %s bare on one side of the comparison (move the computation to the other side). If the expression itself is what you search by, index it: on MySQL 8.0.13+ ALTER TABLE %s ADD INDEX ((%s)); on MariaDB add a virtual column AS (%s) and index that.",
			col, tbl, restore(side), restore(side))
	}
	a.add(finding{code: CodeFunctionOnIndexedColumn, severity: sev, at: pred, evidence: restore(pred), why: why, fix: fix, object: a.columnLabel(c)})
}

// singleColumn returns the one column an expression uses (of this block,
// not of an enclosing one or a derived table), or false.
func (a *analyzer) singleColumn(e ast.ExprNode) (*ast.ColumnNameExpr, binding, bool) {
	if !isConstExceptColumns(e) {
		return nil, binding{}, false
	}
	cols := columnsIn(e, false)
	if len(cols) == 0 {
		return nil, binding{}, false
	}
	for _, c := range cols[1:] {
		if !a.sameColumn(c, cols[0]) {
			return nil, binding{}, false
		}
	}
	bd := a.bindings[cols[0]]
	if bd.outer || bd.alias || (bd.src != nil && bd.src.derived != nil) {
		return nil, binding{}, false
	}
	return cols[0], bd, true
}

// isConstExceptColumns: e holds no subquery, aggregate or window function.
func isConstExceptColumns(e ast.ExprNode) bool {
	ok := true
	walk(e, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.AggregateFuncExpr, *ast.WindowFuncExpr:
			ok = false
		}
		return ok
	})
	return ok
}

// sameColumn reports whether two references name the same column.
func (a *analyzer) sameColumn(x, y *ast.ColumnNameExpr) bool {
	bx, by := a.bindings[x], a.bindings[y]
	if !strings.EqualFold(x.Name.Name.O, y.Name.Name.O) {
		return false
	}
	if bx.src != nil && by.src != nil {
		return bx.src == by.src
	}
	return strings.EqualFold(x.Name.Table.O, y.Name.Table.O)
}

// bareRewrite moves arithmetic to the constant side (id + 1 = 5 becomes
// id = 5 - 1) and drops LOWER/UPPER on a case-insensitive column.
func (a *analyzer) bareRewrite(op opcode.Op, side ast.ExprNode, c *ast.ColumnNameExpr, bd binding, others []ast.ExprNode) string {
	col := restore(c)
	switch x := side.(type) {
	case *ast.BinaryOperationExpr:
		if len(others) != 1 || op == inOp || op == betweenOp || op == likeOp || !isConst(others[0]) {
			return ""
		}
		v := atom(others[0])
		var k string
		colLeft := false
		if bareColumn(x.L) == c {
			if n, ok := numberText(x.R); ok {
				k, colLeft = n, true
			}
		} else if bareColumn(x.R) == c {
			if n, ok := numberText(x.L); ok {
				k = n
			}
		}
		if k == "" {
			return ""
		}
		kAtom := k
		if strings.HasPrefix(k, "-") {
			kAtom = "(" + k + ")"
		}
		var cond string
		switch {
		case x.Op == opcode.Plus:
			cond = col + " " + opText(op) + " " + v + " - " + kAtom
		case x.Op == opcode.Minus && colLeft:
			cond = col + " " + opText(op) + " " + v + " + " + kAtom
		case x.Op == opcode.Minus:
			cond = col + " " + opText(flipOp(op)) + " " + kAtom + " - " + v
		case (x.Op == opcode.Mul || x.Op == opcode.Div) && (colLeft || x.Op == opcode.Mul):
			f, err := strconv.ParseFloat(k, 64)
			if err != nil || f == 0 {
				return ""
			}
			o := op
			if f < 0 {
				o = flipOp(op)
			}
			inv := " / "
			if x.Op == opcode.Div {
				inv = " * "
			}
			cond = col + " " + opText(o) + " " + v + inv + kAtom
		default:
			return ""
		}
		return "Move the arithmetic to the other side so the column stays bare: " + cond + "."
	case *ast.FuncCallExpr:
		switch x.FnName.L {
		case ast.Lower, ast.Upper, ast.Lcase, ast.Ucase:
			if len(x.Args) != 1 || bareColumn(x.Args[0]) != c || len(others) == 0 {
				return ""
			}
			if bd.col == nil || !strings.HasSuffix(strings.ToLower(bd.col.Collation), "_ci") {
				return fmt.Sprintf("If %s has a case-insensitive collation (…_ci), drop %s(): the comparison already ignores case and can use the index. Otherwise store the value in one case, or index the expression.", col, strings.ToUpper(x.FnName.O))
			}
			return fmt.Sprintf("Drop %s(): %s is %s, which already ignores case: %s.", strings.ToUpper(x.FnName.O), col, bd.col.Collation, a.compareText(col, op, others))
		}
	}
	return ""
}

// compareText writes "col op value" for each kind of comparison.
func (a *analyzer) compareText(col string, op opcode.Op, others []ast.ExprNode) string {
	switch op {
	case betweenOp:
		return col + " BETWEEN " + restore(others[0]) + " AND " + restore(others[1])
	case inOp:
		parts := make([]string, len(others))
		for i, o := range others {
			parts[i] = restore(o)
		}
		return col + " IN (" + strings.Join(parts, ", ") + ")"
	case likeOp:
		return col + " LIKE " + restore(others[0])
	}
	return col + " " + opText(op) + " " + restore(others[0])
}

// atom restores e, in parentheses unless it is a single term.
func atom(e ast.ExprNode) string {
	switch unparen(e).(type) {
	case *ast.ColumnNameExpr, *ast.FuncCallExpr, ast.ParamMarkerExpr, *ast.VariableExpr:
		return restore(e)
	}
	if literal(e) != nil {
		return restore(e)
	}
	if _, ok := numberText(e); ok {
		return restore(e)
	}
	return "(" + restore(e) + ")"
}

// conjunct restores e for joining with AND: in parentheses when it is an
// OR or XOR.
func conjunct(e ast.ExprNode) string {
	if b, ok := unparen(e).(*ast.BinaryOperationExpr); ok && (b.Op == opcode.LogicOr || b.Op == opcode.LogicXor) {
		return "(" + restore(e) + ")"
	}
	return restore(e)
}

// --- NonSargableDate ---

// dateKind is how a date function wraps a column.
type dateKind int

const (
	dateNone  dateKind = iota
	dateDay            // DATE(col), DATE_FORMAT(col, '%Y-%m-%d')
	dateMonth          // DATE_FORMAT(col, '%Y-%m')
	dateYear           // YEAR(col), DATE_FORMAT(col, '%Y')
	dateShift          // col + INTERVAL n unit, DATE_ADD, DATE_SUB
	dateUnix           // UNIX_TIMESTAMP(col)
)

// dateWrap recognises a date function over a bare column.
func dateWrap(e ast.ExprNode) (dateKind, *ast.ColumnNameExpr, *ast.FuncCallExpr) {
	f, ok := unparen(e).(*ast.FuncCallExpr)
	if !ok || len(f.Args) == 0 {
		return dateNone, nil, nil
	}
	c := bareColumn(f.Args[0])
	if c == nil {
		return dateNone, nil, nil
	}
	switch f.FnName.L {
	case ast.Date:
		if len(f.Args) == 1 {
			return dateDay, c, f
		}
	case ast.Year:
		if len(f.Args) == 1 {
			return dateYear, c, f
		}
	case ast.UnixTimestamp:
		if len(f.Args) == 1 {
			return dateUnix, c, f
		}
	case ast.DateFormat:
		if len(f.Args) == 2 {
			switch fm, _ := stringLiteral(f.Args[1]); fm {
			case "%Y-%m-%d":
				return dateDay, c, f
			case "%Y-%m":
				return dateMonth, c, f
			case "%Y":
				return dateYear, c, f
			}
		}
	case ast.DateAdd, ast.DateSub, ast.AddDate, ast.SubDate:
		if len(f.Args) == 3 && isConst(f.Args[1]) {
			if _, ok := f.Args[2].(*ast.TimeUnitExpr); ok {
				return dateShift, c, f
			}
		}
	}
	return dateNone, nil, nil
}

// nonSargableDate: DATE(col) = '2024-01-01' and the like, rewritten as a
// range on the bare column. It reports true when it handled pred.
func (a *analyzer) nonSargableDate(pred ast.ExprNode, op opcode.Op, side ast.ExprNode, others []ast.ExprNode) bool {
	kind, c, f := dateWrap(side)
	if kind == dateNone {
		return false
	}
	for _, o := range others {
		if !isConst(o) {
			return false
		}
	}
	bd := a.bindings[c]
	if bd.outer || bd.alias {
		return false
	}
	if bd.col != nil && familyOf(bd.col.DataType) != familyTemporal {
		return false
	}
	col := restore(c)
	cond := dateRange(kind, col, op, f, others)
	why := fmt.Sprintf("%s must be computed for every row, so no index on %s can serve the condition; the same condition written as a range on the bare column can use one.", restore(side), col)
	fix := "Compare the bare column with a range."
	if cond != "" {
		fix = "Compare the bare column with a range: " + cond + "."
	}
	if bd.col != nil {
		if lead, _ := bd.src.table.indexUse(bd.col.Name); lead == nil {
			fix += fmt.Sprintf(" No index starts with %s yet: ALTER TABLE %s ADD INDEX %s (%s).",
				quoteName(bd.col.Name), bd.src.table.qualified(), quoteName("idx_"+bd.src.table.Name+"_"+bd.col.Name), quoteName(bd.col.Name))
		}
	}
	a.datePreds[pred] = true
	a.add(finding{code: CodeNonSargableDate, severity: dba.SeverityWarning, at: pred, evidence: restore(pred), why: why, fix: fix, object: a.columnLabel(c)})
	return true
}

// dateRange writes the range on the bare column, or "" when it cannot.
func dateRange(kind dateKind, col string, op opcode.Op, f *ast.FuncCallExpr, others []ast.ExprNode) string {
	if kind == dateShift || kind == dateUnix {
		conv := func(e ast.ExprNode) string {
			if kind == dateUnix {
				return "FROM_UNIXTIME(" + restore(e) + ")"
			}
			sign := " - "
			if f.FnName.L == ast.DateSub || f.FnName.L == ast.SubDate {
				sign = " + "
			}
			return atom(e) + sign + "INTERVAL " + restore(f.Args[1]) + " " + restore(f.Args[2])
		}
		switch op {
		case betweenOp:
			return col + " BETWEEN " + conv(others[0]) + " AND " + conv(others[1])
		case inOp, likeOp:
			return ""
		}
		return col + " " + opText(op) + " " + conv(others[0])
	}
	bounds := func(e ast.ExprNode) (string, string, bool) {
		switch kind {
		case dateDay:
			return dayBounds(e)
		case dateMonth:
			return monthBounds(e)
		case dateYear:
			return yearBounds(e)
		}
		return "", "", false
	}
	switch op {
	case betweenOp:
		lo, _, ok1 := bounds(others[0])
		_, hi, ok2 := bounds(others[1])
		if !ok1 || !ok2 {
			return ""
		}
		return col + " >= " + lo + " AND " + col + " < " + hi
	case inOp, likeOp:
		return ""
	}
	lo, hi, ok := bounds(others[0])
	if !ok {
		return ""
	}
	switch op {
	case opcode.EQ, opcode.NullEQ:
		return col + " >= " + lo + " AND " + col + " < " + hi
	case opcode.GE:
		return col + " >= " + lo
	case opcode.GT:
		return col + " >= " + hi
	case opcode.LT:
		return col + " < " + lo
	case opcode.LE:
		return col + " < " + hi
	}
	return ""
}

// dayBounds: the start of the day and of the next one.
func dayBounds(e ast.ExprNode) (string, string, bool) {
	if s, ok := stringLiteral(e); ok {
		for _, layout := range []string{"2006-01-02", "20060102", "2006-1-2"} {
			if d, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
				return quoteDate(d), quoteDate(d.AddDate(0, 0, 1)), true
			}
		}
	}
	if literal(e) != nil {
		return "", "", false
	}
	return restore(e), atom(e) + " + INTERVAL 1 DAY", true
}

// monthBounds: '2024-01' is January 2024.
func monthBounds(e ast.ExprNode) (string, string, bool) {
	s, ok := stringLiteral(e)
	if !ok {
		return "", "", false
	}
	d, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return "", "", false
	}
	return quoteDate(d), quoteDate(d.AddDate(0, 1, 0)), true
}

// yearBounds: 2024 is from '2024-01-01' to '2025-01-01'.
func yearBounds(e ast.ExprNode) (string, string, bool) {
	y, ok := intLiteral(e)
	if !ok {
		if s, isStr := stringLiteral(e); isStr {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			y, ok = int64(n), err == nil
		}
	}
	if ok && y >= 1000 && y <= 9998 {
		d := time.Date(int(y), 1, 1, 0, 0, 0, 0, time.UTC)
		return quoteDate(d), quoteDate(d.AddDate(1, 0, 0)), true
	}
	if literal(e) != nil {
		return "", "", false
	}
	return "MAKEDATE(" + restore(e) + ", 1)", "MAKEDATE(" + atom(e) + " + 1, 1)", true
}

func quoteDate(d time.Time) string { return "'" + d.Format("2006-01-02") + "'" }

// --- LeadingWildcardLike ---

// like: LIKE '%abc' cannot use an index; LOWER(col) LIKE 'abc%' is a
// function on the column.
func (a *analyzer) like(x *ast.PatternLikeOrIlikeExpr, negated bool) {
	pattern, lit, ok := likePattern(x.Pattern)
	if !ok {
		return
	}
	if !strings.HasPrefix(pattern, "%") && !strings.HasPrefix(pattern, "_") {
		if !x.Not && !negated && x.IsLike {
			a.functionOnColumn(x, likeOp, x.Expr, []ast.ExprNode{x.Pattern})
		}
		return
	}
	c := bareColumn(x.Expr)
	if c == nil || x.Not || negated || strings.Trim(pattern, "%") == "" {
		return
	}
	bd := a.bindings[c]
	if bd.outer || bd.alias {
		return
	}
	col := restore(c)
	why := fmt.Sprintf("The pattern starts with a wildcard, so an index on %s cannot narrow the search: every row is read and matched.", col)
	if bd.col != nil {
		if _, ix := bd.src.table.indexUse(bd.col.Name); ix == nil {
			why = fmt.Sprintf("The pattern starts with a wildcard, so no index could narrow the search (and %s has none): every row is read and matched.", col)
		}
	}
	tbl, typ := bd.src.tableRef(), "VARCHAR(255)"
	if bd.col != nil {
		typ = bd.col.Type
	}
	words, search := "?", "CONCAT(REVERSE(?), '%')"
	if lit {
		words = sqlString(strings.Trim(pattern, "%"))
		search = sqlString(reverse(strings.TrimPrefix(pattern, "%")) + "%")
	}
	rev := quoteName(c.Name.Name.O + "_rev")
	var fix string
	switch {
	case strings.HasSuffix(pattern, "%") || !lit:
		fix = fmt.Sprintf("For words, use a FULLTEXT index: ALTER TABLE %s ADD FULLTEXT INDEX (%s), then MATCH(%s) AGAINST (%s IN BOOLEAN MODE). For arbitrary substrings, an n-gram full-text parser or a search engine.",
			tbl, col, col, words)
	default:
		fix = fmt.Sprintf("For suffix searches, index the reversed value: ALTER TABLE %s ADD COLUMN %s %s AS (REVERSE(%s)) VIRTUAL, ADD INDEX (%s); then search %s LIKE %s.",
			tbl, rev, typ, col, rev, rev, search)
	}
	a.add(finding{code: CodeLeadingWildcardLike, severity: dba.SeverityWarning, at: x, evidence: restore(x), why: why, fix: fix, object: a.columnLabel(c)})
}

// likePattern reads a literal pattern (lit), or the start of one built
// with CONCAT('%', ?).
func likePattern(e ast.ExprNode) (pattern string, lit, ok bool) {
	if s, ok := stringLiteral(e); ok {
		return s, true, true
	}
	if f, ok := unparen(e).(*ast.FuncCallExpr); ok && f.FnName.L == ast.Concat && len(f.Args) > 1 {
		if s, ok := stringLiteral(f.Args[0]); ok && (strings.HasPrefix(s, "%") || strings.HasPrefix(s, "_")) {
			return s + "?", false, true
		}
	}
	return "", false, false
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.NewReplacer("\\", "\\\\", "'", "''").Replace(s) + "'"
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// --- OrAcrossColumns ---

// orAcrossColumns: a top-level OR whose branches filter different columns;
// one index cannot serve it.
func (a *analyzer) orAcrossColumns(where ast.ExprNode, sc *scope) {
	for _, cj := range conjuncts(where) {
		ds := disjuncts(cj)
		if len(ds) < 2 {
			continue
		}
		var sets []map[string]*ast.ColumnNameExpr
		all := map[string]*ast.ColumnNameExpr{}
		ok := true
		for _, d := range ds {
			set := a.filteredColumns(d)
			if len(set) == 0 {
				ok = false
				break
			}
			sets = append(sets, set)
			for k, c := range set {
				if _, seen := all[k]; !seen {
					all[k] = c
				}
			}
		}
		if !ok || len(all) < 2 {
			continue
		}
		common := false
		for k := range sets[0] {
			in := true
			for _, s := range sets[1:] {
				if _, ok := s[k]; !ok {
					in = false
				}
			}
			if in {
				common = true
			}
		}
		if common {
			continue
		}
		a.reportOr(cj, ds, sets, where, sc)
	}
}

// filteredColumns lists the columns a branch compares with constants
// (keyed by columnKey); empty when the branch holds anything else.
func (a *analyzer) filteredColumns(e ast.ExprNode) map[string]*ast.ColumnNameExpr {
	out := map[string]*ast.ColumnNameExpr{}
	for _, p := range conjuncts(e) {
		var c *ast.ColumnNameExpr
		switch x := p.(type) {
		case *ast.BinaryOperationExpr:
			if !isRangeOp(x.Op) {
				return nil
			}
			if l := bareColumn(x.L); l != nil && isConst(x.R) {
				c = l
			} else if r := bareColumn(x.R); r != nil && isConst(x.L) {
				c = r
			}
		case *ast.PatternInExpr:
			if x.Sel == nil && !x.Not && allConst(x.List) {
				c = bareColumn(x.Expr)
			}
		case *ast.BetweenExpr:
			if !x.Not && isConst(x.Left) && isConst(x.Right) {
				c = bareColumn(x.Expr)
			}
		case *ast.IsNullExpr:
			if !x.Not {
				c = bareColumn(x.Expr)
			}
		case *ast.PatternLikeOrIlikeExpr:
			if p, ok := stringLiteral(x.Pattern); ok && !x.Not && !strings.HasPrefix(p, "%") && !strings.HasPrefix(p, "_") {
				c = bareColumn(x.Expr)
			}
		}
		if c == nil {
			return nil
		}
		if bd := a.bindings[c]; bd.outer || bd.alias {
			return nil
		}
		out[a.columnKey(c)] = c
	}
	return out
}

func allConst(es []ast.ExprNode) bool {
	for _, e := range es {
		if !isConst(e) {
			return false
		}
	}
	return len(es) > 0
}

func (a *analyzer) reportOr(cj ast.ExprNode, ds []ast.ExprNode, sets []map[string]*ast.ColumnNameExpr, where ast.ExprNode, sc *scope) {
	var names []string
	seen := map[string]bool{}
	for _, s := range sets {
		for _, k := range sortedKeys(s) {
			if !seen[k] {
				seen[k] = true
				names = append(names, restore(s[k]))
			}
		}
	}
	why := fmt.Sprintf("The OR compares different columns (%s): no single index serves it, so MySQL scans the table unless it can merge one index per branch (index_merge).", strings.Join(names, ", "))
	sev := dba.SeverityWarning
	if a.schema != nil {
		indexed := true
		var missing []string
		known := true
		for _, s := range sets {
			branch := false
			for _, k := range sortedKeys(s) {
				bd := a.bindings[s[k]]
				if bd.col == nil {
					known = false
					continue
				}
				if lead, _ := bd.src.table.indexUse(bd.col.Name); lead != nil {
					branch = true
				} else {
					missing = append(missing, a.columnLabel(s[k]))
				}
			}
			if !branch {
				indexed = false
			}
		}
		switch {
		case known && indexed:
			sev = dba.SeverityInfo
			why = fmt.Sprintf("The OR compares different columns (%s), each with an index: MySQL can merge them (index_merge union), which EXPLAIN shows as type index_merge; a UNION is often faster still.", strings.Join(names, ", "))
		case known:
			why = fmt.Sprintf("The OR compares different columns (%s) and %s has no index that starts with it: the whole table is scanned.", strings.Join(names, ", "), strings.Join(missing, ", "))
		}
	}
	fix := "Give each column its own index so the branches can be merged (index_merge), or split the query into a UNION of one SELECT per branch."
	if u := a.orAsUnion(cj, ds, where, sc); u != "" {
		fix = "Split it into one SELECT per branch, each served by its own index (UNION removes the rows several branches return; that equals the OR when the select list holds a unique key): " + clip(u)
	}
	a.add(finding{code: CodeOrAcrossColumns, severity: sev, at: cj, evidence: restore(cj), why: why, fix: fix})
}

func sortedKeys(m map[string]*ast.ColumnNameExpr) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// maxUnionBranches: an OR of more branches gets advice, not a UNION of
// that many SELECTs.
const maxUnionBranches = 8

// orAsUnion writes the UNION for a plain SELECT (no grouping, ordering or
// limit, not part of another query).
func (a *analyzer) orAsUnion(cj ast.ExprNode, ds []ast.ExprNode, where ast.ExprNode, sc *scope) string {
	if sc == nil || sc.sel == nil || sc.parent != nil {
		return ""
	}
	s := sc.sel
	if s.Where != where || s.From == nil || s.GroupBy != nil || s.Having != nil || s.OrderBy != nil || s.Limit != nil ||
		s.AfterSetOperator != nil || s.Distinct || s.Fields == nil || s.With != nil || s.LockInfo != nil {
		return ""
	}
	for _, f := range s.Fields.Fields {
		if f.Expr != nil && hasAggregate(f.Expr) {
			return ""
		}
	}
	if len(ds) > maxUnionBranches {
		return ""
	}
	var rest []string
	for _, other := range conjuncts(where) {
		if other != cj {
			rest = append(rest, conjunct(other))
		}
	}
	head := "SELECT " + restore(s.Fields) + " FROM " + restore(s.From) + " WHERE "
	if len(rest) > 0 {
		head += strings.Join(rest, " AND ") + " AND "
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = head + conjunct(d)
	}
	return strings.Join(parts, " UNION ")
}

// --- NotInNullableSubquery ---

// notInNullable: x NOT IN (SELECT col ...) returns nothing once col holds
// a NULL.
func (a *analyzer) notInNullable(x *ast.PatternInExpr) {
	sq, ok := x.Sel.(*ast.SubqueryExpr)
	if !ok {
		return
	}
	q, ok := sq.Query.(*ast.SelectStmt)
	if !ok || q.From == nil || q.Fields == nil || len(q.Fields.Fields) != 1 || q.Fields.Fields[0].Expr == nil {
		return
	}
	c := bareColumn(q.Fields.Fields[0].Expr)
	if c == nil || nullRejected(q.Where, c) {
		return
	}
	bd := a.bindings[c]
	if bd.outer {
		return
	}
	col := restore(c)
	sev := dba.SeverityInfo
	why := fmt.Sprintf("If %s can be NULL, one NULL in the subquery makes NOT IN unknown for every row, and the query silently returns nothing.", col)
	if bd.col != nil {
		if !bd.col.Nullable {
			return
		}
		sev = dba.SeverityWarning
		why = fmt.Sprintf("%s is nullable: one NULL in the subquery makes NOT IN unknown for every row, and the query silently returns nothing.", a.columnLabel(c))
	}
	notNull := "NOT IN (SELECT " + col + " FROM " + restore(q.From)
	if q.Where != nil {
		notNull += " WHERE " + conjunct(q.Where) + " AND " + col + " IS NOT NULL"
	} else {
		notNull += " WHERE " + col + " IS NOT NULL"
	}
	notNull += ")"
	fix := "Exclude NULLs in the subquery: " + restore(x.Expr) + " " + notNull + "."
	if q.From != nil && q.GroupBy == nil && q.Having == nil && q.Limit == nil && !q.Distinct {
		if outer := a.outerOperand(x.Expr, q); outer != "" {
			ne := "NOT EXISTS (SELECT 1 FROM " + restore(q.From) + " WHERE "
			if q.Where != nil {
				ne += conjunct(q.Where) + " AND "
			}
			ne += col + " = " + outer + ")"
			fix = "Use NOT EXISTS, which treats NULLs as no match: " + ne + "; or exclude NULLs: " + restore(x.Expr) + " " + notNull + "."
		}
	}
	a.add(finding{code: CodeNotInNullableSubquery, severity: sev, at: x, evidence: restore(x), why: why, fix: fix, object: a.columnLabel(c)})
}

// outerOperand writes the NOT IN's left side so that it still names the
// outer row inside a NOT EXISTS subquery, or "" when it cannot.
func (a *analyzer) outerOperand(e ast.ExprNode, q *ast.SelectStmt) string {
	if isConst(e) {
		return restore(e)
	}
	c := bareColumn(e)
	if c == nil {
		return ""
	}
	bd := a.bindings[c]
	if bd.src == nil {
		return ""
	}
	qs := a.scopes[q]
	if qs != nil && qs.lookup("", bd.src.alias) != nil {
		return "" // the inner query has a table of the same name
	}
	return bd.src.qualifier() + "." + quoteName(c.Name.Name.O)
}

// nullRejected reports whether a WHERE excludes NULLs of col: col IS NOT
// NULL, or a comparison of col, as a top-level conjunct.
func nullRejected(where ast.ExprNode, c *ast.ColumnNameExpr) bool {
	same := func(e ast.ExprNode) bool {
		x := bareColumn(e)
		return x != nil && strings.EqualFold(x.Name.Name.O, c.Name.Name.O) && (x.Name.Table.O == "" || c.Name.Table.O == "" || strings.EqualFold(x.Name.Table.O, c.Name.Table.O))
	}
	for _, cj := range conjuncts(where) {
		switch x := cj.(type) {
		case *ast.IsNullExpr:
			if x.Not && same(x.Expr) {
				return true
			}
		case *ast.BinaryOperationExpr:
			if x.Op != opcode.NullEQ && (isRangeOp(x.Op) || x.Op == opcode.NE) && (same(x.L) || same(x.R)) {
				return true
			}
		case *ast.PatternInExpr:
			if same(x.Expr) {
				return true
			}
		case *ast.BetweenExpr:
			if same(x.Expr) {
				return true
			}
		case *ast.PatternLikeOrIlikeExpr:
			if same(x.Expr) {
				return true
			}
		}
	}
	return false
}
