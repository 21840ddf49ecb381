package sqltext

import (
	"strings"
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/mydba/mydba/internal/dba"
)

// Static analysis: rules over the parsed statement that find SQL which is
// slow, fragile or wrong. Every rule has a stable code (docs/analyze.md
// lists them with examples); given a SchemaInfo, rules use the real column
// types, indexes and row estimates, and without one they stay cautious
// (lower severity, or silent where only the schema can tell).

// Finding codes of Analyze.
const (
	CodeSelectStar                 = "SelectStar"
	CodeUpdateWithoutWhere         = "UpdateWithoutWhere"
	CodeDeleteWithoutWhere         = "DeleteWithoutWhere"
	CodeUpdateWithoutLimit         = "UpdateWithoutLimit"
	CodeDeleteWithoutLimit         = "DeleteWithoutLimit"
	CodeCartesianJoin              = "CartesianJoin"
	CodeFunctionOnIndexedColumn    = "FunctionOnIndexedColumn"
	CodeLeadingWildcardLike        = "LeadingWildcardLike"
	CodeImplicitConversion         = "ImplicitConversion"
	CodeOrAcrossColumns            = "OrAcrossColumns"
	CodeOrderByRand                = "OrderByRand"
	CodeLargeOffset                = "LargeOffset"
	CodeNotInNullableSubquery      = "NotInNullableSubquery"
	CodeCorrelatedSubqueryInSelect = "CorrelatedSubqueryInSelect"
	CodeUnboundedSelect            = "UnboundedSelect"
	CodeNonAggregatedGroupBy       = "NonAggregatedGroupBy"
	CodeUnionWithoutAll            = "UnionWithoutAll"
	CodeInsertWithoutColumns       = "InsertWithoutColumns"
	CodeNonSargableDate            = "NonSargableDate"
	// CodeNotAnalyzed reports a statement the parser could not read: no
	// rule ran on it.
	CodeNotAnalyzed = "NotAnalyzed"
)

// AnalyzeCodes lists every code Analyze can report, for docs and tests.
func AnalyzeCodes() []string {
	return []string{
		CodeSelectStar, CodeUpdateWithoutWhere, CodeDeleteWithoutWhere, CodeUpdateWithoutLimit, CodeDeleteWithoutLimit,
		CodeCartesianJoin, CodeFunctionOnIndexedColumn, CodeLeadingWildcardLike, CodeImplicitConversion,
		CodeOrAcrossColumns, CodeOrderByRand, CodeLargeOffset, CodeNotInNullableSubquery,
		CodeCorrelatedSubqueryInSelect, CodeUnboundedSelect, CodeNonAggregatedGroupBy, CodeUnionWithoutAll,
		CodeInsertWithoutColumns, CodeNonSargableDate, CodeNotAnalyzed,
	}
}

// maxEvidence caps evidence and rewritten statements (in characters): a
// finding on a 10 000-row INSERT must not repeat it.
const maxEvidence = 300

// Analyze runs the static-analysis rules on sql (usually one statement;
// every statement in it is analysed) and returns the findings, most severe
// first, then in the order of the text. schema may be nil: rules that need
// column types, indexes or row estimates then stay silent or report at a
// lower severity. Analyze never touches a connection. Line and Column of a
// finding are relative to sql.
func (c *Classifier) Analyze(sql string, schema *SchemaInfo) []dba.Finding {
	stmts, text, ok := c.parseForAnalysis(sql)
	if !ok {
		if _, known := classifyTokens(ExpandExecutableComments(sql)); known {
			// Valid statements the grammar lacks (SHOW ENGINE, replication
			// control) have nothing for these rules.
			return []dba.Finding{}
		}
		_, err := c.parse(ExpandExecutableComments(sql))
		msg := "the SQL parser could not read it"
		if err != nil {
			msg += ": " + strings.TrimSpace(shortParseError(err))
		}
		return []dba.Finding{{
			Code: CodeNotAnalyzed, Severity: dba.SeverityInfo,
			Evidence: clip(strings.Join(strings.Fields(hideSecrets(sql)), " ")),
			Why:      msg + "; no rule ran on this statement.",
			Fix:      "Check the syntax; MariaDB-only syntax the MySQL grammar lacks is skipped.",
		}}
	}
	a := &analyzer{schema: schema, text: text, positions: text == sql, ctes: map[string]bool{}}
	for _, st := range stmts {
		st.Accept(&cteCollector{names: a.ctes})
	}
	for _, st := range stmts {
		a.statement(st)
	}
	out := dedupFindings(a.findings)
	dba.SortFindings(out)
	return out
}

// parseForAnalysis parses sql as Classify does: executable comments count
// as code, and MariaDB-only clauses the grammar rejects are removed first.
// text is what was parsed (positions refer to it).
func (c *Classifier) parseForAnalysis(sql string) ([]ast.StmtNode, string, bool) {
	text := ExpandExecutableComments(sql)
	stmts, err := c.parse(text)
	if err != nil {
		rewritten, _, ok := rewriteMariaDB(text)
		if !ok {
			return nil, text, false
		}
		if stmts, err = c.parse(rewritten); err != nil {
			return nil, text, false
		}
		text = rewritten
	}
	if len(stmts) == 0 {
		return nil, text, false
	}
	return stmts, text, true
}

// hideSecrets is Redact's rule for text the parser cannot read: a
// statement that mentions passwords is hidden whole.
func hideSecrets(sql string) string {
	up := strings.ToUpper(sql)
	if strings.Contains(up, "IDENTIFIED") || strings.Contains(up, "PASSWORD") {
		return "/* statement hidden by mydba: it may contain a password */"
	}
	return sql
}

