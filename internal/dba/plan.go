package dba

import (
	"slices"
	"strings"
)

// The plan vocabulary: one engine-neutral tree for every EXPLAIN and
// ANALYZE shape MySQL and MariaDB print (FORMAT=JSON of both, MySQL's
// version-2 JSON, FORMAT=TREE / EXPLAIN ANALYZE text and the classic
// tabular EXPLAIN). The parsers live in internal/parse; presenters and
// advisors read these types only.

// PlanFormat names the server output a plan was read from.
type PlanFormat string

// Plan formats.
const (
	// PlanJSON is EXPLAIN/ANALYZE FORMAT=JSON with query_block objects:
	// MariaDB's, and MySQL's version 1.
	PlanJSON PlanFormat = "json"
	// PlanJSONv2 is MySQL 8.3+ EXPLAIN [ANALYZE] FORMAT=JSON with
	// explain_json_format_version=2 (access paths with "inputs").
	PlanJSONv2 PlanFormat = "json-v2"
	// PlanTree is MySQL's EXPLAIN FORMAT=TREE and EXPLAIN ANALYZE text.
	PlanTree PlanFormat = "tree"
	// PlanTabular is the classic EXPLAIN result (id, select_type, table,
	// type, ...), and MariaDB's tabular ANALYZE.
	PlanTabular PlanFormat = "tabular"
)

// NodeKind is what a plan node does.
type NodeKind string

// Node kinds.
const (
	NodeSelect      NodeKind = "select"      // a query block (SELECT #n)
	NodeTable       NodeKind = "table"       // reading one table
	NodeJoin        NodeKind = "join"        // a nested-loop or hash join of its children, in order
	NodeSort        NodeKind = "sort"        // filesort / ORDER BY
	NodeGroup       NodeKind = "group"       // GROUP BY, aggregation
	NodeTemporary   NodeKind = "temporary"   // an internal temporary table
	NodeDistinct    NodeKind = "distinct"    // duplicate removal
	NodeUnion       NodeKind = "union"       // UNION / INTERSECT / EXCEPT result
	NodeSubquery    NodeKind = "subquery"    // a subquery run from its parent
	NodeMaterialize NodeKind = "materialize" // a derived table, CTE or subquery materialized
	NodeWindow      NodeKind = "window"      // window functions
	NodeFilter      NodeKind = "filter"      // a condition applied to the rows of its child
	NodeLimit       NodeKind = "limit"       // LIMIT / OFFSET
	NodeDML         NodeKind = "dml"         // the INSERT / UPDATE / DELETE itself
	NodeMessage     NodeKind = "message"     // no table read: "Impossible WHERE", "No tables used"
	NodeOperation   NodeKind = "operation"   // any other step (stream, hash build, ...)
)

// PlanFlag is a property of a node worth a glance: how rows are found,
// sorted or buffered.
type PlanFlag string

// Plan flags.
const (
	FlagFilesort            PlanFlag = "filesort"
	FlagSortOnDisk          PlanFlag = "sort_on_disk" // merge passes over temporary files
	FlagPriorityQueue       PlanFlag = "priority_queue"
	FlagTemporary           PlanFlag = "temporary"
	FlagJoinBuffer          PlanFlag = "join_buffer" // block nested loop / BKA
	FlagHashJoin            PlanFlag = "hash_join"
	FlagIndexCondition      PlanFlag = "index_condition" // index condition pushdown
	FlagCoveringIndex       PlanFlag = "covering_index"
	FlagRowidFilter         PlanFlag = "rowid_filter"
	FlagMaterialized        PlanFlag = "materialized"
	FlagDependent           PlanFlag = "dependent" // a subquery that depends on the outer row
	FlagCacheable           PlanFlag = "cacheable" // a subquery run once
	FlagExpressionCache     PlanFlag = "expression_cache"
	FlagImpossibleWhere     PlanFlag = "impossible_where"
	FlagNoTables            PlanFlag = "no_tables"
	FlagOptimizedAway       PlanFlag = "optimized_away"
	FlagUsingWhere          PlanFlag = "using_where"
	FlagRangeCheckedPerRow  PlanFlag = "range_checked_per_row"
	FlagFirstMatch          PlanFlag = "first_match"
	FlagLooseScan           PlanFlag = "loose_scan"
	FlagDuplicateWeedout    PlanFlag = "duplicate_weedout"
	FlagIndexForGroupBy     PlanFlag = "index_for_group_by"
	FlagSkipScan            PlanFlag = "skip_scan"
	FlagMRR                 PlanFlag = "mrr"
	FlagBackward            PlanFlag = "backward_scan"
	FlagDistinct            PlanFlag = "distinct"
	FlagNotExists           PlanFlag = "not_exists"
	FlagRecursive           PlanFlag = "recursive"
	FlagLateral             PlanFlag = "lateral"
	FlagNeverExecuted       PlanFlag = "never_executed"
	FlagIndexMerge          PlanFlag = "index_merge"
	FlagFullScan            PlanFlag = "full_scan" // every row of the table or index is read
	FlagConstRowNotFound    PlanFlag = "const_row_not_found"
	FlagNotExecutableByIter PlanFlag = "not_executable_by_iterator"
)

