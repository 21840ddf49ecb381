package parse

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// EXPLAIN FORMAT=JSON of MariaDB and MySQL's version 1 come from the same
// design (query_block, table, nested_loop) and grew apart: MySQL wraps
// steps in ordering_operation / grouping_operation and prices them in
// cost_info; MariaDB writes filesort, temporary_table, block-nl-join and,
// under ANALYZE, r_* measurements. One walker reads both, so a key one
// server adds in a later version is reported in the plan's notes rather
// than dropped silently.

type qbParser struct {
	notes          noteSet
	mariadb, mysql int // shape signals, for the flavour
	analyzed       bool
	nodes          int
}

// maxPlanNodes bounds the tree; real plans have at most a few thousand
// nodes (a 61-table join with subqueries).
const maxPlanNodes = 100_000

func parseQueryBlockPlan(root *jvalue) (dba.Plan, error) {
	p := &qbParser{}
	var plan dba.Plan
	plan.Format = dba.PlanJSON
	optimization := ""
	for _, m := range root.obj {
		switch m.key {
		case "query_block":
			if plan.Root != nil {
				p.notes.add("a second top-level query_block was skipped")
				continue
			}
			if m.val.kind != jObj {
				return dba.Plan{}, fmt.Errorf("query_block is not an object")
			}
			plan.Root = p.block(m.val)
		case "query_optimization":
			// MariaDB ANALYZE: time spent optimizing, not executing.
			p.mariadb++
			if t := m.val.get("r_total_time_ms").num(); t != nil {
				p.analyzed = true
				optimization = "optimization: " + trimFloat(*t) + " ms"
			}
		default:
			p.notes.add("skipped unknown top-level key %q", m.key)
		}
	}
	if p.nodes > maxPlanNodes {
		return dba.Plan{}, fmt.Errorf("plan has more than %d nodes", maxPlanNodes)
	}
	if plan.Root == nil {
		return dba.Plan{}, fmt.Errorf("plan JSON has no query_block")
	}
	if optimization != "" {
		plan.Root.Notes = append(plan.Root.Notes, optimization)
	}
	switch {
	case p.mariadb > 0 && p.mysql == 0:
		plan.Flavor = dba.FlavorMariaDB
	case p.mysql > 0 && p.mariadb == 0:
		plan.Flavor = dba.FlavorMySQL
	case p.mysql > p.mariadb:
		plan.Flavor = dba.FlavorMySQL
	case p.mariadb > p.mysql:
		plan.Flavor = dba.FlavorMariaDB
	}
	plan.Analyzed = p.analyzed
	plan.Notes = p.notes.notes
	return plan, nil
}

func (p *qbParser) node(kind dba.NodeKind, label string) *dba.PlanNode {
	p.nodes++
	return &dba.PlanNode{Kind: kind, Label: label}
}

func (p *qbParser) actual(n *dba.PlanNode) *dba.PlanActual {
	p.analyzed = true
	if n.Actual == nil {
		n.Actual = &dba.PlanActual{}
	}
	return n.Actual
}

// block reads a query_block object.
func (p *qbParser) block(v *jvalue) *dba.PlanNode {
	n := p.node(dba.NodeSelect, "SELECT")
	op := ""
	for _, m := range v.obj {
		switch m.key {
		case "select_id":
			if id, err := strconv.Atoi(m.val.str()); err == nil {
				n.SelectID = id
			}
		case "operation":
			// MariaDB: UNION, INTERSECT, EXCEPT for union members.
			p.mariadb++
			op = m.val.str()
		case "cost_info":
			p.mysql++
			n.Cost = m.val.get("query_cost").num()
		case "cost":
			n.Cost = m.val.num()
		case "r_loops":
			p.mariadb++
			p.actual(n).Loops = m.val.num()
		case "r_total_time_ms":
			p.mariadb++
			p.actual(n).TimeMs = m.val.num()
		case "having_condition", "outer_ref_condition", "pseudo_bits_condition", "const_condition", "r_query_time_in_progress_ms":
			p.mariadb++
			if s := m.val.str(); s != "" {
				n.Notes = append(n.Notes, strings.ReplaceAll(m.key, "_", " ")+": "+s)
			}
		case "rows_for_plan", "cost_for_plan", "lateral", "r_unpack_time_ms":
			p.mariadb++
		default:
			if !p.content(m.key, m.val, n) {
				p.unknown(m.key, m.val, n, "query_block")
			}
		}
	}
	switch {
	case n.SelectID > 0 && op != "":
		n.Label = fmt.Sprintf("%s SELECT #%d", op, n.SelectID)
	case n.SelectID > 0:
		n.Label = fmt.Sprintf("SELECT #%d", n.SelectID)
	case op != "":
		n.Label = op + " SELECT"
	}
	return n
}