func dedupFindings(fs []dba.Finding) []dba.Finding {
	out := make([]dba.Finding, 0, len(fs))
	seen := map[dba.Finding]bool{}
	for _, f := range fs {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// analyzer holds one Analyze call: the schema, the text for positions, and
// what the binding pass learnt about the statement's query blocks.
type analyzer struct {
	schema    *SchemaInfo
	text      string
	positions bool
	findings  []dba.Finding

	ctes map[string]bool
	// Filled by bind for the statement being analysed.
	scopes     map[ast.Node]*scope
	bindings   map[*ast.ColumnNameExpr]binding
	correlated map[ast.Node]bool
	inExists   map[*ast.SelectStmt]bool
	blocks     []ast.Node // SELECT, UPDATE and DELETE blocks in text order
	setOprs    []*ast.SetOprStmt
	// datePreds are predicates NonSargableDate reported, which
	// FunctionOnIndexedColumn then leaves alone.
	datePreds map[ast.ExprNode]bool
}

// statement binds one statement's names and runs every rule on it.
func (a *analyzer) statement(st ast.StmtNode) {
	a.bind(st)
	a.datePreds = map[ast.ExprNode]bool{}
	for _, b := range a.blocks {
		sc := a.scopes[b]
		switch n := b.(type) {
		case *ast.SelectStmt:
			a.selectRules(n, sc)
			a.predicateRules(n.Where, sc)
			a.joinRules(n.From, n.Where, sc)
		case *ast.UpdateStmt:
			a.predicateRules(n.Where, sc)
			a.joinRules(n.TableRefs, n.Where, sc)
		case *ast.DeleteStmt:
			a.predicateRules(n.Where, sc)
			a.joinRules(n.TableRefs, n.Where, sc)
		}
	}
	for _, u := range a.setOprs {
		a.unionRules(u)
	}
	switch n := st.(type) {
	case *ast.SelectStmt:
		a.unboundedSelect(n)
	case *ast.SetOprStmt:
		if n.Limit == nil {
			for _, s := range unionSelects(n) {
				a.unboundedSelect(s)
			}
		}
	case *ast.UpdateStmt:
		a.updateRules(n)
	case *ast.DeleteStmt:
		a.deleteRules(n)
	case *ast.InsertStmt:
		a.insertRules(n)
	case *ast.ExplainStmt:
		// EXPLAIN analyses the statement it explains: same findings.
		if n.Stmt != nil {
			a.statementInner(n.Stmt)
		}
	}
}

// statementInner runs the statement-level rules of an explained statement
// (its blocks were bound and checked with the EXPLAIN).
func (a *analyzer) statementInner(st ast.StmtNode) {
	switch n := st.(type) {
	case *ast.SelectStmt:
		a.unboundedSelect(n)
	case *ast.UpdateStmt:
		a.updateRules(n)
	case *ast.DeleteStmt:
		a.deleteRules(n)
	case *ast.InsertStmt:
		a.insertRules(n)
	}
}

// finding is what a rule reports; add turns it into a dba.Finding with
// the position of at.
type finding struct {
	code     string
	severity dba.Severity
	at       ast.Node // for the position; may be nil
	// start is a byte offset plus one (0: unknown), used when at is nil
	// or has no recorded position.
	start    int
	evidence string
	why      string
	fix      string
	object   string
}

func (a *analyzer) add(f finding) {
	off := f.start - 1
	if f.at != nil {
		if o := nodeOffset(f.at); o > 0 {
			off = o
		}
	}
	line, col := a.position(off)
	a.findings = append(a.findings, dba.Finding{
		Code: f.code, Severity: f.severity, Evidence: clip(f.evidence), Why: f.why, Fix: f.fix,
		Object: f.object, Line: line, Column: col,
	})
}

// nodeOffset is where the parser saw a node start (0 when it did not
// record it).
func nodeOffset(n ast.Node) int {
	switch x := n.(type) {
	case *ast.SelectField:
		return x.Offset
	case *ast.ByItem:
		if x.Expr != nil {
			return x.Expr.OriginTextPosition()
		}
	case *ast.Limit:
		if x.Offset != nil {
			return x.Offset.OriginTextPosition()
		}
	}
	return n.OriginTextPosition()
}

// position turns a byte offset in the analysed text into a 1-based line
// and column (in characters); 0, 0 when positions are unknown (the text
// was rewritten before parsing, or the parser did not record the offset).
func (a *analyzer) position(off int) (int, int) {
	if !a.positions || off < 0 || off > len(a.text) {
		return 0, 0
	}
	prefix := a.text[:off]
	line := strings.Count(prefix, "\n") + 1
	start := strings.LastIndexByte(prefix, '\n') + 1
	return line, utf8.RuneCountInString(prefix[start:]) + 1
}

// restoreFlags print SQL the way findings show it: keywords upper-case,
// names in backticks, spaces around operators, no default charset noise.
const restoreFlags = format.DefaultRestoreFlags | format.RestoreSpacesAroundBinaryOperation | format.RestoreStringWithoutDefaultCharset

// restore prints a node back as SQL.
func restore(n ast.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	if err := n.Restore(format.NewRestoreCtx(restoreFlags, &b)); err != nil {
		return ""
	}
	return b.String()
}

// clip shortens s to maxEvidence characters.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxEvidence {
		return s
	}
	r := []rune(s)
	return string(r[:maxEvidence-1]) + "…"
}

// statementStart is the start (offset plus one) of st in the analysed
// text, for statement-level findings.
func (a *analyzer) statementStart(st ast.Node) int {
	if t := strings.TrimSpace(st.Text()); t != "" {
		if i := strings.Index(a.text, t); i >= 0 {
			return i + 1
		}
	}
	return len(a.text) - len(strings.TrimLeft(a.text, " \t\r\n")) + 1
}