// Plan is one statement's execution plan.
type Plan struct {
	Format PlanFormat `json:"format"`
	// Flavor is the server family the output's shape shows (unknown when
	// the shape is common to both).
	Flavor Flavor `json:"flavor"`
	// Analyzed: the statement was executed and nodes carry actual figures.
	Analyzed bool `json:"analyzed"`
	// Query is the statement as the server rewrote it, when the format
	// includes it (MySQL JSON version 2).
	Query string `json:"query,omitempty"`
	// Cost is the optimizer's estimated cost of the whole statement, in
	// the server's own units (not comparable across servers).
	Cost *float64 `json:"cost,omitempty"`
	// TimeMs is the measured execution time of the whole statement.
	TimeMs *float64  `json:"time_ms,omitempty"`
	Root   *PlanNode `json:"root"`
	// Notes say what the parser could not place (unknown keys of a newer
	// server version, unreadable numbers): nothing is invented for them.
	Notes []string `json:"notes,omitempty"`
}

// PlanNode is one step of a plan. Pointers are nil where the server gave
// no figure: an unknown is never shown as zero.
type PlanNode struct {
	// ID numbers nodes in tree order from 1; findings and diffs refer to it.
	ID    int      `json:"id"`
	Kind  NodeKind `json:"kind"`
	Label string   `json:"label"`
	// SelectID is the query block number (SELECT #n) where the format says.
	SelectID int `json:"select_id,omitempty"`
	// Table is the table as the plan names it (the alias when the query
	// gives one; <derived2>, <subquery3>, <temporary> for internal ones).
	Table string `json:"table,omitempty"`
	// TableName and Schema are the real table when the format says and it
	// differs from Table (MySQL JSON version 2).
	TableName string `json:"table_name,omitempty"`
	Schema    string `json:"schema,omitempty"`
	// Access is the join type: system, const, eq_ref, ref, ref_or_null,
	// fulltext, unique_subquery, index_subquery, range, index_merge,
	// index, ALL (and MariaDB's hash_* variants).
	Access       string   `json:"access,omitempty"`
	Key          string   `json:"key,omitempty"`
	KeyParts     []string `json:"key_parts,omitempty"`
	KeyLength    string   `json:"key_length,omitempty"`
	PossibleKeys []string `json:"possible_keys,omitempty"`
	Ref          []string `json:"ref,omitempty"`
	// Rows is the estimated number of rows read per scan (per loop).
	Rows *float64 `json:"rows,omitempty"`
	// RowsProduced is MySQL's estimate of rows produced per join.
	RowsProduced *float64 `json:"rows_produced,omitempty"`
	// Filtered is the estimated percentage of read rows that pass the
	// table's condition.
	Filtered *float64 `json:"filtered,omitempty"`
	// Cost is the estimated cost up to and including this node.
	Cost           *float64 `json:"cost,omitempty"`
	Condition      string   `json:"condition,omitempty"`
	IndexCondition string   `json:"index_condition,omitempty"`
	// Actual holds measured figures (ANALYZE, EXPLAIN ANALYZE).
	Actual *PlanActual `json:"actual,omitempty"`
	Flags  []PlanFlag  `json:"flags,omitempty"`
	// Notes are further facts in words: sort key, join buffer, rowid
	// filter, index merge parts.
	Notes    []string    `json:"notes,omitempty"`
	Children []*PlanNode `json:"children,omitempty"`
}

