package advise

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/numfmt"
	"github.com/mydba/mydba/internal/sqltext"
)

// Pain points of a plan: what makes the statement slow, with the node,
// the figures the plan gave, why it matters and what to change. Rules read
// the plan, the statement (for concrete CREATE INDEX suggestions) and,
// when known, the tables as the explorer describes them.

// Plan finding codes. They are stable: the CLI, the web UI, MCP and the
// docs speak in them.
const (
	CodeFullTableScan          = "FullTableScan"
	CodeFullIndexScan          = "FullIndexScan"
	CodeNoUsableIndex          = "NoUsableIndex"
	CodeIndexNotUsed           = "IndexNotUsed"
	CodeFilesort               = "Filesort"
	CodeTemporaryTable         = "TemporaryTable"
	CodeJoinBuffer             = "JoinBuffer"
	CodeDependentSubquery      = "DependentSubquery"
	CodeEstimateMismatch       = "EstimateMismatch"
	CodeLowFiltered            = "LowFiltered"
	CodeRowsExaminedVsSent     = "RowsExaminedVsSent"
	CodeRangeCheckedPerRow     = "RangeCheckedPerRow"
	CodeImpossibleWhere        = "ImpossibleWhere"
	CodeCoveringIndex          = "CoveringIndex"
	CodeIndexConditionPushdown = "IndexConditionPushdown"
)

// PlanCodes lists every plan finding code, for docs and tests.
func PlanCodes() []string {
	return []string{CodeFullTableScan, CodeFullIndexScan, CodeNoUsableIndex, CodeIndexNotUsed, CodeFilesort,
		CodeTemporaryTable, CodeJoinBuffer, CodeDependentSubquery, CodeEstimateMismatch, CodeLowFiltered,
		CodeRowsExaminedVsSent, CodeRangeCheckedPerRow, CodeImpossibleWhere, CodeCoveringIndex, CodeIndexConditionPushdown}
}

// DefaultLargeRows is the row count from which reading a table in full,
// sorting or buffering is worth a warning. Below it such steps cost
// little and are reported as information at most.
const DefaultLargeRows = 10_000

// Thresholds of the estimate and filtering rules.
const (
	// MismatchFactor is how far an estimate may be from the measured rows
	// before the statistics are suspect (the 10x).
	MismatchFactor = 10
	// mismatchMinRows keeps small absolute numbers out: 1 vs 12 rows is
	// no planning problem.
	mismatchMinRows = 100
	// LowFilteredPct is the share of read rows kept below which a table's
	// condition deserves an index.
	LowFilteredPct = 10
	// ExaminedPerSent is the rows-examined to rows-returned ratio from
	// which the work is out of proportion.
	ExaminedPerSent = 100
)

// PlanInput is what the plan advisor reads.
type PlanInput struct {
	Plan dba.Plan
	// SQL is the statement explained (optional): its conditions, joins and
	// ORDER BY make index suggestions concrete.
	SQL string
	// DefaultSchema resolves unqualified table names.
	DefaultSchema string
	// Tables are the tables the statement reads as the explorer describes
	// them (optional): row estimates, columns, existing indexes.
	Tables []dba.TableDetail
	// LargeRows overrides DefaultLargeRows when positive.
	LargeRows float64
}

