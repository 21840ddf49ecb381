package parse

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// DiffPlans compares two plans of the same statement (before and after an
// index, on two servers, on two dates) node by node: tables are matched
// by the name the plan gives them (and their order of appearance when a
// name repeats), other steps by kind and text. Each difference says
// whether it makes the plan better or worse where that is clear.
func DiffPlans(before, after dba.Plan) dba.PlanDiff {
	d := dba.PlanDiff{Before: Summarize(before), After: Summarize(after)}
	bt, at := tableNodes(before), tableNodes(after)
	for _, k := range unionKeys(bt.keys, at.keys) {
		b, a := bt.nodes[k], at.nodes[k]
		switch {
		case a == nil:
			d.Changes = append(d.Changes, dba.PlanChange{Node: b.Table, Field: "removed", Before: describeAccess(b), Verdict: dba.VerdictChanged, BeforeID: b.ID})
		case b == nil:
			d.Changes = append(d.Changes, dba.PlanChange{Node: a.Table, Field: "added", After: describeAccess(a), Verdict: dba.VerdictChanged, AfterID: a.ID})
		default:
			d.Changes = append(d.Changes, diffTable(b, a)...)
		}
	}
	if bo, ao := baseOrder(before), baseOrder(after); !slices.Equal(bo, ao) && sameSet(bo, ao) {
		d.Changes = append(d.Changes, dba.PlanChange{Node: "join order", Field: "join_order", Before: strings.Join(bo, ", "), After: strings.Join(ao, ", "), Verdict: dba.VerdictChanged})
	}
	bo, ao := opNodes(before), opNodes(after)
	for _, k := range unionKeys(bo.keys, ao.keys) {
		b, a := bo.nodes[k], ao.nodes[k]
		switch {
		case a == nil:
			d.Changes = append(d.Changes, dba.PlanChange{Node: b.Label, Field: "removed", Before: string(b.Kind), Verdict: opVerdict(b, true), BeforeID: b.ID})
		case b == nil:
			d.Changes = append(d.Changes, dba.PlanChange{Node: a.Label, Field: "added", After: string(a.Kind), Verdict: opVerdict(a, false), AfterID: a.ID})
		}
	}
	if c, ok := compareFigure("(statement)", "cost", before.Cost, after.Cost, 0.10, 0, 0, 0); ok {
		d.Changes = append(d.Changes, c)
	}
	if c, ok := compareFigure("(statement)", "time_ms", before.TimeMs, after.TimeMs, 0.20, 0.1, 0, 0); ok {
		d.Changes = append(d.Changes, c)
	}
	if c, ok := compareFigure("(statement)", "rows_examined", d.Before.RowsExamined, d.After.RowsExamined, 0.5, 10, 0, 0); ok {
		d.Changes = append(d.Changes, c)
	}
	d.Same = len(d.Changes) == 0
	if d.Changes == nil {
		d.Changes = []dba.PlanChange{}
	}
	return d
}

// Summarize is a plan in a few figures.
func Summarize(p dba.Plan) dba.PlanSummary {
	s := dba.PlanSummary{Format: p.Format, Flavor: p.Flavor, Analyzed: p.Analyzed, Cost: p.Cost, TimeMs: p.TimeMs, Tables: []string{}}
	var examined float64
	known := false
	p.Root.Walk(func(n, _ *dba.PlanNode) bool {
		s.Nodes++
		if n.Kind == dba.NodeTable && n.Table != "" {
			s.Tables = append(s.Tables, n.Table)
			if r, _, ok := n.ExaminedRows(); ok {
				examined += r
				known = true
			}
		}
		return true
	})
	if known {
		s.RowsExamined = &examined
	}
	return s
}

type keyed struct {
	keys  []string
	nodes map[string]*dba.PlanNode
}

func (k *keyed) add(key string, n *dba.PlanNode) {
	if k.nodes == nil {
		k.nodes = map[string]*dba.PlanNode{}
	}
	base := key
	for i := 2; k.nodes[key] != nil; i++ {
		key = base + "#" + strconv.Itoa(i)
	}
	k.nodes[key] = n
	k.keys = append(k.keys, key)
}

func tableNodes(p dba.Plan) keyed {
	var k keyed
	p.Root.Walk(func(n, _ *dba.PlanNode) bool {
		if n.Kind == dba.NodeTable && n.Table != "" {
			k.add(n.Table, n)
		}
		return true
	})
	return k
}

// opNodes are the steps whose presence matters: sorts, temporary tables,
// materializations, subqueries, duplicate removal, window functions.
func opNodes(p dba.Plan) keyed {
	var k keyed
	p.Root.Walk(func(n, _ *dba.PlanNode) bool {
		switch n.Kind {
		case dba.NodeSort, dba.NodeTemporary, dba.NodeMaterialize, dba.NodeSubquery, dba.NodeDistinct, dba.NodeWindow, dba.NodeUnion:
			k.add(string(n.Kind)+" "+n.Label, n)
		case dba.NodeGroup:
			if n.Has(dba.FlagTemporary) || n.Has(dba.FlagFilesort) {
				k.add(string(n.Kind)+" "+n.Label, n)
			}
		}
		return true
	})
	return k
}

// unionKeys is a's keys, then b's keys a lacks, in order.
func unionKeys(a, b []string) []string {
	out := slices.Clone(a)
	for _, k := range b {
		if !slices.Contains(a, k) {
			out = append(out, k)
		}
	}
	return out
}

