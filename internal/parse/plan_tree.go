package parse

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// MySQL's FORMAT=TREE and EXPLAIN ANALYZE print one iterator per line,
// "-> operation  (cost=... rows=...) (actual time=a..b rows=r loops=l)",
// children indented by four more spaces. A line that does not start with
// "->" continues the one before (the manual and some clients wrap the
// measurements onto their own line; string literals may hold newlines).

func parseTreePlan(text string) (dba.Plan, error) {
	type entry struct {
		indent int
		node   *dba.PlanNode
		text   strings.Builder
	}
	var stack []*entry
	var all []*entry
	var tops []*dba.PlanNode
	lines := strings.Split(text, "\n")
	boxed := strings.HasPrefix(text, "+-") || strings.HasPrefix(text, "|")
	for i, raw := range lines {
		line := strings.TrimRight(raw, "\r")
		line = unbox(line)
		if boxed {
			// The box's right border ends the cell's last line; the
			// client's footer follows the box.
			line = strings.TrimRight(strings.TrimSuffix(strings.TrimRight(line, " "), "|"), " ")
			if rowsInSet(line) {
				break
			}
		}
		if i == 0 {
			line = strings.TrimPrefix(strings.TrimSpace(line), "EXPLAIN:")
		}
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" {
			continue
		}
		if !strings.HasPrefix(trimmed, "->") {
			if len(all) == 0 {
				return dba.Plan{}, fmt.Errorf("tree plan: line %d does not start with \"->\"", i+1)
			}
			last := all[len(all)-1]
			last.text.WriteByte(' ')
			last.text.WriteString(strings.TrimSpace(trimmed))
			continue
		}
		indent := len(line) - len(trimmed)
		e := &entry{indent: indent, node: &dba.PlanNode{}}
		e.text.WriteString(strings.TrimSpace(strings.TrimPrefix(trimmed, "->")))
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			tops = append(tops, e.node)
		} else {
			parent := stack[len(stack)-1].node
			parent.Children = append(parent.Children, e.node)
		}
		stack = append(stack, e)
		if len(stack) > maxPlanDepth {
			return dba.Plan{}, fmt.Errorf("tree plan: %w", errTooDeep)
		}
		all = append(all, e)
		if len(all) > maxPlanNodes {
			return dba.Plan{}, fmt.Errorf("tree plan has more than %d nodes", maxPlanNodes)
		}
	}
	if len(all) == 0 {
		return dba.Plan{}, fmt.Errorf("tree plan has no \"->\" lines")
	}
	plan := dba.Plan{Format: dba.PlanTree, Flavor: dba.FlavorMySQL}
	for _, e := range all {
		if err := readTreeLine(e.node, e.text.String()); err != nil {
			return dba.Plan{}, err
		}
	}
	if len(tops) == 1 {
		plan.Root = tops[0]
	} else {
		// Subqueries of the select list are printed at the top level
		// after the main query's tree.
		plan.Root = &dba.PlanNode{Kind: dba.NodeSelect, Label: "Query", Children: tops}
	}
	return plan, nil
}

// rowsInSet matches the mysql client's "1 row in set (0.00 sec)" footer.
func rowsInSet(line string) bool {
	f := strings.Fields(line)
	if len(f) < 4 {
		return false
	}
	_, err := strconv.Atoi(f[0])
	return err == nil && (f[1] == "row" || f[1] == "rows") && f[2] == "in" && strings.TrimRight(f[3], ",") == "set"
}

// unbox strips the borders the mysql client draws around a result cell.
func unbox(line string) string {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "+-") && strings.Trim(t, "+-") == "" {
		return ""
	}
	if t == "| EXPLAIN |" || strings.HasPrefix(t, "| EXPLAIN ") && strings.TrimSpace(strings.Trim(t, "|")) == "EXPLAIN" {
		return ""
	}
	if strings.HasPrefix(line, "| ") {
		line = line[2:]
		line = strings.TrimRight(line, " ")
		line = strings.TrimSuffix(line, "|")
	}
	return strings.TrimRight(line, " ")
}

// readTreeLine splits the trailing measurement groups off a line and reads
// the operation.
func readTreeLine(n *dba.PlanNode, text string) error {
	text = strings.TrimSpace(text)
groups:
	for strings.HasSuffix(text, ")") {
		open := matchingOpen(text)
		if open < 0 {
			break
		}
		group := text[open+1 : len(text)-1]
		switch {
		case group == "never executed":
			n.AddFlag(dba.FlagNeverExecuted)
		case strings.HasPrefix(group, "cost=") || strings.HasPrefix(group, "rows="):
			for k, v := range keyValues(group) {
				switch k {
				case "cost":
					n.Cost = lastOfRange(v)
				case "rows":
					n.Rows = lastOfRange(v)
				}
			}
		case strings.HasPrefix(group, "actual "):
			a := &dba.PlanActual{}
			var last *float64
			for k, v := range keyValues(strings.TrimPrefix(group, "actual ")) {
				switch k {
				case "time":
					first, l, _ := strings.Cut(v, "..")
					if f, err := strconv.ParseFloat(first, 64); err == nil {
						a.FirstRowMs = &f
					}
					last = lastOfRange(l)
					if l == "" {
						last = lastOfRange(first)
					}
				case "rows":
					a.Rows = lastOfRange(v)
				case "loops":
					a.Loops = lastOfRange(v)
				}
			}
			if last != nil {
				loops := 1.0
				if a.Loops != nil {
					loops = *a.Loops
				}
				// The manual: time per loop, averaged; the node's total is
				// that times its loops.
				a.TimeMs = fptr(*last * loops)
			}
			n.Actual = a
		default:
			// Part of the operation text ("(reverse)", a condition).
			break groups
		}
		text = strings.TrimSpace(text[:open])
	}
	describeOperation(n, text)
	if n.Kind == dba.NodeSubquery {
		n.Label = text
	}
	return nil
}

// matchingOpen finds the "(" that opens the group ending s.
func matchingOpen(s string) int {
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// keyValues reads "cost=1.2 rows=3" into a map.
func keyValues(s string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok {
			out[k] = v
		}
	}
	return out
}

// lastOfRange reads "3.06" or "1.84..3.06" (first row..all rows) as the
// last figure.
func lastOfRange(v string) *float64 {
	if i := strings.LastIndex(v, ".."); i >= 0 {
		v = v[i+2:]
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil
	}
	return &f
}
