package parse

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// MySQL 8.3 added a second JSON format (explain_json_format_version=2,
// the default from 9.5): the executor's access paths as nested objects,
// each with "operation" (the TREE format's text), "access_type" and its
// "inputs". EXPLAIN ANALYZE FORMAT=JSON adds actual_rows, actual_loops,
// actual_first_row_ms and actual_last_row_ms. The plan may sit under
// "query_plan" or, for EXPLAIN ANALYZE, at the top level.

type v2Parser struct {
	notes noteSet
	nodes int
}

func parseJSONv2Plan(root *jvalue) (dba.Plan, error) {
	p := &v2Parser{}
	plan := dba.Plan{Format: dba.PlanJSONv2, Flavor: dba.FlavorMySQL}
	plan.Query = root.get("query").str()
	top := root
	if qp := root.get("query_plan"); qp != nil {
		if qp.kind != jObj {
			return dba.Plan{}, fmt.Errorf("query_plan is not an object")
		}
		top = qp
		for _, m := range root.obj {
			switch m.key {
			case "query", "query_plan", "query_type", "json_schema_version":
			default:
				p.notes.add("skipped unknown top-level key %q", m.key)
			}
		}
	}
	if v := root.get("json_schema_version").str(); v != "" && !strings.HasPrefix(v, "2.") {
		p.notes.add("json_schema_version %q: read as version 2", v)
	}
	if !top.has("operation") && !top.has("access_type") {
		return dba.Plan{}, fmt.Errorf("version 2 plan has no operation at its root")
	}
	n, err := p.node(top, 0)
	if err != nil {
		return dba.Plan{}, err
	}
	plan.Root = n
	plan.Notes = p.notes.notes
	return plan, nil
}

func (p *v2Parser) node(v *jvalue, depth int) (*dba.PlanNode, error) {
	if depth > maxPlanDepth {
		return nil, errTooDeep
	}
	p.nodes++
	if p.nodes > maxPlanNodes {
		return nil, fmt.Errorf("plan has more than %d nodes", maxPlanNodes)
	}
	n := &dba.PlanNode{}
	describeOperation(n, v.get("operation").str())
	var actual dba.PlanActual
	hasActual := false
	var lastRow *float64
	indexAccess := ""
	for _, m := range v.obj {
		switch m.key {
		case "operation", "query", "query_type", "json_schema_version", "heading", "subquery", "subquery_location":
		case "access_type":
			p.accessType(n, m.val.str())
		case "index_access_type":
			indexAccess = m.val.str()
		case "table_name":
			n.TableName = m.val.str()
		case "alias":
			n.Table = m.val.str()
		case "schema_name":
			n.Schema = m.val.str()
		case "index_name":
			n.Key = m.val.str()
		case "key_columns":
			n.KeyParts = m.val.strs()
		case "lookup_references":
			n.Ref = m.val.strs()
		case "lookup_condition":
			if s := m.val.str(); s != "" && !slices.Contains(n.Notes, "lookup: "+s) {
				n.Notes = append(n.Notes, "lookup: "+s)
			}
		case "ranges":
			if rs := m.val.strs(); len(rs) > 0 && !hasNotePrefix(n.Notes, "ranges: ") {
				n.Notes = append(n.Notes, "ranges: "+strings.Join(rs, ", "))
			}
		case "covering":
			if m.val.truthy() {
				n.AddFlag(dba.FlagCoveringIndex)
			}
		case "reverse":
			if m.val.truthy() {
				n.AddFlag(dba.FlagBackward)
			}
		case "condition", "hash_condition", "extra_condition", "join_condition":
			if s := joinStrs(m.val); s != "" && !strings.Contains(n.Condition, s) {
				n.Condition = joinConditions(n.Condition, s)
			}
		case "pushed_index_condition", "index_condition":
			n.IndexCondition = m.val.str()
			n.AddFlag(dba.FlagIndexCondition)
		case "estimated_rows":
			n.Rows = m.val.num()
		case "estimated_total_cost":
			n.Cost = m.val.num()
		case "actual_rows":
			actual.Rows, hasActual = m.val.num(), true
		case "actual_loops":
			actual.Loops, hasActual = m.val.num(), true
		case "actual_first_row_ms":
			actual.FirstRowMs, hasActual = m.val.num(), true
		case "actual_last_row_ms":
			lastRow, hasActual = m.val.num(), true
		case "join_type":
			if jt := m.val.str(); jt != "" {
				n.Notes = append(n.Notes, "join type: "+jt)
			}
		case "join_algorithm":
			if strings.Contains(m.val.str(), "hash") {
				n.AddFlag(dba.FlagHashJoin)
			}
		case "semijoin_strategy":
			switch m.val.str() {
			case "firstmatch":
				n.AddFlag(dba.FlagFirstMatch)
			case "loosescan":
				n.AddFlag(dba.FlagLooseScan)
			case "duplicate_weedout", "weedout":
				n.AddFlag(dba.FlagDuplicateWeedout)
			}
		case "sort_fields":
			n.Notes = append(n.Notes, "sort by: "+strings.Join(m.val.strs(), ", "))
		case "functions":
			n.Notes = append(n.Notes, "functions: "+strings.Join(m.val.strs(), ", "))
		case "limit", "limit_offset", "per_chunk_limit", "row_ids":
			n.Notes = append(n.Notes, strings.ReplaceAll(m.key, "_", " ")+": "+m.val.str())
		case "dependent":
			if m.val.truthy() {
				n.AddFlag(dba.FlagDependent)
			}
		case "cacheable":
			if m.val.truthy() {
				n.AddFlag(dba.FlagCacheable)
			}
		case "inputs":
			if err := p.children(m.val, n, depth); err != nil {
				return nil, err
			}
		case "used_columns", "filter_columns", "estimated_first_row_cost", "group_by", "materialized_from_subquery", "temp_table_deduplication", "deduplication", "recursive", "cte", "rollup":
			if m.key == "recursive" && m.val.truthy() {
				n.AddFlag(dba.FlagRecursive)
			}
		default:
			if m.val.kind == jArr && arrayOfOperations(m.val) {
				p.notes.add("read unknown key %q as further inputs", m.key)
				if err := p.children(m.val, n, depth); err != nil {
					return nil, err
				}
				continue
			}
			p.notes.add("skipped unknown key %q", m.key)
		}
	}
	if n.Table == "" {
		n.Table = n.TableName
	}
	if n.TableName == n.Table {
		n.TableName = ""
	}
	if indexAccess != "" {
		switch indexAccess {
		case "index_lookup":
			if n.Access != "eq_ref" && n.Access != "const" {
				n.Access = "ref"
			}
		case "index_range_scan":
			n.Access = "range"
		case "index_scan":
			n.Access = "index"
			n.AddFlag(dba.FlagFullScan)
		case "index_skip_scan", "group_index_skip_scan":
			n.Access = "range"
		case "full_text_search":
			n.Access = "fulltext"
		}
		n.Kind = dba.NodeTable
	}
	if hasActual {
		if lastRow != nil {
			loops := 1.0
			if actual.Loops != nil {
				loops = *actual.Loops
			}
			actual.TimeMs = fptr(*lastRow * loops)
		}
		n.Actual = &actual
	}
	// A subquery's access path carries its heading; it becomes a subquery
	// node above the step, as in the TREE format.
	if h := v.get("heading").str(); h != "" || v.get("subquery").truthy() {
		if h == "" {
			h = "Subquery"
			if loc := v.get("subquery_location").str(); loc != "" {
				h += " (in " + loc + ")"
			}
		}
		sq := &dba.PlanNode{}
		describeOperation(sq, h)
		sq.Kind = dba.NodeSubquery
		sq.Label = h
		for _, f := range []dba.PlanFlag{dba.FlagDependent, dba.FlagCacheable} {
			if n.Has(f) {
				sq.AddFlag(f)
			}
		}
		sq.Children = []*dba.PlanNode{n}
		p.nodes++
		return sq, nil
	}
	return n, nil
}