func baseOrder(p dba.Plan) []string {
	var out []string
	p.Root.Walk(func(n, _ *dba.PlanNode) bool {
		if n.IsBaseTable() {
			out = append(out, n.Table)
		}
		return true
	})
	return out
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func describeAccess(n *dba.PlanNode) string {
	parts := []string{n.Access}
	if n.Key != "" {
		parts = append(parts, "key "+n.Key)
	}
	if n.Rows != nil {
		parts = append(parts, "rows "+formatFigure(*n.Rows))
	}
	return strings.TrimSpace(strings.Join(parts, ", "))
}

// accessRank orders join types from best (fewest rows touched) to worst.
var accessRank = map[string]int{
	"system": 0, "const": 1, "eq_ref": 2, "ref": 3, "fulltext": 3, "ref_or_null": 4, "unique_subquery": 4,
	"index_subquery": 5, "range": 6, "index_merge": 7, "index": 8, "hash_index": 8, "hash_range": 7, "ALL": 9, "hash_ALL": 9,
}

func diffTable(b, a *dba.PlanNode) []dba.PlanChange {
	var out []dba.PlanChange
	add := func(field, before, after, verdict string) {
		out = append(out, dba.PlanChange{Node: a.Table, Field: field, Before: before, After: after, Verdict: verdict, BeforeID: b.ID, AfterID: a.ID})
	}
	if b.Access != a.Access {
		v := dba.VerdictChanged
		rb, okb := accessRank[b.Access]
		ra, oka := accessRank[a.Access]
		switch {
		case okb && oka && ra < rb:
			v = dba.VerdictBetter
		case okb && oka && ra > rb:
			v = dba.VerdictWorse
		}
		add("access", b.Access, a.Access, v)
	}
	if b.Key != a.Key {
		v := dba.VerdictChanged
		switch {
		case b.Key == "":
			v = dba.VerdictBetter
		case a.Key == "":
			v = dba.VerdictWorse
		}
		add("key", b.Key, a.Key, v)
	}
	// Estimates move with statistics: rows are reported from a factor of
	// two, costs from 10%.
	for _, c := range []struct {
		field    string
		b, a     *float64
		rel, abs float64
	}{
		{"rows", b.Rows, a.Rows, 1.0, 10},
		{"cost", b.Cost, a.Cost, 0.10, 0},
	} {
		if ch, ok := compareFigure(a.Table, c.field, c.b, c.a, c.rel, c.abs, b.ID, a.ID); ok {
			out = append(out, ch)
		}
	}
	if b.Filtered != nil && a.Filtered != nil && math.Abs(*b.Filtered-*a.Filtered) >= 5 {
		v := dba.VerdictWorse
		if *a.Filtered > *b.Filtered {
			v = dba.VerdictBetter
		}
		add("filtered", formatFigure(*b.Filtered)+"%", formatFigure(*a.Filtered)+"%", v)
	}
	if b.Actual != nil && a.Actual != nil {
		br, _, _ := b.ExaminedRows()
		ar, _, _ := a.ExaminedRows()
		if ch, ok := compareFigure(a.Table, "actual_rows", &br, &ar, 0.5, 10, b.ID, a.ID); ok {
			out = append(out, ch)
		}
		if ch, ok := compareFigure(a.Table, "time_ms", b.Actual.TimeMs, a.Actual.TimeMs, 0.20, 0.1, b.ID, a.ID); ok {
			out = append(out, ch)
		}
	}
	for _, f := range flagUnion(b.Flags, a.Flags) {
		had, has := b.Has(f), a.Has(f)
		if had == has || f == dba.FlagUsingWhere {
			continue
		}
		bad, known := flagBadness[f]
		v := dba.VerdictChanged
		if known {
			v = dba.VerdictBetter
			if bad == has {
				v = dba.VerdictWorse
			}
		}
		if has {
			add("flags", "", "+"+string(f), v)
		} else {
			add("flags", "-"+string(f), "", v)
		}
	}
	return out
}

// flagBadness says whether a flag is bad news (true) or good (false).
var flagBadness = map[dba.PlanFlag]bool{
	dba.FlagFilesort: true, dba.FlagSortOnDisk: true, dba.FlagTemporary: true, dba.FlagJoinBuffer: true,
	dba.FlagHashJoin: true, dba.FlagDependent: true, dba.FlagFullScan: true, dba.FlagRangeCheckedPerRow: true,
	dba.FlagCoveringIndex: false, dba.FlagIndexCondition: false, dba.FlagRowidFilter: false,
}

func flagUnion(a, b []dba.PlanFlag) []dba.PlanFlag {
	out := slices.Clone(a)
	for _, f := range b {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

func opVerdict(n *dba.PlanNode, removed bool) string {
	bad := n.Kind == dba.NodeSort || n.Kind == dba.NodeTemporary || n.Has(dba.FlagTemporary) || n.Has(dba.FlagFilesort) || n.Has(dba.FlagDependent)
	if !bad {
		return dba.VerdictChanged
	}
	if removed {
		return dba.VerdictBetter
	}
	return dba.VerdictWorse
}

// compareFigure reports a change of a figure when it moved by more than
// rel (a fraction) and abs; lower is better.
func compareFigure(node, field string, b, a *float64, rel, abs float64, bid, aid int) (dba.PlanChange, bool) {
	if b == nil || a == nil {
		return dba.PlanChange{}, false
	}
	diff := math.Abs(*a - *b)
	base := math.Max(math.Abs(*b), math.Abs(*a))
	if diff <= abs || base == 0 || diff/base <= rel/(1+rel) {
		return dba.PlanChange{}, false
	}
	v := dba.VerdictBetter
	if *a > *b {
		v = dba.VerdictWorse
	}
	return dba.PlanChange{Node: node, Field: field, Before: formatFigure(*b), After: formatFigure(*a), Verdict: v, BeforeID: bid, AfterID: aid}, true
}

// formatFigure prints a figure compactly: integers as integers, others
// with up to three decimals.
func formatFigure(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".")
}
