package ai

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Point is one piece of deterministic advice: what mydba's own rules found,
// prioritised, linked to its evidence and to knowledge-base citations. It
// is what every answer shows, and all that is shown when no AI provider is
// configured. Points are for the local user: values are not anonymised.
type Point struct {
	Severity dba.Severity `json:"severity"`
	Code     string       `json:"code,omitempty"`
	Title    string       `json:"title"`
	Detail   string       `json:"detail,omitempty"`
	Fix      string       `json:"fix,omitempty"`
	// Evidence holds the ids of the evidence items the point rests on, the
	// same ids the prompt uses (F1, P2, N3, V:name, S:name, T42, L1).
	Evidence []string `json:"evidence"`
	// Citations are reference numbers of Prompt.Citations.
	Citations []int `json:"citations,omitempty"`
	// Positive marks good news (a covering index).
	Positive bool `json:"positive,omitempty"`
}

// Codes of the points mydba derives from a process-list snapshot (the
// query and plan points carry their rules' codes).
const (
	CodeLongRunning       = "LongRunningStatement"
	CodeIdleTransaction   = "IdleInTransaction"
	CodeLockBlocker       = "LockBlocker"
	CodeLockCycle         = "LockCycle"
	CodeSessionsSummary   = "SessionsSummary"
	CodeVariableValue     = "VariableValue"
	CodeStatusValue       = "StatusValue"
	longRunningWarning    = 10 * time.Second
	longRunningError      = 5 * time.Minute
	idleTransactionMinAge = 30 * time.Second
)

// Points derives the deterministic advice of a task from its evidence.
// cites maps a key — a finding code, a variable or status name, one of the
// codes above — to the reference numbers retrieved for it.
func Points(task Task, c Context, cites map[string][]int) []Point {
	var out []Point
	switch task {
	case TaskVariable:
		for _, v := range c.Variables {
			out = append(out, variablePoint(v, cites))
		}
		return out
	case TaskStatus:
		for _, s := range c.Status {
			out = append(out, statusPoint(s, cites))
		}
		return out
	case TaskProcesses:
		out = append(out, sessionPoints(c, cites)...)
		if c.Locks != nil {
			out = append(out, lockPoints(*c.Locks, cites)...)
		}
		return sortPoints(out)
	case TaskLocks:
		if c.Locks != nil {
			out = append(out, lockPoints(*c.Locks, cites)...)
		}
		return sortPoints(out)
	}
	if c.Profile != nil {
		out = append(out, profilePoints(*c.Profile, cites)...)
	}
	if task == TaskSchema {
		out = append(out, schemaPoints(c.Tables, cites)...)
	}
	for i, f := range c.Findings {
		if i == maxFindings {
			break
		}
		out = append(out, Point{
			Severity: f.Severity, Code: f.Code, Title: findingLabel(f), Detail: f.Why, Fix: f.Fix,
			Evidence: []string{"F" + strconv.Itoa(i+1)}, Citations: cites[f.Code],
		})
	}
	for i, f := range c.PlanFindings {
		if i == maxFindings {
			break
		}
		ev := []string{"P" + strconv.Itoa(i+1)}
		title := findingLabel(f.Finding)
		if f.Node > 0 {
			ev = append(ev, "N"+strconv.Itoa(f.Node))
			title += " (plan node " + strconv.Itoa(f.Node) + ")"
		}
		out = append(out, Point{
			Severity: f.Severity, Code: f.Code, Title: title, Detail: f.Why, Fix: f.Fix,
			Evidence: ev, Citations: cites[f.Code], Positive: f.Positive,
		})
	}
	return sortPoints(out)
}

// sortPoints puts problems before good news and the most severe first;
// equal ones keep their order (the rules' own order).
func sortPoints(ps []Point) []Point {
	slices.SortStableFunc(ps, func(a, b Point) int {
		if a.Positive != b.Positive {
			if a.Positive {
				return 1
			}
			return -1
		}
		return cmp.Compare(b.Severity.Level(), a.Severity.Level())
	})
	return ps
}

func variablePoint(v dba.Variable, cites map[string][]int) Point {
	val := "(no value)"
	if v.Value != nil {
		val = *v.Value
	}
	var d []string
	if v.Default != nil {
		d = append(d, "default "+*v.Default)
	}
	if v.Origin != "" {
		d = append(d, "set by "+strings.ToLower(v.Origin))
	}
	if v.Scope != "" {
		d = append(d, string(v.Scope)+" scope")
	}
	if v.Dynamic != nil {
		if *v.Dynamic {
			d = append(d, "changeable at runtime")
		} else {
			d = append(d, "needs a restart to change")
		}
	}
	if v.Min != "" || v.Max != "" {
		d = append(d, "range "+v.Min+".."+v.Max)
	}
	detail := strings.Join(d, "; ")
	if v.Description != "" {
		detail = strings.TrimSpace(v.Description + ". " + detail)
	}
	sev := dba.SeverityInfo
	return Point{Severity: sev, Code: CodeVariableValue, Title: v.Name + " = " + val, Detail: detail, Evidence: []string{"V:" + v.Name}, Citations: cites[v.Name]}
}

