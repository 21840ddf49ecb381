package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/numfmt"
)

// Formatting for the EXPLAIN, plan diff, profile and top queries pages:
// pure functions of the use cases' values, printing numbers the way the
// CLI's explain, profile and top verbs do.

// optNum prints an optional figure, "" when the server gave none (an
// unknown is never shown as zero).
func optNum(f *float64) string {
	if f == nil {
		return ""
	}
	return numfmt.Num(*f)
}

func optPct(f *float64) string {
	if f == nil {
		return ""
	}
	return numfmt.Num(*f) + "%"
}

func optMs(f *float64) string {
	if f == nil {
		return ""
	}
	return numfmt.Ms(*f)
}

func planFlags(n *dba.PlanNode) string {
	fs := make([]string, len(n.Flags))
	for i, f := range n.Flags {
		fs[i] = string(f)
	}
	return strings.Join(fs, ", ")
}

// Node severities: the worst of a node's findings, "good" when it has only
// good news, "" without findings. plan.js colours the tree the same way.
const (
	sevGood = "good"
)

// nodeSeverities maps node IDs to their severity.
func nodeSeverities(fs []dba.PlanFinding) map[int]string {
	out := map[int]string{}
	for _, f := range fs {
		if f.Node == 0 {
			continue
		}
		cur := out[f.Node]
		if f.Positive {
			if cur == "" {
				out[f.Node] = sevGood
			}
			continue
		}
		if cur == "" || cur == sevGood || f.Severity.Level() > dba.Severity(cur).Level() {
			out[f.Node] = string(f.Severity)
		}
	}
	return out
}

// PlanRow is one node of a plan in the table view, in tree order.
type PlanRow struct {
	Node *dba.PlanNode
	// Prefix draws the tree (├─ └─ │) before the step name.
	Prefix   string
	Severity string
	// Mark is a plan diff's verdict for the node: better, worse, changed,
	// added or removed ("" when unchanged).
	Mark string
	// Misestimate: the measured rows are 10x off the estimate.
	Misestimate bool
}

// planRows lays a plan out one node per row, as the CLI's table does.
// marks carries a diff's verdicts by node ID (nil outside diffs).
func planRows(p dba.Plan, fs []dba.PlanFinding, marks map[int]string) []PlanRow {
	sev := nodeSeverities(fs)
	var out []PlanRow
	var walk func(n *dba.PlanNode, prefix string, last, root bool)
	walk = func(n *dba.PlanNode, prefix string, last, root bool) {
		branch, next := "", prefix
		if !root {
			if last {
				branch, next = prefix+"└─ ", prefix+"   "
			} else {
				branch, next = prefix+"├─ ", prefix+"│  "
			}
		}
		out = append(out, PlanRow{Node: n, Prefix: branch, Severity: sev[n.ID], Mark: marks[n.ID], Misestimate: misestimated(n)})
		for i, c := range n.Children {
			walk(c, next, i == len(n.Children)-1, false)
		}
	}
	if p.Root != nil {
		walk(p.Root, "", true, true)
	}
	return out
}

// misestimated reports a node whose measured rows per loop are 10x or
// more off the optimizer's estimate (the CLI's advisor threshold).
func misestimated(n *dba.PlanNode) bool {
	if n.Actual == nil || n.Actual.Rows == nil || n.Rows == nil {
		return false
	}
	est, act := math.Max(*n.Rows, 1), math.Max(*n.Actual.Rows, 1)
	return est/act >= 10 || act/est >= 10
}

// planRowClass is a table row's classes: severity and diff mark.
func planRowClass(r PlanRow) string {
	c := "pn-row"
	if r.Severity != "" {
		c += " sev-" + r.Severity
	}
	if r.Mark != "" {
		c += " mark-" + r.Mark
	}
	return c
}