// PlanActual is what executing the node measured.
type PlanActual struct {
	// Rows is the average number of rows per loop.
	Rows *float64 `json:"rows,omitempty"`
	// Loops is how many times the node ran.
	Loops *float64 `json:"loops,omitempty"`
	// TimeMs is the time spent in the node over all loops (MySQL: its
	// children included; MariaDB: reading the table and checking its
	// condition).
	TimeMs *float64 `json:"time_ms,omitempty"`
	// FirstRowMs is the time to the first row of one loop (MySQL).
	FirstRowMs *float64 `json:"first_row_ms,omitempty"`
	// Filtered is the measured percentage of read rows kept.
	Filtered *float64 `json:"filtered,omitempty"`
	// EngineStats are storage engine counters (MariaDB r_engine_stats:
	// pages_accessed, pages_read_count, ...).
	EngineStats map[string]float64 `json:"engine_stats,omitempty"`
}

// Has reports whether the node carries flag f.
func (n *PlanNode) Has(f PlanFlag) bool { return n != nil && slices.Contains(n.Flags, f) }

// AddFlag sets flag f once.
func (n *PlanNode) AddFlag(f PlanFlag) {
	if !n.Has(f) {
		n.Flags = append(n.Flags, f)
	}
}

// IsBaseTable reports whether the node reads a table of the schema, not a
// derived table, a CTE, a materialized subquery or an internal temporary
// table (those are named <derived2>, <temporary>, or have the
// materialization under them).
func (n *PlanNode) IsBaseTable() bool {
	if n == nil || n.Kind != NodeTable || n.Table == "" || strings.HasPrefix(n.Table, "<") {
		return false
	}
	for _, c := range n.Children {
		if c.Kind == NodeMaterialize {
			return false
		}
	}
	return true
}

// Walk calls fn for n and every node below it in tree order, with the
// node's parent (nil for n); fn returning false skips the node's children.
func (n *PlanNode) Walk(fn func(node, parent *PlanNode) bool) {
	var walk func(node, parent *PlanNode)
	walk = func(node, parent *PlanNode) {
		if node == nil || !fn(node, parent) {
			return
		}
		for _, c := range node.Children {
			walk(c, node)
		}
	}
	walk(n, nil)
}

// Node finds a node by ID (nil when absent).
func (p Plan) Node(id int) *PlanNode {
	var found *PlanNode
	p.Root.Walk(func(n, _ *PlanNode) bool {
		if n.ID == id {
			found = n
		}
		return found == nil
	})
	return found
}

// ExaminedRows is the number of rows the node reads over all its loops:
// measured when analyzed, else the estimate (per scan times the loops
// measured, or 1). ok is false when neither is known.
func (n *PlanNode) ExaminedRows() (rows float64, measured, ok bool) {
	if n.Actual != nil && n.Actual.Rows != nil {
		loops := 1.0
		if n.Actual.Loops != nil {
			loops = *n.Actual.Loops
		}
		return *n.Actual.Rows * loops, true, true
	}
	if n.Rows != nil {
		return *n.Rows, false, true
	}
	return 0, false, false
}

// PlanFinding is a finding about one node of a plan.
type PlanFinding struct {
	Finding
	// Node is the ID of the node the finding is about (0: the whole plan).
	Node int `json:"node,omitempty"`
	// Positive marks good news (a covering index, pushed-down conditions).
	Positive bool `json:"positive,omitempty"`
}

// StepName is the node's name in a table of steps: a table access reads
// "table o (shop.orders)", other steps their label.
func (n *PlanNode) StepName() string {
	label := n.Label
	if n.Kind == NodeTable && (label == n.Table || label == "") {
		label = "table " + n.Table
		if n.TableName != "" {
			label += " (" + n.TableName + ")"
		}
	}
	return label
}

