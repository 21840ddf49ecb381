package parse

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mydba/mydba/internal/dba"
)

// ReadPlan reads any plan output of MySQL or MariaDB and returns it as
// one engine-neutral tree. The shape decides the parser:
//
//   - a JSON document with "query_block": EXPLAIN/ANALYZE FORMAT=JSON of
//     MariaDB, or MySQL's version 1 (end_markers_in_json comments allowed);
//   - a JSON document with "query_plan", or an access path at the top
//     ("operation", "inputs"): MySQL 8.3+ version 2, EXPLAIN ANALYZE
//     FORMAT=JSON included;
//   - a JSON document with "plan" or "root": a plan report or plan mydba
//     wrote itself (-o json), read back as is;
//   - text whose first line starts with "->": FORMAT=TREE or EXPLAIN
//     ANALYZE;
//   - a table with an id/select_type/table/type header (tab-separated as
//     mysql -B prints it, boxed as the mysql client draws it, or vertical
//     \G output): the classic EXPLAIN.
//
// Malformed, truncated or unknown input is an error that says what was
// expected; nothing is guessed.
func ReadPlan(b []byte) (dba.Plan, error) {
	if len(b) > MaxPlanBytes {
		return dba.Plan{}, fmt.Errorf("%w: plan is %d bytes; plans are read up to %d bytes", dba.ErrInvalid, len(b), MaxPlanBytes)
	}
	if !utf8.Valid(b) {
		return dba.Plan{}, fmt.Errorf("%w: plan is not UTF-8 text", dba.ErrInvalid)
	}
	text := trimPlanText(string(b))
	if text == "" {
		return dba.Plan{}, fmt.Errorf("%w: plan is empty", dba.ErrInvalid)
	}
	var p dba.Plan
	var err error
	switch {
	case text[0] == '{' || text[0] == '[':
		p, err = parseJSONPlan([]byte(text))
	case strings.HasPrefix(text, "->"), (strings.HasPrefix(text, "+-") || strings.HasPrefix(text, "|")) && strings.Contains(text, "| ->"):
		// A tree, bare or inside the mysql client's box.
		p, err = parseTreePlan(text)
	default:
		p, err = parseTabularPlan(text)
	}
	if err != nil {
		return dba.Plan{}, fmt.Errorf("%w: %w", dba.ErrInvalid, err)
	}
	finishPlan(&p)
	return p, nil
}

// trimPlanText removes what clients print around a plan: a byte order
// mark, "EXPLAIN: " of \G output and surrounding space.
func trimPlanText(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	// Trailing tabs stay: the last row of tab-separated output may end in
	// an empty cell.
	s = strings.TrimRight(strings.TrimLeft(s, " \t\r\n"), " \r\n")
	if rest, ok := strings.CutPrefix(s, "EXPLAIN:"); ok {
		s = strings.TrimLeft(rest, " \t")
	}
	return s
}

func parseJSONPlan(b []byte) (dba.Plan, error) {
	root, err := decodePlanJSON(b)
	if err != nil {
		return dba.Plan{}, err
	}
	if root.kind != jObj {
		return dba.Plan{}, fmt.Errorf("plan JSON is not an object: want {\"query_block\": ...} or {\"query_plan\": ...}")
	}
	switch {
	case root.has("query_block"):
		return parseQueryBlockPlan(root)
	case root.has("query_plan"), root.has("operation") && (root.has("inputs") || root.has("access_type")), root.get("json_schema_version").str() == "2.0":
		return parseJSONv2Plan(root)
	case root.has("plan") && root.get("plan").has("root"), root.has("root") && root.has("format"):
		return readOwnPlan(b, root)
	}
	ks := root.keys()
	if len(ks) > 8 {
		ks = append(ks[:8], "...")
	}
	return dba.Plan{}, fmt.Errorf("unknown plan shape: top-level keys [%s]; want EXPLAIN FORMAT=JSON output (query_block), MySQL's version 2 format (query_plan) or mydba's own -o json", strings.Join(ks, ", "))
}

// readOwnPlan reads a plan mydba printed (explain -o json, a bare plan or a
// report holding one), so plan-diff compares saved runs.
func readOwnPlan(b []byte, root *jvalue) (dba.Plan, error) {
	var p dba.Plan
	var err error
	if root.has("plan") {
		var r dba.PlanReport
		err = json.Unmarshal(b, &r)
		p = r.Plan
	} else {
		err = json.Unmarshal(b, &p)
	}
	if err != nil {
		return dba.Plan{}, fmt.Errorf("mydba plan JSON: %w", err)
	}
	if p.Root == nil {
		return dba.Plan{}, fmt.Errorf("mydba plan JSON has no root node")
	}
	depth := 0
	var check func(n *dba.PlanNode, d int) error
	check = func(n *dba.PlanNode, d int) error {
		if d > maxPlanDepth {
			return errTooDeep
		}
		depth = max(depth, d)
		for _, c := range n.Children {
			if c == nil {
				return fmt.Errorf("mydba plan JSON: a null child node")
			}
			if err := check(c, d+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := check(p.Root, 0); err != nil {
		return dba.Plan{}, err
	}
	return p, nil
}

// finishPlan numbers nodes in tree order, puts flags in a stable order and
// fills the plan's totals from its root.
func finishPlan(p *dba.Plan) {
	id := 0
	analyzed := false
	p.Root.Walk(func(n, _ *dba.PlanNode) bool {
		id++
		n.ID = id
		if n.Kind == dba.NodeTable && n.Has(dba.FlagFullScan) && !n.IsBaseTable() {
			// Reading a derived table or CTE in full is reading what was
			// just materialized, not a scan of a schema table.
			n.Flags = slices.DeleteFunc(n.Flags, func(f dba.PlanFlag) bool { return f == dba.FlagFullScan })
		}
		slices.Sort(n.Flags)
		n.Flags = slices.Compact(n.Flags)
		if n.Actual != nil {
			analyzed = true
		}
		return true
	})
	p.Analyzed = p.Analyzed || analyzed
	if p.Cost == nil && p.Root != nil && p.Root.Cost != nil {
		c := *p.Root.Cost
		p.Cost = &c
	}
	if p.TimeMs == nil && p.Root != nil && p.Root.Actual != nil && p.Root.Actual.TimeMs != nil {
		t := *p.Root.Actual.TimeMs
		p.TimeMs = &t
	}
	slices.Sort(p.Notes)
	p.Notes = slices.Compact(p.Notes)
}

// noteSet collects parser notes once each.
type noteSet struct {
	notes []string
	seen  map[string]bool
}

func (s *noteSet) add(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if !s.seen[msg] {
		s.seen[msg] = true
		s.notes = append(s.notes, msg)
	}
}

func fptr(f float64) *float64 { return &f }