// content handles the keys that hold further steps, wherever they appear.
// It reports whether key was one of them.
func (p *qbParser) content(key string, val *jvalue, n *dba.PlanNode) bool {
	switch key {
	case "table":
		n.Children = append(n.Children, p.table(val))
	case "nested_loop":
		n.Children = append(n.Children, p.nestedLoop(val, "Nested loop"))
	case "message":
		n.Children = append(n.Children, p.message(val.str()))
	case "range-checked-for-each-record":
		n.Children = append(n.Children, p.rangeChecked(val))
	case "query_block":
		n.Children = append(n.Children, p.block(val))
	case "ordering_operation", "grouping_operation", "duplicates_removal", "windowing", "union_result",
		"intersect_result", "except_result", "recursive_union", "filesort", "read_sorted_file",
		"temporary_table", "window_functions_computation", "buffer_result", "block-nl-join",
		"materialized", "materialized_from_subquery":
		n.Children = append(n.Children, p.op(key, val))
	case "subqueries", "optimized_away_subqueries", "select_list_subqueries", "having_subqueries",
		"order_by_subqueries", "group_by_subqueries", "update_value_subqueries", "attached_subqueries":
		where := subqueryPlace[key]
		if key == "subqueries" {
			p.mariadb++
		} else {
			p.mysql++
		}
		for _, item := range val.arr {
			n.Children = append(n.Children, p.subquery(item, where, key == "optimized_away_subqueries"))
		}
	default:
		return false
	}
	return true
}

var subqueryPlace = map[string]string{
	"optimized_away_subqueries": "optimized away",
	"select_list_subqueries":    "in SELECT list",
	"having_subqueries":         "in HAVING",
	"order_by_subqueries":       "in ORDER BY",
	"group_by_subqueries":       "in GROUP BY",
	"update_value_subqueries":   "in SET",
	"attached_subqueries":       "in condition",
}

// unknown records a key the walker does not know. If it holds further
// steps (an object or array with tables or query blocks), they are still
// shown under an operation node named after the key.
func (p *qbParser) unknown(key string, val *jvalue, n *dba.PlanNode, where string) {
	p.notes.add("skipped unknown key %q in %s", key, where)
	if holdsSteps(val, 0) {
		op := p.node(dba.NodeOperation, key)
		items := []*jvalue{val}
		if val.kind == jArr {
			items = val.arr
		}
		for _, it := range items {
			for _, m := range it.obj {
				p.content(m.key, m.val, op)
			}
		}
		if len(op.Children) > 0 {
			n.Children = append(n.Children, op)
		}
	}
}

func holdsSteps(v *jvalue, depth int) bool {
	if v == nil || depth > 3 {
		return false
	}
	switch v.kind {
	case jObj:
		return v.has("table") || v.has("query_block") || v.has("nested_loop")
	case jArr:
		for _, e := range v.arr {
			if holdsSteps(e, depth+1) {
				return true
			}
		}
	}
	return false
}

func (p *qbParser) nestedLoop(val *jvalue, label string) *dba.PlanNode {
	j := p.node(dba.NodeJoin, label)
	items := val.arr
	if val.kind == jObj {
		items = []*jvalue{val}
	}
	for _, it := range items {
		for _, m := range it.obj {
			if !p.content(m.key, m.val, j) {
				p.unknown(m.key, m.val, j, "nested_loop")
			}
		}
	}
	if len(j.Children) == 1 && label == "Nested loop" {
		p.nodes--
		return j.Children[0]
	}
	return j
}

func (p *qbParser) message(msg string) *dba.PlanNode {
	n := p.node(dba.NodeMessage, msg)
	markMessage(n, msg)
	return n
}

