package parse

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// The classic EXPLAIN is flat: one row per table read, grouped by the
// SELECT's id, with <derivedN>, <subqueryN> and <unionA,B> naming the
// blocks they read from. The tree is rebuilt from those references;
// subqueries nothing names hang under the block listed before them.

// tabularColumns are the headers a classic EXPLAIN can have (MySQL 8
// adds partitions and filtered; MariaDB's ANALYZE adds r_rows and
// r_filtered).
var tabularColumns = map[string]bool{
	"id": true, "select_type": true, "table": true, "partitions": true, "type": true, "possible_keys": true,
	"key": true, "key_len": true, "ref": true, "rows": true, "r_rows": true, "filtered": true,
	"r_filtered": true, "extra": true,
}

func parseTabularPlan(text string) (dba.Plan, error) {
	header, rows, err := readTable(text)
	if err != nil {
		return dba.Plan{}, err
	}
	return TabularPlan(header, rows)
}

// TabularPlan builds a plan from classic EXPLAIN rows as a driver returns
// them: header names and cells, nil (or "NULL") for SQL NULL.
func TabularPlan(header []string, rows [][]*string) (dba.Plan, error) {
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if tabularColumns[h] {
			idx[h] = i
		}
	}
	for _, need := range []string{"id", "select_type", "table", "type"} {
		if _, ok := idx[need]; !ok {
			return dba.Plan{}, fmt.Errorf("tabular plan: no %q column in the header (%s); want the columns of EXPLAIN", need, strings.Join(header, ", "))
		}
	}
	if len(rows) == 0 {
		return dba.Plan{}, fmt.Errorf("tabular plan: no rows")
	}
	if len(rows) > maxPlanNodes {
		return dba.Plan{}, fmt.Errorf("tabular plan has more than %d rows", maxPlanNodes)
	}
	cell := func(r []*string, col string) string {
		i, ok := idx[col]
		if !ok || i >= len(r) || r[i] == nil {
			return ""
		}
		v := strings.TrimSpace(*r[i])
		if v == "NULL" {
			return ""
		}
		return v
	}
	plan := dba.Plan{Format: dba.PlanTabular}
	_, hasR := idx["r_rows"]
	_, hasPartitions := idx["partitions"]
	switch {
	case hasR:
		plan.Flavor, plan.Analyzed = dba.FlavorMariaDB, true
	case hasPartitions:
		plan.Flavor = dba.FlavorMySQL
	}

	type block struct {
		id      string
		node    *dba.PlanNode
		tables  []*dba.PlanNode
		refs    []string // block ids this block's tables read from
		used    bool
		firstAt int
	}
	var order []*block
	byID := map[string]*block{}
	anon := 0
	for ri, r := range rows {
		id := cell(r, "id")
		st := cell(r, "select_type")
		if id == "" {
			anon++
			id = fmt.Sprintf("union-result-%d", anon)
		}
		b := byID[id]
		if b == nil {
			b = &block{id: id, node: &dba.PlanNode{Kind: dba.NodeSelect}, firstAt: ri}
			if n, err := strconv.Atoi(id); err == nil {
				b.node.SelectID = n
				b.node.Label = fmt.Sprintf("SELECT #%d", n)
			}
			if st != "" {
				b.node.Label = strings.TrimSpace(b.node.Label + " " + st)
				if strings.HasPrefix(st, "DEPENDENT") {
					b.node.AddFlag(dba.FlagDependent)
				}
				if strings.HasPrefix(st, "UNCACHEABLE") {
					b.node.Notes = append(b.node.Notes, "uncacheable: runs again for every row")
				}
			}
			byID[id] = b
			order = append(order, b)
		}
		t := tabularRow(cell, r, st, &plan)
		b.tables = append(b.tables, t)
		if refs := blockRefs(t.Table); len(refs) > 0 {
			b.refs = append(b.refs, refs...)
		}
	}
	// Link <derivedN>, <subqueryN> and <unionA,B> to their blocks.
	for _, b := range order {
		for _, t := range b.tables {
			for _, ref := range blockRefs(t.Table) {
				rb := byID[ref]
				if rb == nil || rb == b || rb.used {
					continue
				}
				rb.used = true
				switch {
				case strings.HasPrefix(t.Table, "<union"):
					t.Kind = dba.NodeUnion
					t.Label = "UNION RESULT " + t.Table
					t.Children = append(t.Children, blockNode(rb.node, rb.tables))
				default:
					m := &dba.PlanNode{Kind: dba.NodeMaterialize, Label: "Materialize", Flags: []dba.PlanFlag{dba.FlagMaterialized}}
					m.Children = []*dba.PlanNode{blockNode(rb.node, rb.tables)}
					t.Children = append(t.Children, m)
				}
			}
		}
	}
	// The union result (when it is its own block) becomes the root of its
	// members; other unnamed blocks are subqueries of the block listed
	// before them.
	var root *dba.PlanNode
	for i, b := range order {
		if b.used {
			continue
		}
		node := blockNode(b.node, b.tables)
		if len(b.tables) == 1 && b.tables[0].Kind == dba.NodeUnion {
			node = b.tables[0]
		}
		if root == nil {
			root = node
			continue
		}
		parent := blockNode(order[i-1].node, order[i-1].tables)
		sq := &dba.PlanNode{Kind: dba.NodeSubquery, SelectID: b.node.SelectID, Label: fmt.Sprintf("Subquery #%d", b.node.SelectID), Children: []*dba.PlanNode{node}}
		if b.node.Has(dba.FlagDependent) {
			sq.AddFlag(dba.FlagDependent)
			sq.Label += " (dependent)"
		}
		parent.Children = append(parent.Children, sq)
	}
	plan.Root = root
	return plan, nil
}