func statusPoint(s StatusValue, cites map[string][]int) Point {
	title := s.Name + " = " + s.Value
	detail := ""
	if s.PerSecond != nil {
		detail = fmt.Sprintf("%s per second over the last %s", promptNum(*s.PerSecond), s.Interval.Round(time.Millisecond))
	}
	return Point{Severity: dba.SeverityInfo, Code: CodeStatusValue, Title: title, Detail: detail, Evidence: []string{"S:" + s.Name}, Citations: cites[s.Name]}
}

func sessionPoints(c Context, cites map[string][]int) []Point {
	total := c.TotalSessions
	if total < len(c.Sessions) {
		total = len(c.Sessions)
	}
	active, withTrx := 0, 0
	var long, idle []dba.Session
	for _, s := range c.Sessions {
		if s.Self {
			continue
		}
		if s.Active() {
			active++
			if s.Info != "" && s.Time >= longRunningWarning {
				long = append(long, s)
			}
		}
		if s.Trx != nil {
			withTrx++
			if !s.Active() && s.Trx.Age >= idleTransactionMinAge {
				idle = append(idle, s)
			}
		}
	}
	out := []Point{{
		Severity: dba.SeverityInfo, Code: CodeSessionsSummary,
		Title:    fmt.Sprintf("%d sessions: %d running a statement, %d with an open transaction", total, active, withTrx),
		Evidence: []string{}, Citations: cites[CodeSessionsSummary],
	}}
	slices.SortStableFunc(long, func(a, b dba.Session) int { return cmp.Compare(b.Time, a.Time) })
	for i, s := range long {
		if i == 5 {
			break
		}
		sev := dba.SeverityWarning
		if s.Time >= longRunningError {
			sev = dba.SeverityError
		}
		out = append(out, Point{
			Severity: sev, Code: CodeLongRunning,
			Title:    fmt.Sprintf("session %d has run one statement for %s", s.ID, s.Time.Round(time.Second)),
			Detail:   fmt.Sprintf("%s@%s in %s, state %q: %s", s.User, s.Host, dbOrNone(s.DB), s.State, clipRunes(promptLine(s.Info), 160)),
			Fix:      "Check its plan (mydba explain); stop it with KILL QUERY " + strconv.FormatInt(s.ID, 10) + " through the safety gate if it must not run.",
			Evidence: []string{"T" + strconv.FormatInt(s.ID, 10)}, Citations: cites[CodeLongRunning],
		})
	}
	slices.SortStableFunc(idle, func(a, b dba.Session) int { return cmp.Compare(b.Trx.Age, a.Trx.Age) })
	for i, s := range idle {
		if i == 5 {
			break
		}
		out = append(out, Point{
			Severity: dba.SeverityWarning, Code: CodeIdleTransaction,
			Title:    fmt.Sprintf("session %d is idle with a transaction open for %s", s.ID, s.Trx.Age.Round(time.Second)),
			Detail:   fmt.Sprintf("%s@%s holds %d row locks and has modified %d rows; an open transaction also holds back purge (history list growth).", s.User, s.Host, s.Trx.RowsLocked, s.Trx.RowsModified),
			Fix:      "Find the application code that leaves the transaction open (missing COMMIT, autocommit off); as a last resort KILL " + strconv.FormatInt(s.ID, 10) + " through the safety gate (its work is rolled back).",
			Evidence: []string{"T" + strconv.FormatInt(s.ID, 10)}, Citations: cites[CodeIdleTransaction],
		})
	}
	return out
}

func lockPoints(g dba.LockGraph, cites map[string][]int) []Point {
	var out []Point
	byID := map[string]dba.LockNode{}
	for _, n := range g.Nodes {
		byID[n.ID] = n
	}
	edgeIDs := map[string][]string{}
	for i, e := range g.Edges {
		if i == maxSessions {
			break
		}
		edgeIDs[e.To] = append(edgeIDs[e.To], "L"+strconv.Itoa(i+1))
	}
	for _, c := range g.Cycles {
		out = append(out, Point{
			Severity: dba.SeverityError, Code: CodeLockCycle,
			Title:    "sessions " + strings.Join(c, ", ") + " wait for each other",
			Detail:   "A cycle of lock waits is a deadlock InnoDB has not resolved yet; it normally rolls one transaction back within moments.",
			Fix:      "If it persists, kill one of the sessions through the safety gate; make the transactions take their locks in the same order.",
			Evidence: prefixAll("T", c), Citations: cites[CodeLockCycle],
		})
	}
	for _, r := range g.Roots {
		n := byID[r]
		sev := dba.SeverityWarning
		if n.Waiters >= 5 {
			sev = dba.SeverityError
		}
		ev := append(prefixAll("T", []string{r}), edgeIDs[r]...)
		out = append(out, Point{
			Severity: sev, Code: CodeLockBlocker,
			Title:    fmt.Sprintf("session %s blocks %d others", r, n.Waiters),
			Detail:   "It holds locks the others wait for; the longest chain is " + strconv.Itoa(g.MaxDepth) + " deep.",
			Fix:      "See what it is doing (an open transaction that is idle is the usual cause); commit or end it, or KILL " + r + " through the safety gate.",
			Evidence: ev, Citations: cites[CodeLockBlocker],
		})
	}
	return out
}