// Plan returns the pain points (and good news) of a plan, most severe
// first.
func Plan(in PlanInput) []dba.PlanFinding {
	if in.Plan.Root == nil {
		return []dba.PlanFinding{}
	}
	a := &planAdvisor{in: in, large: in.LargeRows}
	if a.large <= 0 {
		a.large = DefaultLargeRows
	}
	a.bindUses()
	in.Plan.Root.Walk(func(n, _ *dba.PlanNode) bool {
		a.node(n)
		return true
	})
	a.examinedVsSent()
	out := a.findings
	slices.SortStableFunc(out, func(x, y dba.PlanFinding) int {
		return cmp.Or(
			cmp.Compare(y.Severity.Level(), x.Severity.Level()),
			cmp.Compare(boolInt(x.Positive), boolInt(y.Positive)),
			cmp.Compare(x.Node, y.Node),
			cmp.Compare(x.Code, y.Code),
		)
	})
	if out == nil {
		out = []dba.PlanFinding{}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type planAdvisor struct {
	in       PlanInput
	large    float64
	findings []dba.PlanFinding
	// uses maps plan table nodes to what the statement asks of them.
	uses map[*dba.PlanNode]*sqltext.IndexUse
	// suggested remembers index suggestions per node, so later rules point
	// at them instead of repeating.
	suggested map[*dba.PlanNode]string
}

func (a *planAdvisor) add(n *dba.PlanNode, code string, sev dba.Severity, object, evidence, why, fix string) {
	f := dba.PlanFinding{Finding: dba.Finding{Code: code, Severity: sev, Object: object, Evidence: evidence, Why: why, Fix: fix}}
	if n != nil {
		f.Node = n.ID
	}
	a.findings = append(a.findings, f)
}

func (a *planAdvisor) positive(n *dba.PlanNode, code, object, evidence, why string) {
	a.findings = append(a.findings, dba.PlanFinding{Finding: dba.Finding{Code: code, Severity: dba.SeverityInfo, Object: object, Evidence: evidence, Why: why}, Node: n.ID, Positive: true})
}

// bindUses matches the plan's table nodes with the statement's table
// references: by the name the plan shows (the alias), in order when a name
// repeats.
func (a *planAdvisor) bindUses() {
	a.uses = map[*dba.PlanNode]*sqltext.IndexUse{}
	a.suggested = map[*dba.PlanNode]string{}
	if strings.TrimSpace(a.in.SQL) == "" {
		return
	}
	uses, err := sqltext.NewClassifier().IndexUses(a.in.SQL, a.columnsOf)
	if err != nil {
		return
	}
	taken := make([]bool, len(uses))
	a.in.Plan.Root.Walk(func(n, _ *dba.PlanNode) bool {
		if !n.IsBaseTable() {
			return true
		}
		for i := range uses {
			if !taken[i] && strings.EqualFold(uses[i].Alias, n.Table) {
				taken[i] = true
				a.uses[n] = &uses[i]
				break
			}
		}
		return true
	})
}

// table finds the described table for a use or node.
func (a *planAdvisor) table(schema, name string) *dba.TableDetail {
	if name == "" {
		return nil
	}
	if schema == "" {
		schema = a.in.DefaultSchema
	}
	var fold *dba.TableDetail
	for i := range a.in.Tables {
		t := &a.in.Tables[i]
		if t.Table.Name == name && (schema == "" || t.Schema == schema) {
			return t
		}
		if fold == nil && strings.EqualFold(t.Table.Name, name) && (schema == "" || strings.EqualFold(t.Schema, schema)) {
			fold = t
		}
	}
	return fold
}

func (a *planAdvisor) columnsOf(schema, table string) []string {
	t := a.table(schema, table)
	if t == nil {
		return nil
	}
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c.Name
	}
	return cols
}

// tableOf is the described table behind a plan node.
func (a *planAdvisor) tableOf(n *dba.PlanNode) *dba.TableDetail {
	if u := a.uses[n]; u != nil {
		if t := a.table(u.Schema, u.Table); t != nil {
			return t
		}
	}
	name := n.Table
	if n.TableName != "" {
		name = n.TableName
	}
	return a.table(n.Schema, name)
}

// object names a node's table for findings: schema.table when known,
// with the alias the plan uses.
func (a *planAdvisor) object(n *dba.PlanNode) string {
	if t := a.tableOf(n); t != nil {
		name := dba.QualifiedName{Schema: t.Schema, Name: t.Table.Name}.String()
		if !strings.EqualFold(t.Table.Name, n.Table) {
			name += " AS " + dba.QuoteIdentIfNeeded(n.Table)
		}
		return name
	}
	if u := a.uses[n]; u != nil && !strings.EqualFold(u.Table, n.Table) {
		return u.Table + " AS " + n.Table
	}
	return n.Table
}

// rowsRead is what a table node reads over all its loops, and whether it
// was measured.
func rowsRead(n *dba.PlanNode) (float64, bool, bool) {
	if n.Actual != nil && n.Actual.Rows != nil {
		loops := 1.0
		if n.Actual.Loops != nil {
			loops = *n.Actual.Loops
		}
		// MariaDB's r_rows counts rows after a rowid filter; close enough.
		return *n.Actual.Rows * loops, true, true
	}
	if n.Rows != nil {
		return *n.Rows, false, true
	}
	return 0, false, false
}

// size is the larger of what the node reads and the table's row estimate.
func (a *planAdvisor) size(n *dba.PlanNode) float64 {
	r, _, _ := rowsRead(n)
	if t := a.tableOf(n); t != nil && t.Table.Rows != nil {
		r = math.Max(r, float64(*t.Table.Rows))
	}
	return r
}

func (a *planAdvisor) node(n *dba.PlanNode) {
	if n.IsBaseTable() {
		a.tableRules(n)
	}
	a.sortRule(n)
	a.temporaryRule(n)
	a.joinBufferRule(n)
	a.subqueryRule(n)
	a.mismatchRule(n)
	if n.Has(dba.FlagRangeCheckedPerRow) && n.Kind == dba.NodeTable {
		loops := ""
		if n.Actual != nil && n.Actual.Loops != nil {
			loops = fmt.Sprintf("; it was re-planned %s times", count(*n.Actual.Loops))
		}
		a.add(n, CodeRangeCheckedPerRow, dba.SeverityWarning, a.object(n),
			fmt.Sprintf("%s: range checked for each record%s", n.Table, loops),
			"no index fits the join condition as a whole, so the server chooses an access method again for every row of the tables before it",
			"join on equality where possible, or index the column compared so each re-plan is a short range")
	}
	if n.Has(dba.FlagImpossibleWhere) {
		a.add(n, CodeImpossibleWhere, dba.SeverityInfo, "", n.Label,
			"the optimizer proved from the condition (or from a constant table) that no row can match: nothing is read",
			"check the condition: this is often a bug (a typo in a value, a wrong type) rather than a plan to tune")
	}
}

// tableRules: full scans, missing indexes, low filtering, good news.
func (a *planAdvisor) tableRules(n *dba.PlanNode) {
	read, measured, known := rowsRead(n)
	size := a.size(n)
	u := a.uses[n]
	obj := a.object(n)
	fullScan := n.Access == "ALL" || n.Access == "hash_ALL"
	indexScan := n.Access == "index" || n.Access == "hash_index"

	if (fullScan || indexScan) && size >= a.large {
		a.noUsableIndex(n, u, size)
	}
	switch {
	case fullScan && size >= a.large:
		why := fmt.Sprintf("every row of %s is read%s", n.Table, a.keptText(n))
		if loops := loops(n); loops > 1 {
			why += fmt.Sprintf(", and the scan runs %s times (once per row of the tables before it)", count(loops))
		}
		a.add(n, CodeFullTableScan, dba.SeverityWarning, obj, a.accessEvidence(n, read, measured, known), why, a.scanFix(n, u))
	case indexScan && size >= a.large:
		sev := dba.SeverityWarning
		what := "every entry of index " + n.Key + " is read"
		if n.Has(dba.FlagCoveringIndex) {
			sev = dba.SeverityInfo
			what += " (a covering index: cheaper than the table, still every entry)"
		}
		a.add(n, CodeFullIndexScan, sev, obj, a.accessEvidence(n, read, measured, known), what+a.keptText(n), a.scanFix(n, u))
	}
	// Low filtering: many rows read to keep a few — worth a finding when
	// the statement's condition has columns an index could seek on.
	idxCols, idxWhy := a.indexColumns(n, u)
	if f := filteredOf(n); f != nil && *f < LowFilteredPct && known && read >= 1000 && a.suggested[n] == "" && len(idxCols) > 0 {
		sev := dba.SeverityInfo
		if read >= a.large {
			sev = dba.SeverityWarning
		}
		kept := read * *f / 100
		src := "estimated"
		if measured {
			src = "measured"
		}
		fix := a.createIndex(n, idxCols) + " — " + idxWhy
		a.add(n, CodeLowFiltered, sev, obj,
			fmt.Sprintf("%s: %s rows read, %s%% kept (%s)%s", n.Table, count(read), pct(*f), src, conditionText(n)),
			fmt.Sprintf("about %s of %s rows survive the condition: the rest are read for nothing", count(kept), count(read)),
			fix)
	}
	if n.Has(dba.FlagCoveringIndex) && n.Key != "" {
		a.positive(n, CodeCoveringIndex, obj, fmt.Sprintf("%s: %s, index %s covers the query", n.Table, n.Access, n.Key),
			"every column the query needs is in the index: the table rows are never read")
	}
	if n.Has(dba.FlagIndexCondition) {
		a.positive(n, CodeIndexConditionPushdown, obj, fmt.Sprintf("%s: index condition %s", n.Table, clip(n.IndexCondition, 120)),
			"the condition is checked on index entries before the row is fetched: rows that fail it cost no table read")
	}
}

func loops(n *dba.PlanNode) float64 {
	if n.Actual != nil && n.Actual.Loops != nil {
		return *n.Actual.Loops
	}
	return 1
}

func filteredOf(n *dba.PlanNode) *float64 {
	if n.Actual != nil && n.Actual.Filtered != nil {
		return n.Actual.Filtered
	}
	return n.Filtered
}

func conditionText(n *dba.PlanNode) string {
	if n.Condition == "" {
		return ""
	}
	return ", condition " + clip(n.Condition, 120)
}

func (a *planAdvisor) keptText(n *dba.PlanNode) string {
	f := filteredOf(n)
	if f == nil || *f >= 100 {
		return ""
	}
	return fmt.Sprintf(" to keep about %s%% of them", pct(*f))
}

func (a *planAdvisor) accessEvidence(n *dba.PlanNode, read float64, measured, known bool) string {
	parts := []string{n.Table + ": access " + n.Access}
	if n.Key != "" {
		parts = append(parts, "key "+n.Key)
	}
	if known {
		if measured {
			parts = append(parts, count(read)+" rows read (measured)")
		} else {
			parts = append(parts, "~"+count(read)+" rows per scan (estimated)")
		}
	}
	if len(n.PossibleKeys) > 0 {
		parts = append(parts, "possible keys "+strings.Join(n.PossibleKeys, ", "))
	}
	return strings.Join(parts, ", ") + conditionText(n)
}

// scanFix says what to do about a scan.
func (a *planAdvisor) scanFix(n *dba.PlanNode, u *sqltext.IndexUse) string {
	if s := a.suggested[n]; s != "" {
		return s
	}
	var fixes []string
	if u != nil {
		for _, c := range u.Unusable {
			switch {
			case strings.Contains(c, "leading wildcard"):
				fixes = append(fixes, c+": a B-tree index can only seek a known prefix; search by prefix, keep the searched part (a domain, a reversed string) in its own indexed column, or use a FULLTEXT index")
			default:
				fixes = append(fixes, c+": write the condition so the column stands alone, as a range on the bare column (YEAR(d) = 2024 becomes d >= '2024-01-01' AND d < '2025-01-01'), or index the expression (a generated column)")
			}
		}
	}
	switch {
	case (n.Access == "index" || n.Access == "hash_index") && n.Key != "":
		fixes = append(fixes, fmt.Sprintf("index %s is read from end to end (to return rows in its order, or to build a subquery's result once); that is cheaper than the table, but it is still every entry: for a statement that runs often, give it a condition the index can seek on", n.Key))
	case len(n.PossibleKeys) > 0 && n.Key == "":
		fixes = append(fixes, fmt.Sprintf("the optimizer considered %s and chose to scan: the condition matches a large share of rows, or the statistics are stale (ANALYZE TABLE %s)", strings.Join(n.PossibleKeys, ", "), a.tableRef(n)))
	case u != nil && u.Limit && len(u.Equal)+len(u.In)+len(u.Range)+len(u.Join) == 0:
		fixes = append(fixes, "the statement has a LIMIT: the scan may stop early; with an ORDER BY, index its columns so it can")
	case n.Condition == "" && (u == nil || len(u.Equal)+len(u.In)+len(u.Range)+len(u.Join) == 0):
		fixes = append(fixes, "the statement reads the whole table by design: add a condition or a LIMIT, or run it where a scan is acceptable (a replica, off hours)")
	}
	if len(fixes) == 0 {
		fixes = append(fixes, "index the columns of the condition (equality columns first, then one range column)")
	}
	return strings.Join(fixes, "; ")
}

func (a *planAdvisor) tableRef(n *dba.PlanNode) string {
	if t := a.tableOf(n); t != nil {
		return dba.QualifiedName{Schema: t.Schema, Name: t.Table.Name}.String()
	}
	if u := a.uses[n]; u != nil {
		if u.Schema != "" {
			return dba.QualifiedName{Schema: u.Schema, Name: u.Table}.String()
		}
		return dba.QuoteIdentIfNeeded(u.Table)
	}
	return dba.QuoteIdentIfNeeded(n.Table)
}

// noUsableIndex reports a table no index can serve, with the index to
// create. possible_keys says so where the format has it; elsewhere the
// described indexes do.
func (a *planAdvisor) noUsableIndex(n *dba.PlanNode, u *sqltext.IndexUse, size float64) {
	if u == nil {
		return
	}
	cols, why := a.indexColumns(n, u)
	if len(cols) == 0 {
		return
	}
	usable, known := a.hasUsableIndex(n, cols)
	if !known || usable {
		return
	}
	t := a.tableOf(n)
	if t != nil {
		if ix := existingPrefix(t, cols); ix != nil {
			fix := fmt.Sprintf("index %s already starts with (%s) but was not used: refresh the statistics (ANALYZE TABLE %s), and check the values compared have the column's type and collation (an implicit conversion disables the index)", ix.Name, strings.Join(cols, ", "), a.tableRef(n))
			a.suggested[n] = fix
			a.add(n, CodeIndexNotUsed, dba.SeverityWarning, a.object(n), fmt.Sprintf("%s: access %s, index %s unused", n.Table, n.Access, ix.Name),
				"an index matching the condition exists, yet the table is scanned", fix)
			return
		}
	}
	stmt := a.createIndex(n, cols)
	a.suggested[n] = stmt + " — " + why
	evidence := fmt.Sprintf("%s: access %s, no possible keys, ~%s rows", n.Table, n.Access, count(size))
	if len(n.PossibleKeys) > 0 {
		evidence = fmt.Sprintf("%s: access %s, no index on %s", n.Table, n.Access, strings.Join(cols, ", "))
	}
	a.add(n, CodeNoUsableIndex, dba.SeverityWarning, a.object(n), evidence+conditionText(n),
		fmt.Sprintf("no index of %s starts with a column the statement filters, joins or sorts %s on, so every row is read", n.Table, n.Table),
		stmt+" — "+why)
}

// hasUsableIndex: possible_keys when the format reports them; else an
// index whose first column is one of cols.
func (a *planAdvisor) hasUsableIndex(n *dba.PlanNode, cols []string) (usable, known bool) {
	switch a.in.Plan.Format {
	case dba.PlanJSON, dba.PlanTabular:
		return len(n.PossibleKeys) > 0, true
	}
	t := a.tableOf(n)
	if t == nil {
		return false, false
	}
	for _, ix := range t.Indexes {
		if !ix.Visible || len(ix.Parts) == 0 || isSpecial(ix) {
			continue
		}
		for _, c := range cols {
			if strings.EqualFold(ix.Parts[0].Column, c) {
				return true, true
			}
		}
	}
	return false, true
}

func isSpecial(ix dba.TableIndex) bool {
	t := strings.ToUpper(ix.Type)
	return t == "FULLTEXT" || t == "SPATIAL" || t == "RTREE"
}

// existingPrefix finds a visible index whose leading columns are cols.
func existingPrefix(t *dba.TableDetail, cols []string) *dba.TableIndex {
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if !ix.Visible || isSpecial(*ix) || len(ix.Parts) < len(cols) {
			continue
		}
		match := true
		for j, c := range cols {
			if !strings.EqualFold(ix.Parts[j].Column, c) {
				match = false
				break
			}
		}
		if match {
			return ix
		}
	}
	return nil
}