func (p *v2Parser) children(v *jvalue, n *dba.PlanNode, depth int) error {
	for _, in := range v.arr {
		if in.kind != jObj {
			p.notes.add("skipped an input that is not an object")
			continue
		}
		c, err := p.node(in, depth+1)
		if err != nil {
			return err
		}
		n.Children = append(n.Children, c)
	}
	return nil
}

// accessType maps the version-2 access_type onto the node kind, where the
// operation text did not already say more.
func (p *v2Parser) accessType(n *dba.PlanNode, at string) {
	switch at {
	case "table":
		if n.Kind != dba.NodeTable {
			n.Kind = dba.NodeTable
			n.Access = "ALL"
		}
	case "index":
		n.Kind = dba.NodeTable
	case "filter":
		n.Kind = dba.NodeFilter
	case "join":
		n.Kind = dba.NodeJoin
	case "sort":
		n.Kind = dba.NodeSort
		n.AddFlag(dba.FlagFilesort)
	case "aggregate":
		n.Kind = dba.NodeGroup
	case "temp_table_aggregate":
		n.Kind = dba.NodeGroup
		n.AddFlag(dba.FlagTemporary)
	case "materialize", "materialize_information_schema_table":
		n.Kind = dba.NodeMaterialize
		n.AddFlag(dba.FlagMaterialized)
	case "limit":
		n.Kind = dba.NodeLimit
	case "window":
		n.Kind = dba.NodeWindow
	case "zero_rows", "zero_rows_aggregated":
		n.Kind = dba.NodeMessage
		n.AddFlag(dba.FlagImpossibleWhere)
	case "rows_fetched_before_execution":
		n.Access = "const"
	case "remove_duplicates", "remove_duplicates_on_index", "weedout":
		n.Kind = dba.NodeDistinct
	case "stream", "hash", "append", "alternative", "cache_invalidator", "delete_rows", "update_rows", "fake_single_row", "table_value_constructor", "follow_tail", "index_merge", "rowid_intersection", "rowid_union", "dynamic_index_range_scan", "mrr", "pushed_join_ref", "ref_or_null", "eq_ref", "const_table", "full_text_search", "unqualified_count", "nested_loop_semijoin_with_duplicate_removal", "materialized_table_function", "group_index_skip_scan", "index_skip_scan", "index_distance_scan":
	default:
		p.notes.add("unknown access_type %q", at)
	}
}

func arrayOfOperations(v *jvalue) bool {
	if len(v.arr) == 0 {
		return false
	}
	for _, e := range v.arr {
		if !e.has("operation") {
			return false
		}
	}
	return true
}

func joinStrs(v *jvalue) string {
	return strings.Join(v.strs(), " and ")
}

func hasNotePrefix(notes []string, prefix string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}