func dbOrNone(db string) string {
	if db == "" {
		return "no database"
	}
	return db
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Codes of the points mydba derives from a statement profile.
const (
	CodeProfileTmpDisk        = "TmpDiskTables"
	CodeProfileSortMerge      = "SortMergePasses"
	CodeProfileNoIndex        = "NoIndexUsed"
	CodeProfileExaminedToSent = "RowsExaminedVsSent"
	CodeProfileSlowestStage   = "SlowestStage"
)

// ProfileCodes lists the point codes a profile gives, for retrieval.
func ProfileCodes(p *dba.StatementProfile) []string {
	var out []string
	for _, pt := range profilePoints(*p, nil) {
		out = append(out, pt.Code)
	}
	return out
}

func profilePoints(p dba.StatementProfile, cites map[string][]int) []Point {
	var out []Point
	add := func(sev dba.Severity, code, title, detail, fix string, ev ...string) {
		out = append(out, Point{Severity: sev, Code: code, Title: title, Detail: detail, Fix: fix, Evidence: ev, Citations: cites[code]})
	}
	if p.TmpDiskTables > 0 {
		add(dba.SeverityWarning, CodeProfileTmpDisk, fmt.Sprintf("%d internal temporary tables went to disk", p.TmpDiskTables),
			"A GROUP BY, DISTINCT, UNION or ORDER BY needed a temporary table larger than the in-memory limit (or with column types memory tables refuse).",
			"Let an index deliver the rows in order, reduce the columns carried, or raise tmp_table_size and max_heap_table_size together.", "R1")
	}
	if p.SortMergePasses > 0 {
		add(dba.SeverityWarning, CodeProfileSortMerge, fmt.Sprintf("the sort needed %d merge passes", p.SortMergePasses),
			"The rows to sort did not fit the sort buffer, so they were sorted in chunks on disk and merged.",
			"Avoid the sort with an index in ORDER BY order, sort fewer or narrower rows, or raise sort_buffer_size for this session.", "R1")
	}
	if p.NoIndexUsed || p.NoGoodIndexUsed {
		add(dba.SeverityWarning, CodeProfileNoIndex, "a table was read without a usable index",
			"The statement scanned at least one table (no_index_used / no_good_index_used).",
			"EXPLAIN the statement to see which table, then index the columns of its WHERE and JOIN conditions.", "R1")
	}
	if p.RowsSent > 0 && p.RowsExamined > 100*p.RowsSent && p.RowsExamined > 1000 {
		add(dba.SeverityWarning, CodeProfileExaminedToSent, fmt.Sprintf("%d rows examined for %d sent", p.RowsExamined, p.RowsSent),
			"The server reads far more rows than it returns: the filter is applied after reading.",
			"An index matching the WHERE clause lets the server read only the rows it returns.", "R1")
	}
	var top *dba.StageTiming
	for i := range p.Stages {
		if top == nil || p.Stages[i].Duration > top.Duration {
			top = &p.Stages[i]
		}
	}
	if top != nil && top.SharePct >= 50 {
		add(dba.SeverityInfo, CodeProfileSlowestStage, fmt.Sprintf("%s%% of the time is in stage %q", promptNum(top.SharePct), top.Stage),
			"Most of the statement's time was spent in this one stage.", "", "G1")
	}
	return out
}

// Codes of the points mydba derives from a schema.
const (
	CodeNoPrimaryKey     = "NoPrimaryKey"
	CodeNonTransactional = "NonTransactionalEngine"
)

func schemaPoints(tables []dba.TableDetail, cites map[string][]int) []Point {
	var out []Point
	for _, t := range tables {
		if t.Table.Type == "view" {
			continue
		}
		name := dba.QualifiedName{Schema: t.Schema, Name: t.Table.Name}.String()
		hasPK := false
		for _, ix := range t.Indexes {
			hasPK = hasPK || ix.Primary
		}
		if !hasPK {
			out = append(out, Point{Severity: dba.SeverityWarning, Code: CodeNoPrimaryKey, Title: name + " has no primary key",
				Detail:   "InnoDB then clusters rows on a hidden row id: lookups by any key need a second step, and row-based replication must scan the table for every changed row.",
				Fix:      "Add a primary key (an AUTO_INCREMENT id, or the natural unique key).",
				Evidence: []string{}, Citations: cites[CodeNoPrimaryKey]})
		}
		switch strings.ToLower(t.Table.Engine) {
		case "myisam", "aria", "memory", "csv", "archive":
			out = append(out, Point{Severity: dba.SeverityInfo, Code: CodeNonTransactional, Title: name + " uses " + t.Table.Engine,
				Detail:   "The engine has no transactions: a failed multi-row change stays half done, and a crash can lose recent writes.",
				Fix:      "Convert it to InnoDB unless the engine's trade-off is wanted (ALTER TABLE ... ENGINE=InnoDB, through the safety gate).",
				Evidence: []string{}, Citations: cites[CodeNonTransactional]})
		}
	}
	return out
}