// markMessage flags what a server message means.
func markMessage(n *dba.PlanNode, msg string) {
	l := strings.ToLower(msg)
	switch {
	case strings.Contains(l, "impossible where"), strings.Contains(l, "impossible having"),
		strings.Contains(l, "no matching row"), strings.Contains(l, "no matching min/max row"),
		strings.Contains(l, "impossible on condition"), strings.Contains(l, "zero rows"):
		n.AddFlag(dba.FlagImpossibleWhere)
	case strings.Contains(l, "no tables used"):
		n.AddFlag(dba.FlagNoTables)
	case strings.Contains(l, "optimized away"):
		n.AddFlag(dba.FlagOptimizedAway)
	case strings.Contains(l, "const row not found"):
		n.AddFlag(dba.FlagConstRowNotFound)
	}
}

func (p *qbParser) subquery(item *jvalue, where string, optimizedAway bool) *dba.PlanNode {
	n := p.node(dba.NodeSubquery, "Subquery")
	if optimizedAway {
		n.AddFlag(dba.FlagOptimizedAway)
	}
	var block *dba.PlanNode
	for _, m := range item.obj {
		switch m.key {
		case "dependent":
			if m.val.truthy() {
				n.AddFlag(dba.FlagDependent)
			}
		case "cacheable":
			if m.val.truthy() {
				n.AddFlag(dba.FlagCacheable)
			}
		case "using_temporary_table":
			if m.val.truthy() {
				n.AddFlag(dba.FlagTemporary)
			}
		case "materialization":
			// MariaDB: an IN subquery materialized into a temporary table
			// and probed (index lookup, or partial matching with NULLs).
			p.mariadb++
			n.AddFlag(dba.FlagMaterialized)
			n.AddFlag(dba.FlagTemporary)
			for _, mm := range m.val.obj {
				switch mm.key {
				case "r_strategy":
					n.Notes = append(n.Notes, "materialization strategy: "+mm.val.str())
					p.analyzed = true
				case "r_loops", "r_index_lookups", "r_partial_matches", "r_partial_match_buffer_size", "r_partial_match_array_sizes":
					p.analyzed = true
					n.Notes = append(n.Notes, strings.TrimPrefix(strings.ReplaceAll(mm.key, "_", " "), "r ")+": "+mm.val.str())
				default:
					if !p.content(mm.key, mm.val, n) {
						p.unknown(mm.key, mm.val, n, "materialization")
					}
				}
			}
		case "expression_cache":
			// MariaDB caches the results of correlated subqueries only.
			p.mariadb++
			n.AddFlag(dba.FlagExpressionCache)
			n.AddFlag(dba.FlagDependent)
			ec := m.val
			if s := ec.get("state").str(); s != "" {
				n.Notes = append(n.Notes, "expression cache: "+s)
			}
			if r := ec.get("r_hit_ratio").num(); r != nil {
				n.Notes = append(n.Notes, fmt.Sprintf("expression cache hit ratio: %s%%", trimFloat(*r)))
			}
			if l := ec.get("r_loops").num(); l != nil {
				n.Notes = append(n.Notes, fmt.Sprintf("expression cache lookups: %s", trimFloat(*l)))
			}
			for _, em := range ec.obj {
				switch em.key {
				case "state", "r_hit_ratio", "r_loops":
				default:
					if !p.content(em.key, em.val, n) {
						p.unknown(em.key, em.val, n, "expression_cache")
					}
				}
			}
		default:
			if !p.content(m.key, m.val, n) {
				p.unknown(m.key, m.val, n, "subquery")
			}
		}
	}
	for _, c := range n.Children {
		if c.Kind == dba.NodeSelect && block == nil {
			block = c
		}
	}
	if block != nil {
		n.SelectID = block.SelectID
		// A subquery run more than once per statement depends on the
		// outer row (or cannot be cached).
		if block.Actual != nil && block.Actual.Loops != nil && *block.Actual.Loops > 1 {
			n.AddFlag(dba.FlagDependent)
			n.Notes = append(n.Notes, fmt.Sprintf("executed %s times", trimFloat(*block.Actual.Loops)))
		}
	}
	var parts []string
	if where != "" {
		parts = append(parts, where)
	}
	if n.Has(dba.FlagDependent) {
		parts = append(parts, "dependent")
	}
	label := "Subquery"
	if n.SelectID > 0 {
		label += fmt.Sprintf(" #%d", n.SelectID)
	}
	if len(parts) > 0 {
		label += " (" + strings.Join(parts, "; ") + ")"
	}
	n.Label = label
	return n
}