// indexColumns builds the index a table reference wants, and explains
// the order. Equality columns come first: each narrows the index to one
// contiguous run. Then, when the ORDER BY (or GROUP BY) is all on this
// table and nothing before it is a range or an IN list, its columns — the
// index then returns rows in order, but only when this table is read
// first in the join, so join columns are left out. Otherwise join columns
// (compared with one value per outer row) and IN lists follow the
// equalities, then one range column: a range ends the part of an index
// that can seek, so columns after it could only filter.
func (a *planAdvisor) indexColumns(n *dba.PlanNode, u *sqltext.IndexUse) ([]string, string) {
	if u == nil {
		return nil, ""
	}
	var cols []string
	addCol := func(c string) bool {
		if c == "" || len(cols) >= 5 {
			return false
		}
		for _, x := range cols {
			if strings.EqualFold(x, c) {
				return false
			}
		}
		cols = append(cols, a.canonical(n, c))
		return true
	}
	var reasons []string
	for _, c := range u.Equal {
		addCol(c)
	}
	if len(cols) > 0 {
		reasons = append(reasons, fmt.Sprintf("equality columns first (%s): each narrows the index to one contiguous run", strings.Join(cols, ", ")))
	}
	orderable := len(u.Range) == 0 && len(u.In) == 0 && (len(u.Join) == 0 || len(u.Equal) > 0)
	switch {
	case orderable && len(u.OrderBy) > 0 && sameDirection(u.OrderBy):
		var ob []string
		for _, o := range u.OrderBy {
			ob = append(ob, o.Column)
			addCol(o.Column)
		}
		why := fmt.Sprintf("then the ORDER BY columns (%s), so rows come out in order and no sort is needed", strings.Join(ob, ", "))
		if len(u.Join) > 0 {
			why += fmt.Sprintf(" (with %s read first in the join; its join columns %s are left out for that reason)", n.Table, strings.Join(u.Join, ", "))
		}
		reasons = append(reasons, why)
	case orderable && len(u.GroupBy) > 0:
		for _, g := range u.GroupBy {
			addCol(g)
		}
		reasons = append(reasons, fmt.Sprintf("then the GROUP BY columns (%s), so groups are read in index order without a temporary table", strings.Join(u.GroupBy, ", ")))
	default:
		var mid []string
		for _, c := range append(append([]string{}, u.Join...), u.In...) {
			if addCol(c) {
				mid = append(mid, c)
			}
		}
		if len(mid) > 0 {
			what := "the join columns (%s): each is compared with one value per outer row, so it seeks like an equality"
			switch {
			case len(u.Join) == 0:
				what = "the IN lists (%s): a few values, one seek each"
			case len(u.In) > 0:
				what = "the join columns and IN lists (%s): one value per outer row, or a few values, each a seek"
			}
			reasons = append(reasons, "then "+fmt.Sprintf(what, strings.Join(mid, ", ")))
		}
		if len(u.Range) > 0 && addCol(u.Range[0]) {
			why := fmt.Sprintf("then one range column (%s): a range ends the part of an index that can seek, so columns after it could only filter", u.Range[0])
			if len(u.Range) > 1 {
				why += fmt.Sprintf(" (%s stay as filters)", strings.Join(u.Range[1:], ", "))
			}
			reasons = append(reasons, why)
		}
	}
	if len(cols) == 0 {
		return nil, ""
	}
	if len(u.Equal) == 0 && len(reasons) > 0 {
		reasons[0] = strings.TrimPrefix(reasons[0], "then ")
	}
	return cols, "column order: " + strings.Join(reasons, "; ")
}