// painPoints splits findings into problems (worst first, as the advisor
// ordered them) and good news.
func painPoints(fs []dba.PlanFinding) (bad, good []dba.PlanFinding) {
	for _, f := range fs {
		if f.Positive {
			good = append(good, f)
		} else {
			bad = append(bad, f)
		}
	}
	return bad, good
}

func findingClass(f dba.PlanFinding) string {
	if f.Positive {
		return "finding sev-" + sevGood
	}
	return "finding sev-" + string(f.Severity)
}

// diffMarks maps each plan's node IDs to the worst verdict of the changes
// touching them: worse beats changed beats better.
func diffMarks(d dba.PlanDiff) (before, after map[int]string) {
	rank := map[string]int{dba.VerdictBetter: 1, dba.VerdictChanged: 2, dba.VerdictWorse: 3}
	before, after = map[int]string{}, map[int]string{}
	put := func(m map[int]string, id int, v string) {
		if id > 0 && rank[v] > rank[m[id]] {
			m[id] = v
		}
	}
	for _, c := range d.Changes {
		put(before, c.BeforeID, c.Verdict)
		put(after, c.AfterID, c.Verdict)
	}
	return before, after
}

// diffCounts counts a diff's changes by verdict.
func diffCounts(d dba.PlanDiff) string {
	var better, worse, changed int
	for _, c := range d.Changes {
		switch c.Verdict {
		case dba.VerdictBetter:
			better++
		case dba.VerdictWorse:
			worse++
		default:
			changed++
		}
	}
	return fmt.Sprintf("%d worse, %d better, %d changed", worse, better, changed)
}

// diffSummary is one side of a diff in a line.
func diffSummary(s dba.PlanSummary) string {
	parts := []string{string(s.Format)}
	if s.Flavor != dba.FlavorUnknown {
		parts = append(parts, s.Flavor.String())
	}
	if s.Analyzed {
		parts = append(parts, "measured")
	}
	parts = append(parts, strconv.Itoa(s.Nodes)+" steps")
	if len(s.Tables) > 0 {
		parts = append(parts, "tables "+strings.Join(s.Tables, ", "))
	}
	if s.Cost != nil {
		parts = append(parts, "cost "+numfmt.Num(*s.Cost))
	}
	if s.RowsExamined != nil {
		parts = append(parts, "rows "+numfmt.Num(*s.RowsExamined))
	}
	if s.TimeMs != nil {
		parts = append(parts, numfmt.Ms(*s.TimeMs)+" ms")
	}
	return strings.Join(parts, " · ")
}

func idOrDash(id int) string {
	if id == 0 {
		return "–"
	}
	return strconv.Itoa(id)
}

// waterfallFrac is a stage's start or length as a fraction of the
// statement's duration, for waterfall.js (clamped to [0, 1]).
func waterfallFrac(d, total time.Duration) string {
	if total <= 0 {
		return "0"
	}
	f := math.Min(math.Max(float64(d)/float64(total), 0), 1)
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// shareClass flags the stages that matter.
func shareClass(pct float64) string {
	switch {
	case pct >= 50:
		return "wf-hot"
	case pct >= 10:
		return "wf-warm"
	}
	return ""
}

func yesNoUpper(b bool) string {
	if b {
		return "YES"
	}
	return "no"
}

// perExec is a counter per execution, "–" without executions.
func perExec(n, count uint64) string {
	if count == 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(n)/float64(count), 'f', 1, 64)
}

func pct1(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) + "%" }

func pct0(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) + "%" }

func u64(n uint64) string { return numfmt.Group(int64(min(n, math.MaxInt64))) }

func durPtr(d *time.Duration) string {
	if d == nil {
		return "n/a"
	}
	return numfmt.Duration(*d)
}

// stageCoverage is how much of the statement's duration its stages
// cover, as a clause after the stage total; "" when unknown.
func stageCoverage(pct *float64) string {
	if pct == nil {
		return ""
	}
	return ", cover " + pct1(*pct) + " of the duration"
}