// op reads a step that wraps others.
func (p *qbParser) op(key string, v *jvalue) *dba.PlanNode {
	switch key {
	case "block-nl-join":
		return p.blockNLJoin(v)
	case "materialized", "materialized_from_subquery":
		return p.materialized(key, v)
	case "duplicates_removal":
		if v.kind == jArr {
			// MariaDB: the tables of a DuplicateWeedout semi-join.
			p.mariadb++
			j := p.nestedLoop(v, "Remove duplicates (semi-join weedout)")
			if j.Kind == dba.NodeJoin {
				j.Kind = dba.NodeDistinct
			}
			j.AddFlag(dba.FlagDuplicateWeedout)
			return j
		}
	}
	var n *dba.PlanNode
	switch key {
	case "ordering_operation":
		p.mysql++
		n = p.node(dba.NodeSort, "ORDER BY")
	case "grouping_operation":
		p.mysql++
		n = p.node(dba.NodeGroup, "GROUP BY")
	case "duplicates_removal":
		n = p.node(dba.NodeDistinct, "Remove duplicates")
	case "windowing":
		p.mysql++
		n = p.node(dba.NodeWindow, "Window functions")
	case "union_result", "intersect_result", "except_result", "recursive_union":
		label := map[string]string{"union_result": "UNION", "intersect_result": "INTERSECT", "except_result": "EXCEPT", "recursive_union": "Recursive UNION"}[key]
		n = p.node(dba.NodeUnion, label)
		if key == "recursive_union" {
			p.mariadb++
			n.AddFlag(dba.FlagRecursive)
		}
	case "filesort":
		p.mariadb++
		n = p.node(dba.NodeSort, "Filesort")
		n.AddFlag(dba.FlagFilesort)
	case "read_sorted_file":
		p.mariadb++
		n = p.node(dba.NodeOperation, "Read sorted file")
	case "temporary_table":
		p.mariadb++
		n = p.node(dba.NodeTemporary, "Temporary table")
		n.AddFlag(dba.FlagTemporary)
	case "window_functions_computation":
		p.mariadb++
		n = p.node(dba.NodeWindow, "Window functions")
	case "buffer_result":
		p.mysql++
		n = p.node(dba.NodeTemporary, "Buffer result")
	}
	for _, m := range v.obj {
		switch m.key {
		case "using_filesort":
			if m.val.truthy() {
				n.AddFlag(dba.FlagFilesort)
			} else if n.Kind == dba.NodeSort {
				n.Notes = append(n.Notes, "rows come in index order: no sort")
			}
		case "using_temporary_table":
			if m.val.truthy() {
				n.AddFlag(dba.FlagTemporary)
			}
		case "cost_info":
			p.mysql++
			for _, cm := range m.val.obj {
				if f := cm.val.num(); f != nil {
					if cm.key == "query_cost" {
						n.Cost = f
					}
					n.Notes = append(n.Notes, strings.ReplaceAll(cm.key, "_", " ")+": "+cm.val.str())
				}
			}
		case "select_id":
			if id, err := strconv.Atoi(m.val.str()); err == nil {
				n.SelectID = id
			}
		case "table_name":
			n.Table = m.val.str()
			if n.Kind == dba.NodeUnion {
				n.Label += " " + n.Table
			}
		case "access_type":
			n.Access = m.val.str()
		case "query_specifications":
			for _, spec := range m.val.arr {
				child := p.unionMember(spec)
				if child != nil {
					n.Children = append(n.Children, child)
				}
			}
		case "sort_key":
			n.Label = "Filesort: " + m.val.str()
		case "windows":
			p.windows(m.val, n)
		case "sorts":
			items := m.val.arr
			if m.val.kind == jObj {
				items = []*jvalue{m.val}
			}
			for _, it := range items {
				for _, sm := range it.obj {
					if !p.content(sm.key, sm.val, n) {
						p.unknown(sm.key, sm.val, n, key+".sorts")
					}
				}
			}
		case "r_loops":
			p.actual(n).Loops = m.val.num()
		case "r_total_time_ms":
			p.actual(n).TimeMs = m.val.num()
		case "r_rows", "r_output_rows":
			p.actual(n).Rows = m.val.num()
		case "r_limit":
			n.Notes = append(n.Notes, "limit: "+m.val.str())
			p.analyzed = true
		case "r_used_priority_queue":
			p.analyzed = true
			if m.val.truthy() {
				n.AddFlag(dba.FlagPriorityQueue)
			}
		case "r_sort_passes":
			p.analyzed = true
			if f := m.val.num(); f != nil && *f > 0 {
				n.AddFlag(dba.FlagSortOnDisk)
				n.Notes = append(n.Notes, fmt.Sprintf("merge passes: %s (the sort spilled to temporary files)", trimFloat(*f)))
			}
		case "r_buffer_size", "r_sort_mode", "buffering", "frame_buffer":
			if s := m.val.str(); s != "" {
				n.Notes = append(n.Notes, strings.TrimPrefix(strings.ReplaceAll(m.key, "_", " "), "r ")+": "+s)
			}
		case "r_filling_time_ms", "r_unpack_time_ms", "dependent", "cacheable":
		default:
			if !p.content(m.key, m.val, n) {
				p.unknown(m.key, m.val, n, key)
			}
		}
	}
	if n.Kind == dba.NodeSort && n.Has(dba.FlagFilesort) && n.Label == "ORDER BY" {
		n.Label = "ORDER BY (filesort)"
	}
	if n.Kind == dba.NodeGroup {
		switch {
		case n.Has(dba.FlagTemporary) && n.Has(dba.FlagFilesort):
			n.Label = "GROUP BY (temporary table, filesort)"
		case n.Has(dba.FlagTemporary):
			n.Label = "GROUP BY (temporary table)"
		case n.Has(dba.FlagFilesort):
			n.Label = "GROUP BY (filesort)"
		}
	}
	return n
}

