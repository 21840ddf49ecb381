package parse

import (
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// MySQL's TREE format and its version-2 JSON describe each step (an
// iterator of the executor) by one line of English, "Index lookup on o
// using idx_orders_customer (customer_id = c.id)". describeOperation reads
// those lines into node kind, table, access type, key and flags. The
// spellings are those of mysql-server sql/join_optimizer/explain_access_path.cc
// (8.0.18 to 9.x).

type opRule struct {
	prefix string
	apply  func(n *dba.PlanNode, rest string)
}

var opRules = []opRule{
	{"Sort-deduplicate by row ID", indexMergeOp},
	{"Intersect rows sorted by row ID", indexMergeOp},
	{"Deduplicate rows sorted by row ID", indexMergeOp},
	{"Table scan on ", func(n *dba.PlanNode, r string) { tableAccess(n, r, "ALL") }},
	{"Covering index scan on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "index")
		n.AddFlag(dba.FlagCoveringIndex)
	}},
	{"Index scan on ", func(n *dba.PlanNode, r string) { tableAccess(n, r, "index") }},
	{"Covering index range scan on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "range")
		n.AddFlag(dba.FlagCoveringIndex)
	}},
	{"Index range scan on ", func(n *dba.PlanNode, r string) { tableAccess(n, r, "range") }},
	{"Covering index skip scan for grouping on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "range")
		n.AddFlag(dba.FlagCoveringIndex)
		n.AddFlag(dba.FlagIndexForGroupBy)
	}},
	{"Index skip scan for grouping on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "range")
		n.AddFlag(dba.FlagIndexForGroupBy)
	}},
	{"Covering index skip scan for deduplication on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "range")
		n.AddFlag(dba.FlagCoveringIndex)
		n.AddFlag(dba.FlagIndexForGroupBy)
	}},
	{"Covering index skip scan on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "range")
		n.AddFlag(dba.FlagCoveringIndex)
		n.AddFlag(dba.FlagSkipScan)
	}},
	{"Index skip scan on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "range")
		n.AddFlag(dba.FlagSkipScan)
	}},
	{"Single-row covering index lookup on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "eq_ref")
		n.AddFlag(dba.FlagCoveringIndex)
	}},
	{"Single-row index lookup on ", func(n *dba.PlanNode, r string) { tableAccess(n, r, "eq_ref") }},
	{"Covering index lookup on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "ref")
		n.AddFlag(dba.FlagCoveringIndex)
	}},
	{"Index lookup on ", func(n *dba.PlanNode, r string) { tableAccess(n, r, "ref") }},
	{"Constant row from ", func(n *dba.PlanNode, r string) { tableAccess(n, r, "const") }},
	{"Full-text index search on ", func(n *dba.PlanNode, r string) { tableAccess(n, r, "fulltext") }},
	{"Multi-range index scan on ", func(n *dba.PlanNode, r string) {
		tableAccess(n, r, "range")
		n.AddFlag(dba.FlagMRR)
	}},
	{"Filter: ", func(n *dba.PlanNode, r string) {
		n.Kind = dba.NodeFilter
		n.Condition = r
	}},
	{"Zero rows", func(n *dba.PlanNode, _ string) {
		n.Kind = dba.NodeMessage
		n.AddFlag(dba.FlagImpossibleWhere)
	}},
	{"Zero input rows", func(n *dba.PlanNode, _ string) {
		n.Kind = dba.NodeMessage
		n.AddFlag(dba.FlagImpossibleWhere)
	}},
	{"Rows fetched before execution", func(n *dba.PlanNode, _ string) {
		n.Kind = dba.NodeOperation
		n.Access = "const"
	}},
	{"Nested loop ", joinOp},
	{"Inner hash join", hashJoinOp},
	{"Left hash join", hashJoinOp},
	{"Hash semijoin", hashJoinOp},
	{"Hash antijoin", hashJoinOp},
	{"Full outer hash join", hashJoinOp},
	{"Hash left semijoin", hashJoinOp},
	{"Batched key access ", func(n *dba.PlanNode, r string) {
		joinOp(n, r)
		n.AddFlag(dba.FlagJoinBuffer)
	}},
	{"Sort row IDs", sortOp},
	{"Sort with duplicate removal", func(n *dba.PlanNode, r string) {
		sortOp(n, r)
		n.AddFlag(dba.FlagDistinct)
	}},
	{"Sort", sortOp},
	{"Aggregate using temporary table", func(n *dba.PlanNode, _ string) {
		n.Kind = dba.NodeGroup
		n.AddFlag(dba.FlagTemporary)
	}},
	{"Group aggregate", func(n *dba.PlanNode, _ string) { n.Kind = dba.NodeGroup }},
	{"Group (no aggregates)", func(n *dba.PlanNode, _ string) { n.Kind = dba.NodeGroup }},
	{"Aggregate", func(n *dba.PlanNode, _ string) { n.Kind = dba.NodeGroup }},
	{"Temporary table", func(n *dba.PlanNode, _ string) {
		n.Kind = dba.NodeTemporary
		n.AddFlag(dba.FlagTemporary)
	}},
	{"Union ", unionOp},
	{"Intersect materialize", unionOp},
	{"Except materialize", unionOp},
	{"Append", unionOp},
	{"Materialize", func(n *dba.PlanNode, r string) {
		n.Kind = dba.NodeMaterialize
		n.AddFlag(dba.FlagMaterialized)
		n.AddFlag(dba.FlagTemporary)
		if strings.Contains(r, "recursive") {
			n.AddFlag(dba.FlagRecursive)
		}
		if strings.Contains(r, "invalidate on row from") {
			n.AddFlag(dba.FlagLateral)
		}
	}},
	{"Limit", func(n *dba.PlanNode, _ string) { n.Kind = dba.NodeLimit }},
	{"Window ", func(n *dba.PlanNode, _ string) { n.Kind = dba.NodeWindow }},
	{"Remove duplicates", func(n *dba.PlanNode, _ string) { n.Kind = dba.NodeDistinct }},
	{"Remove duplicate ", func(n *dba.PlanNode, _ string) {
		n.Kind = dba.NodeDistinct
		n.AddFlag(dba.FlagDuplicateWeedout)
		n.AddFlag(dba.FlagTemporary)
	}},
	{"Deduplicate", func(n *dba.PlanNode, _ string) { n.Kind = dba.NodeDistinct }},
	{"Select #", subqueryOp},
	{"Insert into ", dmlOp},
	{"Replace into ", dmlOp},
	{"Update ", dmlOp},
	{"Delete from ", dmlOp},
	{"<not executable by iterator executor>", func(n *dba.PlanNode, _ string) {
		n.Kind = dba.NodeMessage
		n.AddFlag(dba.FlagNotExecutableByIter)
	}},
}