// blockNode puts a block's tables under it, once: two or more tables are
// a nested loop in the order listed.
func blockNode(b *dba.PlanNode, tables []*dba.PlanNode) *dba.PlanNode {
	if len(b.Children) > 0 {
		return b
	}
	switch len(tables) {
	case 0:
	case 1:
		b.Children = []*dba.PlanNode{tables[0]}
	default:
		b.Children = []*dba.PlanNode{{Kind: dba.NodeJoin, Label: "Nested loop", Children: tables}}
	}
	return b
}

var blockRefRE = regexp.MustCompile(`^<(derived|subquery|union|materialize)([0-9,]+)>$`)

// blockRefs returns the block ids a table name like <derived2> or
// <union1,2> refers to.
func blockRefs(table string) []string {
	m := blockRefRE.FindStringSubmatch(table)
	if m == nil {
		return nil
	}
	var out []string
	for _, id := range strings.Split(m[2], ",") {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

func tabularRow(cell func([]*string, string) string, r []*string, selectType string, plan *dba.Plan) *dba.PlanNode {
	n := &dba.PlanNode{Kind: dba.NodeTable}
	n.Table = cell(r, "table")
	n.Label = n.Table
	n.Access = cell(r, "type")
	if pk := cell(r, "possible_keys"); pk != "" {
		n.PossibleKeys = strings.Split(pk, ",")
	}
	n.Key = cell(r, "key")
	n.KeyLength = cell(r, "key_len")
	if ref := cell(r, "ref"); ref != "" {
		n.Ref = strings.Split(ref, ",")
	}
	n.Rows = parseNum(cell(r, "rows"))
	n.Filtered = parseNum(cell(r, "filtered"))
	if p := cell(r, "partitions"); p != "" {
		n.Notes = append(n.Notes, "partitions: "+p)
	}
	if plan.Analyzed {
		if rr := parseNum(cell(r, "r_rows")); rr != nil {
			n.Actual = &dba.PlanActual{Rows: rr, Filtered: parseNum(cell(r, "r_filtered"))}
		}
	}
	switch selectType {
	case "INSERT", "UPDATE", "DELETE", "REPLACE":
		n.Label = map[string]string{"INSERT": "Insert into ", "UPDATE": "Update ", "DELETE": "Delete from ", "REPLACE": "Replace into "}[selectType] + n.Table
	}
	for _, item := range splitExtra(cell(r, "extra")) {
		extraItem(n, item, plan)
	}
	if n.Table == "" {
		n.Kind = dba.NodeMessage
		if len(n.Notes) > 0 {
			n.Label = n.Notes[0]
			n.Notes = n.Notes[1:]
		} else {
			n.Label = "no table"
		}
	}
	if n.Access == "ALL" || n.Access == "index" {
		if !strings.HasPrefix(n.Table, "<") && n.Table != "" {
			n.AddFlag(dba.FlagFullScan)
		}
	}
	if n.Access == "index_merge" {
		n.AddFlag(dba.FlagIndexMerge)
	}
	if strings.HasPrefix(n.Access, "hash_") {
		n.AddFlag(dba.FlagHashJoin)
	}
	return n
}

// splitExtra splits the Extra column on "; " outside parentheses.
func splitExtra(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ';':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

func extraItem(n *dba.PlanNode, item string, plan *dba.Plan) {
	l := strings.ToLower(item)
	switch {
	case l == "using where" || strings.HasPrefix(l, "using where with pushed condition"):
		n.AddFlag(dba.FlagUsingWhere)
	case l == "using index":
		n.AddFlag(dba.FlagCoveringIndex)
	case l == "using index condition" || strings.HasPrefix(l, "using index condition"):
		n.AddFlag(dba.FlagIndexCondition)
	case l == "using filesort":
		n.AddFlag(dba.FlagFilesort)
	case l == "using temporary":
		n.AddFlag(dba.FlagTemporary)
	case strings.HasPrefix(l, "using join buffer"):
		n.AddFlag(dba.FlagJoinBuffer)
		if strings.Contains(l, "hash") || strings.Contains(l, "bnlh") || strings.Contains(l, "bkah") {
			n.AddFlag(dba.FlagHashJoin)
		}
		if strings.Contains(l, "flat, bnl") || strings.Contains(l, "incremental") {
			plan.Flavor = dba.FlavorMariaDB
		}
		n.Notes = append(n.Notes, item)
	case strings.HasPrefix(l, "using index for group-by"):
		n.AddFlag(dba.FlagIndexForGroupBy)
	case strings.HasPrefix(l, "using index for skip scan"):
		n.AddFlag(dba.FlagSkipScan)
	case strings.HasPrefix(l, "range checked for each record"):
		n.AddFlag(dba.FlagRangeCheckedPerRow)
		n.Notes = append(n.Notes, item)
	case strings.HasPrefix(l, "using rowid filter"):
		n.AddFlag(dba.FlagRowidFilter)
	case strings.HasPrefix(l, "firstmatch"):
		n.AddFlag(dba.FlagFirstMatch)
		n.Notes = append(n.Notes, item)
	case strings.HasPrefix(l, "loosescan"):
		n.AddFlag(dba.FlagLooseScan)
	case l == "start temporary" || l == "end temporary":
		n.AddFlag(dba.FlagDuplicateWeedout)
	case l == "using mrr" || strings.HasPrefix(l, "rowid-ordered scan") || strings.HasPrefix(l, "key-ordered"):
		n.AddFlag(dba.FlagMRR)
	case strings.HasPrefix(l, "using sort_union") || strings.HasPrefix(l, "using union") || strings.HasPrefix(l, "using intersect") || strings.HasPrefix(l, "using sort_intersect"):
		n.AddFlag(dba.FlagIndexMerge)
		n.Notes = append(n.Notes, item)
	case l == "distinct":
		n.AddFlag(dba.FlagDistinct)
	case l == "not exists":
		n.AddFlag(dba.FlagNotExists)
	case l == "backward index scan":
		n.AddFlag(dba.FlagBackward)
	case strings.HasPrefix(l, "materialize") || strings.HasPrefix(l, "scan"):
		n.Notes = append(n.Notes, item)
	default:
		n.Notes = append(n.Notes, item)
		markMessage(n, item)
	}
}

func parseNum(s string) *float64 {
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	return &f
}

// readTable reads a result printed by a client: tab-separated with a
// header line (mysql -B, mysqltest), boxed (the mysql client), or vertical
// (\G).
func readTable(text string) ([]string, [][]*string, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	first := ""
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			first = strings.TrimSpace(l)
			break
		}
	}
	switch {
	case strings.HasPrefix(first, "+-") || strings.HasPrefix(first, "|"):
		return readBoxed(lines)
	case strings.HasPrefix(first, "*****"):
		return readVertical(lines)
	case strings.Contains(first, "\t"):
		return readTSV(lines)
	}
	return nil, nil, fmt.Errorf("not a plan: the text is neither JSON, a FORMAT=TREE tree (\"->\" lines) nor an EXPLAIN table (first line %q)", clip(first, 60))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func readTSV(lines []string) ([]string, [][]*string, error) {
	var header []string
	var rows [][]*string
	for _, l := range lines {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		fields := strings.Split(l, "\t")
		if header == nil {
			header = fields
			continue
		}
		if len(fields) != len(header) {
			// mysqltest prints Warnings: and notes after the result.
			if strings.HasPrefix(l, "Warnings:") || strings.HasPrefix(l, "Note\t") {
				break
			}
			return nil, nil, fmt.Errorf("tabular plan: a row has %d cells, the header %d", len(fields), len(header))
		}
		row := make([]*string, len(fields))
		for i := range fields {
			v := fields[i]
			if v != `\N` {
				row[i] = &v
			}
		}
		rows = append(rows, row)
	}
	return header, rows, nil
}

func readBoxed(lines []string) ([]string, [][]*string, error) {
	var header []string
	var rows [][]*string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "+") {
			continue
		}
		if !strings.HasPrefix(t, "|") {
			// "3 rows in set (0.00 sec)" after the table.
			continue
		}
		t = strings.TrimSuffix(strings.TrimPrefix(t, "|"), "|")
		parts := strings.Split(t, "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if header == nil {
			header = parts
			continue
		}
		if len(parts) != len(header) {
			return nil, nil, fmt.Errorf("tabular plan: a row has %d cells, the header %d (a cell holding \"|\" cannot be read from boxed output; use tab-separated output)", len(parts), len(header))
		}
		row := make([]*string, len(parts))
		for i := range parts {
			v := parts[i]
			row[i] = &v
		}
		rows = append(rows, row)
	}
	return header, rows, nil
}

func readVertical(lines []string) ([]string, [][]*string, error) {
	var header []string
	var rows [][]*string
	var cur map[string]string
	seen := map[string]bool{}
	flush := func() {
		if cur == nil {
			return
		}
		row := make([]*string, len(header))
		for i, h := range header {
			if v, ok := cur[h]; ok {
				v := v
				row[i] = &v
			}
		}
		rows = append(rows, row)
	}
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "*****") {
			flush()
			cur = map[string]string{}
			continue
		}
		if cur == nil {
			continue
		}
		k, v, ok := strings.Cut(t, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if !seen[k] {
			seen[k] = true
			header = append(header, k)
		}
		cur[k] = strings.TrimSpace(v)
	}
	flush()
	return header, rows, nil
}