// Detail is what a table of steps shows of a node beside its figures: the
// condition, else the first note.
func (n *PlanNode) Detail() string {
	if n.Condition != "" {
		return n.Condition
	}
	if len(n.Notes) > 0 {
		return n.Notes[0]
	}
	return ""
}

// PlanReport is a plan with what the advisors found in it: what mydba
// explain prints and its -o json carries.
type PlanReport struct {
	// Statement is the SQL explained (as given, redacted of passwords).
	Statement string `json:"statement,omitempty"`
	Server    Server `json:"server"`
	// Profile names the connection (empty for plans read from files).
	Profile  string        `json:"profile,omitempty"`
	Plan     Plan          `json:"plan"`
	Findings []PlanFinding `json:"findings"`
	// Executed says the statement ran (ANALYZE); RolledBack that its
	// changes were undone (ANALYZE of DML).
	Executed   bool `json:"executed"`
	RolledBack bool `json:"rolled_back,omitempty"`
	// Raw is the server's output as it came (JSON or text), so a saved
	// report can be diffed or re-read with other tools.
	Raw string `json:"raw,omitempty"`
	// Notes are messages for the user (tables that could not be described,
	// a format fallback).
	Notes []string `json:"notes,omitempty"`
}

// Description says what the plan is: its format, flavour and whether it
// was measured ("tree, MariaDB, estimated (not executed)").
func (r PlanReport) Description() string {
	p := r.Plan
	desc := string(p.Format)
	if p.Flavor != FlavorUnknown {
		desc += ", " + p.Flavor.String()
	}
	switch {
	case r.RolledBack:
		desc += ", executed and rolled back"
	case p.Analyzed:
		desc += ", executed (measured)"
	default:
		desc += ", estimated (not executed)"
	}
	return desc
}

// PlanChange is one difference between two plans of the same statement.
type PlanChange struct {
	// Node names what changed: a table (by its alias) or an operation.
	Node string `json:"node"`
	// Field is what changed: access, key, rows, cost, filtered, flags,
	// time, added, removed, join_order.
	Field  string `json:"field"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Verdict is better, worse or changed (when neither is clear).
	Verdict string `json:"verdict"`
	// BeforeID and AfterID are the node IDs in each plan (0 when absent).
	BeforeID int `json:"before_id,omitempty"`
	AfterID  int `json:"after_id,omitempty"`
}

// Verdicts of a plan change.
const (
	VerdictBetter  = "better"
	VerdictWorse   = "worse"
	VerdictChanged = "changed"
)

// PlanDiff compares two plans of the same statement.
type PlanDiff struct {
	Before  PlanSummary  `json:"before"`
	After   PlanSummary  `json:"after"`
	Changes []PlanChange `json:"changes"`
	// Same is true when nothing compared differs.
	Same bool `json:"same"`
}

// PlanSummary is a plan in a few figures, for a diff's header.
type PlanSummary struct {
	Source   string     `json:"source,omitempty"`
	Format   PlanFormat `json:"format"`
	Flavor   Flavor     `json:"flavor"`
	Analyzed bool       `json:"analyzed"`
	Nodes    int        `json:"nodes"`
	// Tables lists the tables read, in plan order (the join order).
	Tables []string `json:"tables"`
	Cost   *float64 `json:"cost,omitempty"`
	TimeMs *float64 `json:"time_ms,omitempty"`
	// RowsExamined sums the rows every table node reads (measured when
	// analyzed, else estimated per scan).
	RowsExamined *float64 `json:"rows_examined,omitempty"`
}

// UnmarshalText reads a flavour back from JSON output (saved plan reports
// are read again by plan-diff); an unknown name is FlavorUnknown.
func (f *Flavor) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "mysql":
		*f = FlavorMySQL
	case "mariadb":
		*f = FlavorMariaDB
	default:
		*f = FlavorUnknown
	}
	return nil
}

// UnmarshalText reads a version back from JSON output; an empty or
// unreadable one is the zero (unknown) version rather than an error, so a
// saved report from a newer mydba still loads.
func (v *Version) UnmarshalText(b []byte) error {
	*v = Version{}
	if pv, err := ParseVersion(string(b)); err == nil {
		*v = pv
	}
	return nil
}