// describeOperation fills kind, table, access and flags from an
// operation's text. Unknown operations stay NodeOperation.
func describeOperation(n *dba.PlanNode, op string) {
	n.Label = op
	if n.Kind == "" {
		n.Kind = dba.NodeOperation
	}
	for _, r := range opRules {
		if rest, ok := strings.CutPrefix(op, r.prefix); ok {
			r.apply(n, rest)
			break
		}
	}
	if strings.HasSuffix(op, "(reverse)") || strings.Contains(op, " (reverse) ") {
		n.AddFlag(dba.FlagBackward)
	}
}

// tableAccess reads "t using key (lookup) over (ranges)" after an access
// phrase.
func tableAccess(n *dba.PlanNode, rest, access string) {
	n.Kind = dba.NodeTable
	n.Access = access
	name, after := rest, ""
	if i := strings.Index(rest, " using "); i >= 0 {
		name, after = rest[:i], rest[i+len(" using "):]
	} else if i := strings.Index(rest, " ("); i >= 0 {
		name, after = rest[:i], rest[i:]
	}
	n.Table = unquoteName(strings.TrimSpace(name))
	if strings.Contains(rest, "(re-planned for each iteration)") {
		n.AddFlag(dba.FlagRangeCheckedPerRow)
	}
	if after != "" && strings.Contains(rest, " using ") {
		key := after
		if i := strings.IndexAny(key, " ("); i >= 0 {
			key = key[:i]
		}
		n.Key = unquoteName(key)
		after = strings.TrimSpace(after[len(key):])
	}
	// The lookup condition: "(customer_id = c.id)"; its right-hand sides
	// are what the key is compared with.
	if strings.HasPrefix(after, "(") && (access == "ref" || access == "eq_ref" || access == "fulltext") {
		if cond, ok := parenthesized(after); ok {
			n.Notes = append(n.Notes, "lookup: "+cond)
			for _, part := range strings.Split(cond, ", ") {
				if _, rhs, ok := strings.Cut(part, "="); ok {
					n.Ref = append(n.Ref, strings.TrimSpace(rhs))
				}
			}
		}
	}
	if i := strings.Index(rest, " over ("); i >= 0 {
		if r, ok := parenthesized(rest[i+len(" over "):]); ok {
			n.Notes = append(n.Notes, "ranges: "+r)
		}
	}
	if access == "ALL" || access == "index" {
		if !strings.HasPrefix(n.Table, "<") {
			n.AddFlag(dba.FlagFullScan)
		}
	}
}