// unionMember reads one query_specifications item: a query_block, plain
// (MariaDB) or with dependent/cacheable (MySQL).
func (p *qbParser) unionMember(spec *jvalue) *dba.PlanNode {
	var block *dba.PlanNode
	var flags []dba.PlanFlag
	for _, m := range spec.obj {
		switch m.key {
		case "query_block":
			block = p.block(m.val)
		case "dependent":
			p.mysql++
			if m.val.truthy() {
				flags = append(flags, dba.FlagDependent)
			}
		case "cacheable":
			if m.val.truthy() {
				flags = append(flags, dba.FlagCacheable)
			}
		default:
			p.notes.add("skipped unknown key %q in query_specifications", m.key)
		}
	}
	if block != nil {
		for _, f := range flags {
			if f == dba.FlagDependent {
				block.AddFlag(f)
			}
		}
	}
	return block
}

func (p *qbParser) windows(v *jvalue, n *dba.PlanNode) {
	for _, w := range v.arr {
		name := w.get("name").str()
		var parts []string
		if fs := w.get("functions").strs(); len(fs) > 0 {
			parts = append(parts, "functions "+strings.Join(fs, ", "))
		}
		if w.get("using_filesort").truthy() {
			n.AddFlag(dba.FlagFilesort)
			key := strings.Join(w.get("filesort_key").strs(), ", ")
			parts = append(parts, "sorted by "+key)
		}
		if w.get("using_temporary_table").truthy() {
			n.AddFlag(dba.FlagTemporary)
			parts = append(parts, "temporary table")
		}
		if fb := w.get("frame_buffer"); fb != nil {
			parts = append(parts, "frame buffer")
		}
		if name == "" {
			name = "window"
		}
		n.Notes = append(n.Notes, name+": "+strings.Join(parts, "; "))
	}
}

func (p *qbParser) materialized(key string, v *jvalue) *dba.PlanNode {
	n := p.node(dba.NodeMaterialize, "Materialize")
	n.AddFlag(dba.FlagMaterialized)
	if key == "materialized_from_subquery" {
		p.mysql++
	} else {
		p.mariadb++
	}
	for _, m := range v.obj {
		switch m.key {
		case "unique":
			if m.val.truthy() {
				n.Label = "Materialize with deduplication"
			}
		case "lateral":
			if m.val.truthy() {
				n.AddFlag(dba.FlagLateral)
				n.Label = "Materialize lateral (per outer row)"
			}
		case "using_temporary_table":
			if m.val.truthy() {
				n.AddFlag(dba.FlagTemporary)
			}
		case "dependent":
			if m.val.truthy() {
				n.AddFlag(dba.FlagDependent)
			}
		case "cacheable":
			if m.val.truthy() {
				n.AddFlag(dba.FlagCacheable)
			}
		default:
			if !p.content(m.key, m.val, n) {
				p.unknown(m.key, m.val, n, key)
			}
		}
	}
	return n
}