func sameDirection(ob []sqltext.OrderColumn) bool {
	for _, o := range ob {
		if o.Desc != ob[0].Desc {
			return false
		}
	}
	return true
}

// canonical spells a column as the table defines it.
func (a *planAdvisor) canonical(n *dba.PlanNode, c string) string {
	if t := a.tableOf(n); t != nil {
		for _, col := range t.Columns {
			if strings.EqualFold(col.Name, c) {
				return col.Name
			}
		}
	}
	return c
}

// createIndex writes the CREATE INDEX statement for cols.
func (a *planAdvisor) createIndex(n *dba.PlanNode, cols []string) string {
	table := n.Table
	if t := a.tableOf(n); t != nil {
		table = t.Table.Name
	} else if u := a.uses[n]; u != nil {
		table = u.Table
	}
	name := "idx_" + table
	for _, c := range cols {
		name += "_" + c
	}
	name = identSafe(name)
	if len(name) > 64 {
		name = name[:64]
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = dba.QuoteIdentIfNeeded(c)
	}
	return fmt.Sprintf("CREATE INDEX %s ON %s (%s);", dba.QuoteIdentIfNeeded(name), a.tableRef(n), strings.Join(quoted, ", "))
}

// identSafe keeps an index name plain: letters, digits and underscores.
func identSafe(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// sortRule: filesort, on disk when the server says so.
func (a *planAdvisor) sortRule(n *dba.PlanNode) {
	if !n.Has(dba.FlagFilesort) {
		return
	}
	rows, measured := a.rowsBelow(n)
	sev := dba.SeverityInfo
	why := "rows are sorted after they are read"
	if rows >= a.large {
		sev = dba.SeverityWarning
		why = fmt.Sprintf("about %s rows are sorted after they are read", count(rows))
		if !measured {
			why += " (estimated)"
		}
	}
	if n.Has(dba.FlagSortOnDisk) {
		sev = dba.SeverityWarning
		why += "; the sort did not fit in sort_buffer_size and merged temporary files on disk"
	}
	if n.Has(dba.FlagPriorityQueue) {
		sev = dba.SeverityInfo
		why += "; with the LIMIT the server keeps only the top rows in a priority queue, which is cheap"
	}
	fix := "an index whose columns match the ORDER BY (after the equality columns of the WHERE) returns rows already in order"
	if t, cols, reason := a.orderIndex(n); t != nil {
		fix = a.createIndex(t, cols) + " — " + reason
	}
	if n.Has(dba.FlagSortOnDisk) {
		fix += "; or raise sort_buffer_size for this session (SET SESSION sort_buffer_size = ...) and select fewer or narrower columns"
	}
	a.add(n, CodeFilesort, sev, "", n.Label, why, fix)
}

// orderIndex finds the table whose ORDER BY the node sorts for and the
// index that would deliver it.
func (a *planAdvisor) orderIndex(n *dba.PlanNode) (*dba.PlanNode, []string, string) {
	var found *dba.PlanNode
	n.Walk(func(x, _ *dba.PlanNode) bool {
		if found == nil && x.IsBaseTable() {
			if u := a.uses[x]; u != nil && (len(u.OrderBy) > 0 || len(u.GroupBy) > 0) {
				found = x
			}
		}
		return found == nil
	})
	if found == nil {
		return nil, nil, ""
	}
	u := a.uses[found]
	if len(u.OrderBy) > 0 && len(u.Range) > 0 {
		// A range before the sort columns breaks the order: index the
		// equality columns and the ORDER BY, leaving the range to filter.
		v := *u
		v.Range = nil
		cols, why := a.indexColumns(found, &v)
		return found, cols, why + fmt.Sprintf(" (the range on %s is then checked on the index entries instead of breaking the order)", strings.Join(u.Range, ", "))
	}
	cols, why := a.indexColumns(found, u)
	if len(cols) == 0 {
		return nil, nil, ""
	}
	return found, cols, why
}

// rowsBelow estimates the rows that flow into a node: the largest read of
// a base table under it (measured when analyzed).
func (a *planAdvisor) rowsBelow(n *dba.PlanNode) (float64, bool) {
	if n.Actual != nil && n.Actual.Rows != nil && n.Kind != dba.NodeSort {
		return *n.Actual.Rows, true
	}
	var best float64
	measured := false
	n.Walk(func(x, _ *dba.PlanNode) bool {
		if x.Kind == dba.NodeTable && x != n {
			if r, m, ok := rowsRead(x); ok && r > best {
				best, measured = r, m
			}
		}
		return x == n || x.Kind != dba.NodeSubquery
	})
	return best, measured
}

// temporaryRule: internal temporary tables for GROUP BY, DISTINCT, UNION,
// window functions.
func (a *planAdvisor) temporaryRule(n *dba.PlanNode) {
	if !n.Has(dba.FlagTemporary) {
		return
	}
	switch n.Kind {
	case dba.NodeMaterialize, dba.NodeSubquery:
		// Materializing a derived table or subquery is its own step.
		return
	}
	rows, measured := a.rowsBelow(n)
	sev := dba.SeverityInfo
	why := "rows are collected in an internal temporary table"
	if rows >= a.large {
		sev = dba.SeverityWarning
		why = fmt.Sprintf("about %s rows go through an internal temporary table", count(rows))
		if !measured {
			why += " (estimated)"
		}
	}
	why += "; it stays in memory up to tmp_table_size / max_heap_table_size and moves to disk beyond (or at once with BLOB/TEXT columns on older servers): Created_tmp_disk_tables tells which"
	fix := "GROUP BY / DISTINCT on columns of one table with an index on them lets the server read groups in index order without a temporary table"
	if n.Kind == dba.NodeUnion {
		fix = "UNION removes duplicate rows through the temporary table; UNION ALL needs none (MySQL 8.0+) where duplicates cannot occur or do not matter"
	} else if t, cols, reason := a.groupIndex(n); t != nil {
		fix = a.createIndex(t, cols) + " — " + reason
	}
	a.add(n, CodeTemporaryTable, sev, "", n.Label, why, fix)
}

func (a *planAdvisor) groupIndex(n *dba.PlanNode) (*dba.PlanNode, []string, string) {
	var found *dba.PlanNode
	n.Walk(func(x, _ *dba.PlanNode) bool {
		if found == nil && x.IsBaseTable() {
			if u := a.uses[x]; u != nil && len(u.GroupBy) > 0 {
				found = x
			}
		}
		return found == nil
	})
	if found == nil {
		return a.orderIndex(n)
	}
	u := *a.uses[found]
	u.OrderBy, u.Range = nil, nil
	cols, why := a.indexColumns(found, &u)
	if len(cols) == 0 {
		return nil, nil, ""
	}
	return found, cols, why
}

// joinBufferRule: block nested loop / hash join — the inner table has no
// index for the join.
func (a *planAdvisor) joinBufferRule(n *dba.PlanNode) {
	var inner *dba.PlanNode
	switch {
	case n.Kind == dba.NodeTable && (n.Has(dba.FlagJoinBuffer) || n.Has(dba.FlagHashJoin)):
		inner = n
	case n.Kind == dba.NodeJoin && n.Has(dba.FlagHashJoin):
		// MySQL's tree: the build side sits under "Hash".
		for _, c := range n.Children {
			if c.Label == "Hash" || c.Kind == dba.NodeOperation {
				c.Walk(func(x, _ *dba.PlanNode) bool {
					if inner == nil && x.Kind == dba.NodeTable {
						inner = x
					}
					return inner == nil
				})
			}
		}
		if inner == nil && len(n.Children) > 1 {
			inner = n.Children[len(n.Children)-1]
		}
	default:
		return
	}
	if inner == nil || inner.Kind != dba.NodeTable {
		return
	}
	hash := n.Has(dba.FlagHashJoin) || inner.Has(dba.FlagHashJoin)
	kind := "a block nested loop join buffer"
	sev := dba.SeverityWarning
	if hash {
		kind = "a hash join"
		sev = dba.SeverityInfo
	}
	rows, _, _ := rowsRead(inner)
	if rows >= a.large {
		sev = dba.SeverityWarning
	}
	why := fmt.Sprintf("%s has no index the join can use, so its rows are read in full and matched through %s", inner.Table, kind)
	if hash {
		why += " (far better than comparing every pair, but each execution still reads the whole table)"
	} else {
		why += ": every buffered batch of outer rows is compared with every inner row"
	}
	fix := "index the join column of " + inner.Table
	if u := a.uses[inner]; u != nil && len(u.Join) > 0 {
		v := sqltext.IndexUse{Equal: u.Equal, Join: u.Join}
		if cols, reason := a.indexColumns(inner, &v); len(cols) > 0 {
			fix = a.createIndex(inner, cols) + " — " + reason + ": the join becomes one index lookup per outer row"
		}
	}
	evidence := inner.Table + ": " + kind
	for _, note := range inner.Notes {
		if strings.HasPrefix(note, "join buffer:") {
			evidence += " (" + note + ")"
		}
	}
	a.add(inner, CodeJoinBuffer, sev, a.object(inner), evidence+conditionText(inner), why, fix)
}

// subqueryRule: a dependent subquery runs once per outer row.
func (a *planAdvisor) subqueryRule(n *dba.PlanNode) {
	dependent := n.Kind == dba.NodeSubquery && n.Has(dba.FlagDependent) ||
		a.in.Plan.Format == dba.PlanTabular && n.Kind == dba.NodeSelect && n.Has(dba.FlagDependent)
	if !dependent || n.Has(dba.FlagOptimizedAway) {
		return
	}
	runs := 0.0
	n.Walk(func(x, _ *dba.PlanNode) bool {
		if x != n && x.Actual != nil && x.Actual.Loops != nil && runs == 0 {
			runs = *x.Actual.Loops
		}
		return runs == 0
	})
	evidence := n.Label
	why := "the subquery refers to the outer query, so it runs again for each outer row"
	if runs > 0 {
		evidence += fmt.Sprintf(": executed %s times", count(runs))
		why = fmt.Sprintf("the subquery refers to the outer query and ran %s times, once per outer row", count(runs))
	}
	for _, note := range n.Notes {
		if strings.HasPrefix(note, "expression cache hit ratio") {
			evidence += "; " + note
		}
	}
	lookup := ""
	n.Walk(func(x, _ *dba.PlanNode) bool {
		if lookup == "" && x.IsBaseTable() && (x.Access == "ref" || x.Access == "eq_ref" || x.Access == "unique_subquery" || x.Access == "index_subquery") {
			lookup = fmt.Sprintf(" Each run already uses index %s on %s; the cost is the number of runs.", x.Key, x.Table)
		}
		return lookup == ""
	})
	fix := "rewrite it as a JOIN (a scalar subquery as a LEFT JOIN on a grouped derived table; IN/EXISTS as a semi-join the optimizer can flatten), or index the column it correlates on so each run is a lookup." + lookup
	a.add(n, CodeDependentSubquery, dba.SeverityWarning, "", evidence, why, strings.TrimSpace(fix))
}

// mismatchRule: the estimate is off by more than 10x from what ran.
func (a *planAdvisor) mismatchRule(n *dba.PlanNode) {
	if n.Rows == nil || n.Actual == nil || n.Actual.Rows == nil || n.Kind != dba.NodeTable {
		return
	}
	est, act := *n.Rows, *n.Actual.Rows
	hi, lo := math.Max(est, act), math.Min(est, act)
	if hi < mismatchMinRows || hi/math.Max(lo, 1) <= MismatchFactor {
		return
	}
	dir := "over"
	if act > est {
		dir = "under"
	}
	stats := "ANALYZE TABLE " + a.tableRef(n)
	if u := a.uses[n]; u != nil {
		cols := append(append(append([]string{}, u.Equal...), u.In...), u.Range...)
		if len(cols) > 0 {
			quoted := make([]string, 0, len(cols))
			for _, c := range dedupe(cols) {
				quoted = append(quoted, dba.QuoteIdentIfNeeded(a.canonical(n, c)))
			}
			if a.in.Plan.Flavor == dba.FlavorMariaDB {
				stats = fmt.Sprintf("ANALYZE TABLE %s PERSISTENT FOR COLUMNS (%s) INDEXES () (histograms for the condition's columns)", a.tableRef(n), strings.Join(quoted, ", "))
			} else {
				stats = fmt.Sprintf("ANALYZE TABLE %s UPDATE HISTOGRAM ON %s (MySQL 8.0+)", a.tableRef(n), strings.Join(quoted, ", "))
			}
		}
	}
	a.add(n, CodeEstimateMismatch, dba.SeverityWarning, a.object(n),
		fmt.Sprintf("%s: estimated %s rows per scan, measured %s", n.Table, count(est), count(act)),
		fmt.Sprintf("the optimizer %sestimated the rows by %sx: plans chosen on wrong numbers (join order, index or scan) can be far from the best", dir, count(math.Round(hi/math.Max(lo, 1)))),
		"refresh the statistics: "+stats)
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, v) }) {
			out = append(out, v)
		}
	}
	return out
}