// parenthesized returns the text inside the parentheses s starts with.
func parenthesized(s string) (string, bool) {
	if !strings.HasPrefix(s, "(") {
		return "", false
	}
	depth, quote := 0, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			switch c {
			case '\\':
				i++
			case quote:
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"', '`':
			quote = c
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[1:i], true
			}
		}
	}
	return "", false
}

func unquoteName(s string) string {
	if len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' {
		return strings.ReplaceAll(s[1:len(s)-1], "``", "`")
	}
	return s
}

func indexMergeOp(n *dba.PlanNode, _ string) {
	n.Kind = dba.NodeOperation
	n.Access = "index_merge"
	n.AddFlag(dba.FlagIndexMerge)
}

func joinOp(n *dba.PlanNode, rest string) {
	n.Kind = dba.NodeJoin
	switch {
	case strings.Contains(rest, "FirstMatch"):
		n.AddFlag(dba.FlagFirstMatch)
	case strings.Contains(rest, "LooseScan"):
		n.AddFlag(dba.FlagLooseScan)
	}
}

func hashJoinOp(n *dba.PlanNode, rest string) {
	n.Kind = dba.NodeJoin
	n.AddFlag(dba.FlagHashJoin)
	if c, ok := parenthesized(strings.TrimSpace(rest)); ok {
		n.Condition = c
	}
}

func sortOp(n *dba.PlanNode, _ string) {
	n.Kind = dba.NodeSort
	n.AddFlag(dba.FlagFilesort)
}

func unionOp(n *dba.PlanNode, _ string) {
	n.Kind = dba.NodeUnion
	n.AddFlag(dba.FlagTemporary)
	if strings.HasPrefix(n.Label, "Append") {
		n.Flags = nil
	}
}

// subqueryOp reads "Select #2 (subquery in condition; dependent)".
func subqueryOp(n *dba.PlanNode, rest string) {
	n.Kind = dba.NodeSubquery
	num := rest
	if i := strings.IndexByte(rest, ' '); i >= 0 {
		num = rest[:i]
	}
	if id, err := strconv.Atoi(num); err == nil {
		n.SelectID = id
	}
	switch {
	case strings.Contains(rest, "dependent"):
		n.AddFlag(dba.FlagDependent)
	case strings.Contains(rest, "run only once"):
		n.AddFlag(dba.FlagCacheable)
	}
}

func dmlOp(n *dba.PlanNode, rest string) {
	n.Kind = dba.NodeDML
	name := rest
	if i := strings.IndexAny(name, " ,("); i >= 0 {
		name = name[:i]
	}
	n.Table = unquoteName(name)
}