// rangeChecked reads MariaDB's wrapper for a table whose access is chosen
// again for every row of the tables before it.
func (p *qbParser) rangeChecked(v *jvalue) *dba.PlanNode {
	p.mariadb++
	var t *dba.PlanNode
	if tv := v.get("table"); tv != nil {
		t = p.table(tv)
	} else {
		t = p.node(dba.NodeOperation, "Range checked for each record")
	}
	t.AddFlag(dba.FlagRangeCheckedPerRow)
	for _, m := range v.obj {
		switch m.key {
		case "table":
		case "keys":
			t.Notes = append(t.Notes, "range checked for each record on keys "+strings.Join(m.val.strs(), ", "))
		case "r_keys":
			p.analyzed = true
			var parts []string
			for _, rm := range m.val.obj {
				switch rm.val.kind {
				case jObj:
					for _, km := range rm.val.obj {
						parts = append(parts, rm.key+" "+km.key+": "+km.val.str())
					}
				default:
					parts = append(parts, rm.key+": "+rm.val.str())
				}
			}
			t.Notes = append(t.Notes, "access chosen per record: "+strings.Join(parts, ", "))
		default:
			p.unknown(m.key, m.val, t, "range-checked-for-each-record")
		}
	}
	return t
}

// blockNLJoin reads MariaDB's join buffer wrapper: its table, buffer and
// join condition become the table node's.
func (p *qbParser) blockNLJoin(v *jvalue) *dba.PlanNode {
	p.mariadb++
	var t *dba.PlanNode
	if tv := v.get("table"); tv != nil {
		t = p.table(tv)
	} else {
		t = p.node(dba.NodeOperation, "Join buffer")
	}
	t.AddFlag(dba.FlagJoinBuffer)
	var buf []string
	for _, m := range v.obj {
		switch m.key {
		case "table":
		case "buffer_type", "buffer_size", "mrr_type":
			buf = append(buf, m.val.str())
		case "join_type":
			jt := m.val.str()
			buf = append(buf, jt)
			if strings.HasSuffix(jt, "H") {
				t.AddFlag(dba.FlagHashJoin)
			}
		case "attached_condition":
			t.Condition = joinConditions(t.Condition, m.val.str())
			t.AddFlag(dba.FlagUsingWhere)
		case "r_filtered":
			a := p.actual(t)
			if a.Filtered == nil {
				a.Filtered = m.val.num()
			} else if f := m.val.num(); f != nil {
				// The buffer's condition filters again after the table's.
				a.Filtered = fptr(*a.Filtered * *f / 100)
			}
		case "r_other_time_ms", "r_unpack_time_ms":
			// Time spent checking the join condition against the buffer.
			if f := m.val.num(); f != nil {
				a := p.actual(t)
				a.TimeMs = fptr(*f + valueOr(a.TimeMs))
			}
		case "r_loops", "r_effective_rows":
			p.analyzed = true
		default:
			if !p.content(m.key, m.val, t) {
				p.unknown(m.key, m.val, t, "block-nl-join")
			}
		}
	}
	t.Notes = append(t.Notes, "join buffer: "+strings.Join(buf, ", "))
	return t
}