// examinedVsSent: measured rows read against rows returned. Aggregates
// (GROUP BY, COUNT(*), SUM...) read many rows to return few by design and
// are left out.
func (a *planAdvisor) examinedVsSent() {
	p := a.in.Plan
	if !p.Analyzed || a.aggregates() {
		return
	}
	var examined float64
	seen := false
	p.Root.Walk(func(n, _ *dba.PlanNode) bool {
		if n.IsBaseTable() {
			if r, measured, ok := rowsRead(n); ok && measured {
				examined += r
				seen = true
			}
		}
		return true
	})
	sent, ok := rowsSent(p.Root)
	if !seen || !ok || examined < a.large || examined/math.Max(sent, 1) < ExaminedPerSent {
		return
	}
	a.add(nil, CodeRowsExaminedVsSent, dba.SeverityWarning, "",
		fmt.Sprintf("%s rows examined for about %s returned", count(examined), count(sent)),
		fmt.Sprintf("the statement reads %sx more rows than it returns: most of the work is thrown away", count(math.Round(examined/math.Max(sent, 1)))),
		"the findings above name the steps that read the most; an index that matches the condition (and the ORDER BY, with a LIMIT) reads only the rows returned")
}

var aggregateRE = regexp.MustCompile(`(?i)\b(GROUP\s+BY|COUNT|SUM|AVG|MIN|MAX|GROUP_CONCAT|JSON_ARRAYAGG|JSON_OBJECTAGG|STD|STDDEV|VARIANCE|BIT_AND|BIT_OR|BIT_XOR)\s*\(|\bGROUP\s+BY\b`)