func valueOr(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

func joinConditions(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") and (" + b + ")"
}

// table reads a table object.
func (p *qbParser) table(v *jvalue) *dba.PlanNode {
	if v.kind != jObj {
		p.notes.add("skipped a table that is not an object")
		return p.node(dba.NodeOperation, "table")
	}
	if !v.has("table_name") && v.has("message") && !v.has("access_type") {
		return p.message(v.get("message").str())
	}
	n := p.node(dba.NodeTable, "")
	dml := ""
	var timeMs *float64
	addTime := func(f *float64) {
		if f == nil {
			return
		}
		if timeMs == nil {
			timeMs = fptr(0)
		}
		*timeMs += *f
	}
	for _, m := range v.obj {
		switch m.key {
		case "table_name":
			n.Table = m.val.str()
		case "access_type":
			n.Access = m.val.str()
		case "possible_keys":
			n.PossibleKeys = m.val.strs()
		case "key":
			n.Key = m.val.str()
		case "key_length":
			n.KeyLength = m.val.str()
		case "used_key_parts":
			n.KeyParts = m.val.strs()
		case "ref":
			n.Ref = m.val.strs()
		case "rows", "rows_examined_per_scan":
			if m.key == "rows_examined_per_scan" {
				p.mysql++
			}
			n.Rows = m.val.num()
		case "rows_produced_per_join":
			n.RowsProduced = m.val.num()
		case "filtered":
			if m.val.kind == jStr {
				p.mysql++
			}
			n.Filtered = m.val.num()
		case "cost_info":
			p.mysql++
			if c := m.val.get("prefix_cost").num(); c != nil {
				n.Cost = c
			}
			if rc := m.val.get("read_cost").str(); rc != "" {
				n.Notes = append(n.Notes, "read cost: "+rc)
			}
		case "cost":
			n.Cost = m.val.num()
		case "partitions":
			n.Notes = append(n.Notes, "partitions: "+strings.Join(m.val.strs(), ","))
		case "attached_condition":
			n.Condition = joinConditions(n.Condition, m.val.str())
			n.AddFlag(dba.FlagUsingWhere)
		case "index_condition", "index_condition_bka":
			n.IndexCondition = m.val.str()
			n.AddFlag(dba.FlagIndexCondition)
		case "using_index":
			if m.val.truthy() {
				n.AddFlag(dba.FlagCoveringIndex)
			}
		case "using_index_for_group_by":
			if m.val.truthy() || m.val.kind == jStr {
				n.AddFlag(dba.FlagIndexForGroupBy)
			}
		case "using_index_for_skip_scan":
			if m.val.truthy() {
				n.AddFlag(dba.FlagSkipScan)
			}
		case "using_join_buffer":
			p.mysql++
			jb := m.val.str()
			n.AddFlag(dba.FlagJoinBuffer)
			if strings.Contains(strings.ToLower(jb), "hash") {
				n.AddFlag(dba.FlagHashJoin)
			}
			n.Notes = append(n.Notes, "join buffer: "+jb)
		case "using_MRR", "using_mrr":
			if m.val.truthy() {
				n.AddFlag(dba.FlagMRR)
			}
		case "range_checked_for_each_record", "range-checked-for-each-record":
			n.AddFlag(dba.FlagRangeCheckedPerRow)
			if ks := m.val.get("keys").strs(); len(ks) > 0 {
				n.Notes = append(n.Notes, "range checked for each record on keys "+strings.Join(ks, ", "))
			} else if s := m.val.str(); s != "" {
				n.Notes = append(n.Notes, "range checked for each record: "+s)
			}
		case "distinct":
			if m.val.truthy() {
				n.AddFlag(dba.FlagDistinct)
			}
		case "not_exists":
			if m.val.truthy() {
				n.AddFlag(dba.FlagNotExists)
			}
		case "first_match":
			n.AddFlag(dba.FlagFirstMatch)
			if s := m.val.str(); s != "" && s != "true" {
				n.Notes = append(n.Notes, "first match: "+s)
			}
		case "loose_scan", "loosescan":
			if m.val.truthy() || m.val.kind == jStr {
				n.AddFlag(dba.FlagLooseScan)
			}
		case "start_temporary", "end_temporary":
			n.AddFlag(dba.FlagDuplicateWeedout)
		case "backward_index_scan":
			if m.val.truthy() {
				n.AddFlag(dba.FlagBackward)
			}
		case "const_row_not_found":
			if m.val.truthy() {
				n.AddFlag(dba.FlagConstRowNotFound)
			}
		case "message":
			if s := m.val.str(); s != "" {
				n.Notes = append(n.Notes, s)
				markMessage(n, s)
			}
		case "insert", "update", "delete", "replace":
			if m.val.truthy() {
				dml = m.key
			}
		case "recursive":
			if m.val.truthy() {
				n.AddFlag(dba.FlagRecursive)
			}
		case "rowid_filter":
			p.mariadb++
			p.rowidFilter(m.val, n)
		case "index_merge":
			p.mariadb++
			n.AddFlag(dba.FlagIndexMerge)
			n.Notes = append(n.Notes, "index merge: "+indexMergeText(m.val))
		case "r_loops":
			p.mariadb++
			p.actual(n).Loops = m.val.num()
		case "r_rows":
			p.mariadb++
			p.actual(n).Rows = m.val.num()
		case "r_table_time_ms", "r_other_time_ms", "r_total_time_ms":
			p.mariadb++
			p.actual(n)
			addTime(m.val.num())
		case "r_filtered":
			p.mariadb++
			p.actual(n).Filtered = m.val.num()
		case "r_engine_stats":
			p.mariadb++
			a := p.actual(n)
			for _, em := range m.val.obj {
				if f := em.val.num(); f != nil {
					if a.EngineStats == nil {
						a.EngineStats = map[string]float64{}
					}
					a.EngineStats[em.key] = *f
				}
			}
		case "r_icp_filtered":
			p.mariadb++
			if f := m.val.num(); f != nil {
				n.Notes = append(n.Notes, fmt.Sprintf("index condition kept %s%% of index entries", trimFloat(*f)))
			}
		case "used_columns", "loops", "rows_for_plan", "cost_for_plan", "r_unpack_time_ms", "skip_open_table",
			"scanned_databases", "open_full_table", "open_frm_only", "dependent", "cacheable", "using_temporary_table",
			"partial_update_columns", "pushed_join", "r_index_merge":
		default:
			if !p.content(m.key, m.val, n) {
				p.unknown(m.key, m.val, n, "table")
			}
		}
	}
	if timeMs != nil {
		n.Actual.TimeMs = timeMs
	}
	if strings.HasPrefix(n.Access, "hash_") {
		n.AddFlag(dba.FlagHashJoin)
	}
	if (n.Access == "ALL" || n.Access == "index" || n.Access == "hash_ALL" || n.Access == "hash_index") && !strings.HasPrefix(n.Table, "<") {
		n.AddFlag(dba.FlagFullScan)
	}
	if n.Access == "index_merge" {
		n.AddFlag(dba.FlagIndexMerge)
	}
	switch dml {
	case "insert":
		n.Label = "Insert into " + n.Table
	case "replace":
		n.Label = "Replace into " + n.Table
	case "update":
		n.Label = "Update " + n.Table
	case "delete":
		n.Label = "Delete from " + n.Table
	default:
		n.Label = n.Table
	}
	return n
}

func (p *qbParser) rowidFilter(v *jvalue, n *dba.PlanNode) {
	n.AddFlag(dba.FlagRowidFilter)
	key := v.get("range").get("key").str()
	if key == "" {
		key = v.get("key").str()
	}
	text := "rowid filter on " + key
	if s := v.get("selectivity_pct").num(); s != nil {
		text += fmt.Sprintf(", estimated selectivity %s%%", trimFloat(*s))
	}
	if s := v.get("r_selectivity_pct").num(); s != nil {
		p.analyzed = true
		text += fmt.Sprintf(", measured %s%%", trimFloat(*s))
	}
	n.Notes = append(n.Notes, text)
}

// indexMergeText writes MariaDB's nested index_merge object as
// sort_union(intersect(a, b), c).
func indexMergeText(v *jvalue) string {
	var walk func(v *jvalue, depth int) string
	walk = func(v *jvalue, depth int) string {
		if v == nil || depth > 16 {
			return ""
		}
		var parts []string
		for _, m := range v.obj {
			switch m.key {
			case "range":
				parts = append(parts, m.val.get("key").str())
			case "union", "sort_union", "intersect", "sort_intersect":
				items := m.val.arr
				if m.val.kind == jObj {
					items = []*jvalue{m.val}
				}
				var inner []string
				for _, it := range items {
					if s := walk(it, depth+1); s != "" {
						inner = append(inner, s)
					}
				}
				parts = append(parts, m.key+"("+strings.Join(inner, ", ")+")")
			}
		}
		return strings.Join(parts, ", ")
	}
	return walk(v, 0)
}

// trimFloat prints a float without trailing zeros.
func trimFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