// aggregates reports whether the statement (or, without it, the plan)
// aggregates.
func (a *planAdvisor) aggregates() bool {
	if a.in.SQL != "" {
		return aggregateRE.MatchString(a.in.SQL)
	}
	found := false
	a.in.Plan.Root.Walk(func(n, _ *dba.PlanNode) bool {
		if n.Kind == dba.NodeGroup {
			found = true
		}
		return !found
	})
	return found
}

// rowsSent estimates the rows the statement returns from the measured
// figures of its top step.
func rowsSent(root *dba.PlanNode) (float64, bool) {
	n := root
	for n != nil {
		if n.Actual != nil && n.Actual.Rows != nil && n.Kind != dba.NodeSelect {
			r := *n.Actual.Rows * loops(n)
			if n.Kind == dba.NodeTable && n.Actual.Filtered != nil {
				r = r * *n.Actual.Filtered / 100
			}
			return r, true
		}
		switch {
		case len(n.Children) == 0:
			return 0, false
		case n.Kind == dba.NodeJoin:
			// The rows out of a nested loop are those its last table keeps.
			n = n.Children[len(n.Children)-1]
		default:
			n = n.Children[0]
		}
	}
	return 0, false
}

// count writes a row count readably: 1,234,567 (with up to one decimal
// below 10).
func count(f float64) string {
	if f < 10 && f != math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	if math.Abs(f) < 1e18 {
		return numfmt.Group(int64(math.Round(f)))
	}
	return strconv.FormatFloat(math.Round(f), 'f', 0, 64)
}

func pct(f float64) string {
	switch {
	case f >= 10:
		return strconv.FormatFloat(math.Round(f), 'f', 0, 64)
	case f >= 1:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', 2, 64)
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
