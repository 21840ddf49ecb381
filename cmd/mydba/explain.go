package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/numfmt"
	"github.com/mydba/mydba/internal/workbench"
)

type explainFlags struct {
	file     string
	analyze  bool
	maxTime  time.Duration
	noSchema bool
	from     string
	raw      bool
	// ai asks the AI assistant about the plan (see ask.go).
	ai bool
}

func (a *app) explainCommand() *cobra.Command {
	var f explainFlags
	var af approveFlags
	var xf assistFlags
	c := &cobra.Command{
		Use:   "explain [SQL]",
		Short: "Show a statement's plan as a tree, with its pain points and index advice",
		Long: `Show how the server runs a statement: EXPLAIN FORMAT=JSON (MariaDB and MySQL),
read into one tree of steps with access type, key, estimated rows, filtered
percentage and cost, and the findings of the plan advisor: full scans,
missing indexes (with the CREATE INDEX to add, columns in the order that
works), sorts, temporary tables, join buffers, dependent subqueries.

EXPLAIN never executes the statement. A write (INSERT, UPDATE, DELETE,
REPLACE) is explained on a writable session inside a transaction that is
rolled back, because servers refuse EXPLAIN of a write in a read-only one.

--analyze executes the statement to measure each step (MariaDB ANALYZE
FORMAT=JSON, MySQL EXPLAIN ANALYZE): actual rows, loops and time, and
estimates off by more than 10x. A read runs on the read-only session,
stopped at --max-time. A write goes through the safety gate: it is shown
as a plan, needs explicit confirmation (--yes, or --confirm and --reason on
prod) even where the policy would let it run, runs inside a transaction
that is always rolled back, and is audited. Tables without transactions
(MyISAM, Aria) are refused: a rollback could not undo the change.

--from FILE reads a saved plan instead (any format mydba reads: FORMAT=JSON
of either server, MySQL's version-2 JSON, FORMAT=TREE / EXPLAIN ANALYZE
text, the classic table, or mydba's own -o json) and advises on it; give
the statement too for concrete index advice.`,
		Example: `  mydba -c prod explain "SELECT * FROM shop.orders WHERE status = 'paid' ORDER BY created_at"
  mydba -c prod explain --analyze -f slow.sql
  mydba -c dev explain --analyze --yes "UPDATE shop.orders SET note = 'x' WHERE status = 'new'"
  mydba -c prod explain -o json "SELECT ..." > before.json
  mydba explain --from plan.txt "SELECT ..."`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.ai {
				return a.runExplainAI(cmd, args, f, xf)
			}
			return a.runExplain(cmd, args, f, af)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.file, "file", "f", "", "read the statement from `FILE` (- for stdin)")
	fl.BoolVar(&f.analyze, "analyze", false, "execute the statement and measure each step (writes: through the safety gate, rolled back)")
	fl.DurationVar(&f.maxTime, "max-time", workbench.DefaultQueryMaxTime, "stop the statement on the server after this `DURATION`")
	fl.BoolVar(&f.noSchema, "no-schema", false, "do not read the tables' definitions (indexes, row counts) for advice")
	fl.StringVar(&f.from, "from", "", "read a saved plan from `FILE` (- for stdin) instead of asking a server")
	fl.BoolVar(&f.raw, "raw", false, "print the server's plan output as it came (to save for plan-diff)")
	af.register(c)
	fl.BoolVar(&f.ai, "ai", false, "explain the plan with the AI assistant: prioritised advice citing the evidence and the knowledge base (see mydba ask --help)")
	xf.register(c)
	return c
}

func (a *app) runExplain(cmd *cobra.Command, args []string, f explainFlags, af approveFlags) error {
	if f.maxTime <= 0 {
		return fmt.Errorf("%w: --max-time must be positive", dba.ErrInvalid)
	}
	if f.from != "" {
		if f.analyze || f.raw {
			return fmt.Errorf("%w: --from reads a saved plan: --analyze and --raw need a server", dba.ErrInvalid)
		}
		sql := ""
		if len(args) == 1 || f.file != "" {
			var err error
			if sql, err = a.readSQL(args, f.file); err != nil {
				return err
			}
		}
		p, err := workbench.ReadPlanFile(f.from, a.readStdin)
		if err != nil {
			return err
		}
		return a.renderPlanReport(workbench.ReportSavedPlan(p, sql))
	}
	sql, err := a.readSQL(args, f.file)
	if err != nil {
		return err
	}
	wb, err := a.workbench(cmd.Context())
	if err != nil {
		return err
	}
	rep, err := wb.Explain(cmd.Context(), workbench.ExplainRequest{
		Conn: a.connRequest(), SQL: sql, Analyze: f.analyze, MaxTime: f.maxTime, Source: "cli",
		Approve: a.approver(af), NoSchema: f.noSchema,
	})
	if err != nil {
		if errors.Is(err, workbench.ErrRefused) && !a.interactive() {
			return fmt.Errorf("%w (ANALYZE of a write executes it: confirm with --yes, or --confirm NAME and --reason TEXT on prod)", err)
		}
		return timeLimitHint(err, f.maxTime)
	}
	if f.raw {
		_, err := io.WriteString(a.stdout, strings.TrimRight(rep.Raw, "\n")+"\n")
		return err
	}
	return a.renderPlanReport(rep)
}

func (a *app) readStdin() ([]byte, error) {
	return io.ReadAll(io.LimitReader(a.stdin, 64<<20))
}

// renderPlanReport prints a plan as an indented tree of steps and the
// findings under it; -o json prints the report (plan and findings).
func (a *app) renderPlanReport(rep dba.PlanReport) error {
	rep.Raw = ""
	if a.output == "json" {
		return a.render(view{data: rep})
	}
	var rec []field
	if rep.Statement != "" {
		rec = append(rec, field{"statement", oneLine(rep.Statement, 100)})
	}
	if rep.Profile != "" {
		rec = append(rec, field{"server", fmt.Sprintf("%s (%s %s)", rep.Profile, rep.Server.Flavor, rep.Server.Version)})
	}
	for _, n := range rep.Notes {
		rec = append(rec, field{"note", n})
	}
	if rep.Plan.Root == nil {
		return a.render(view{record: rec})
	}
	p := rep.Plan
	rec = append(rec, field{"plan", rep.Description()})
	if p.Cost != nil {
		rec = append(rec, field{"cost", numfmt.Num(*p.Cost)})
	}
	if p.TimeMs != nil {
		rec = append(rec, field{"time", numfmt.Ms(*p.TimeMs) + " ms"})
	}
	for _, n := range p.Notes {
		rec = append(rec, field{"parser note", n})
	}
	steps := a.planTable(p)
	findings := table{title: fmt.Sprintf("findings (%d)", len(rep.Findings)), headers: []string{"severity", "code", "node", "object", "evidence", "why", "fix"}}
	for _, fd := range rep.Findings {
		node := ""
		if fd.Node > 0 {
			node = strconv.Itoa(fd.Node)
		}
		sev := string(fd.Severity)
		if fd.Positive {
			sev = "good"
		}
		findings.rows = append(findings.rows, []string{sev, fd.Code, node, fd.Object, fd.Evidence, fd.Why, fd.Fix})
	}
	if a.output == "csv" {
		return a.render(view{record: rec, tables: []table{steps, findings}})
	}
	if err := a.render(view{record: rec, tables: []table{steps}}); err != nil {
		return err
	}
	a.printFindings(rep.Findings)
	return nil
}

// planTable lays the tree out one step per row, indented.
func (a *app) planTable(p dba.Plan) table {
	t := table{headers: []string{"id", "step", "access", "key", "rows", "filtered", "cost"}}
	if p.Analyzed {
		t.headers = append(t.headers, "actual rows", "loops", "time ms")
	}
	t.headers = append(t.headers, "flags", "details")
	csv := a.output == "csv"
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
		if csv {
			branch = strings.Repeat("  ", strings.Count(branch, "─"))
		}
		row := []string{strconv.Itoa(n.ID), branch + oneLine(n.StepName(), 70), n.Access, n.Key, optNum(n.Rows, numfmt.Num), optNum(n.Filtered, func(f float64) string { return numfmt.Num(f) + "%" }), optNum(n.Cost, numfmt.Num)}
		if p.Analyzed {
			var ar, loops, ms string
			if n.Actual != nil {
				ar = optNum(n.Actual.Rows, numfmt.Num)
				loops = optNum(n.Actual.Loops, numfmt.Num)
				ms = optNum(n.Actual.TimeMs, numfmt.Ms)
			}
			row = append(row, ar, loops, ms)
		}
		flags := make([]string, len(n.Flags))
		for i, f := range n.Flags {
			flags[i] = string(f)
		}
		details := n.Detail()
		if !csv {
			details = oneLine(details, 60)
		}
		row = append(row, strings.Join(flags, ","), details)
		t.rows = append(t.rows, row)
		for i, c := range n.Children {
			walk(c, next, i == len(n.Children)-1, false)
		}
	}
	walk(p.Root, "", true, true)
	return t
}

// printFindings writes findings as blocks: they carry sentences, which a
// table column would cut.
func (a *app) printFindings(fs []dba.PlanFinding) {
	w := a.stdout
	if len(fs) == 0 {
		fmt.Fprintln(w, "\nfindings: none")
		return
	}
	fmt.Fprintf(w, "\nfindings (%d):\n", len(fs))
	for _, f := range fs {
		sev := string(f.Severity)
		if f.Positive {
			sev = "good"
		}
		head := fmt.Sprintf("%-7s %s", sev, f.Code)
		if f.Node > 0 {
			head += fmt.Sprintf("  node %d", f.Node)
		}
		if f.Object != "" {
			head += "  " + f.Object
		}
		fmt.Fprintln(w, "  "+a.severityColour(sev, head))
		for _, line := range [][2]string{{"evidence", f.Evidence}, {"why", f.Why}, {"fix", f.Fix}} {
			if line[1] != "" {
				fmt.Fprintf(w, "          %-9s %s\n", line[0]+":", line[1])
			}
		}
	}
}

func (a *app) severityColour(sev, s string) string {
	if !a.colour() {
		return s
	}
	code := map[string]string{"error": "31", "warning": "33", "good": "32", "better": "32", "worse": "31"}[sev]
	if code == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func optNum(f *float64, format func(float64) string) string {
	if f == nil {
		return ""
	}
	return format(*f)
}

type planDiffFlags struct {
	sql       string
	file      string
	against   string
	failWorse bool
	maxTime   time.Duration
}

func (a *app) planDiffCommand() *cobra.Command {
	var f planDiffFlags
	c := &cobra.Command{
		Use:   "plan-diff [BEFORE AFTER]",
		Short: "Compare two plans of the same statement node by node",
		Long: `Compare two plans of one statement: before and after an index, on two
servers, on two dates. BEFORE and AFTER are files holding a plan in any
format mydba reads (EXPLAIN/ANALYZE FORMAT=JSON, MySQL's version-2 JSON,
FORMAT=TREE and EXPLAIN ANALYZE text, the classic table, or mydba explain
-o json). With --sql and --against, the statement is explained (never
executed) on the connection of -c/--dsn and on the profile --against.

Tables are matched by the name the plan gives them; every change of access
type, key, estimated rows (2x or more), cost (10% or more), filtered
percentage, flags and measured rows or time is listed, marked better or
worse where that is clear, with added and removed steps (sorts, temporary
tables, subqueries) and a changed join order. --fail-worse exits with an
error when anything got worse, for CI.`,
		Example: `  mydba -c prod explain -o json "SELECT ..." > before.json
  mydba -c prod plan-diff before.json after.json
  mydba -c staging plan-diff --against prod --sql "SELECT ..."`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runPlanDiff(cmd, args, f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.sql, "sql", "", "explain this `SQL` on both connections instead of reading files")
	fl.StringVarP(&f.file, "file", "f", "", "read the --sql statement from `FILE`")
	fl.StringVar(&f.against, "against", "", "profile `NAME` of the second server (with --sql)")
	fl.BoolVar(&f.failWorse, "fail-worse", false, "exit with an error when a change is worse")
	fl.DurationVar(&f.maxTime, "max-time", workbench.DefaultQueryMaxTime, "stop each EXPLAIN on the server after this `DURATION`")
	_ = c.RegisterFlagCompletionFunc("against", a.completeProfiles)
	return c
}

func (a *app) runPlanDiff(cmd *cobra.Command, args []string, f planDiffFlags) error {
	live := f.sql != "" || f.file != "" || f.against != ""
	var d dba.PlanDiff
	switch {
	case live && len(args) > 0:
		return fmt.Errorf("%w: give two plan files, or --sql with --against, not both", dba.ErrInvalid)
	case live:
		if f.against == "" {
			return fmt.Errorf("%w: --sql needs --against NAME (the second server's profile)", dba.ErrInvalid)
		}
		var sqlArgs []string
		if f.sql != "" {
			sqlArgs = []string{f.sql}
		}
		sql, err := a.readSQL(sqlArgs, f.file)
		if err != nil {
			return err
		}
		wb, err := a.workbench(cmd.Context())
		if err != nil {
			return err
		}
		other := workbench.ConnRequest{Profile: f.against}
		a.fillRequest(&other)
		_, _, d, err = wb.ExplainBoth(cmd.Context(),
			workbench.ExplainRequest{Conn: a.connRequest(), SQL: sql, MaxTime: f.maxTime, Source: "cli", NoSchema: true},
			workbench.ExplainRequest{Conn: other, SQL: sql, MaxTime: f.maxTime, Source: "cli", NoSchema: true})
		if err != nil {
			return err
		}
	case len(args) == 2:
		before, err := workbench.ReadPlanFile(args[0], a.readStdin)
		if err != nil {
			return err
		}
		after, err := workbench.ReadPlanFile(args[1], a.readStdin)
		if err != nil {
			return err
		}
		d = workbench.DiffPlans(before, after)
		d.Before.Source, d.After.Source = args[0], args[1]
	default:
		return fmt.Errorf("%w: give two plan files (BEFORE AFTER), or --sql with --against", dba.ErrInvalid)
	}
	if err := a.renderPlanDiff(d); err != nil {
		return err
	}
	if f.failWorse {
		worse := 0
		for _, c := range d.Changes {
			if c.Verdict == dba.VerdictWorse {
				worse++
			}
		}
		if worse > 0 {
			return fmt.Errorf("the plan got worse: %d %s", worse, plural(int64(worse), "change", "changes"))
		}
	}
	return nil
}

func (a *app) renderPlanDiff(d dba.PlanDiff) error {
	if a.output == "json" {
		return a.render(view{data: d})
	}
	summary := func(s dba.PlanSummary) string {
		parts := []string{string(s.Format)}
		if s.Flavor != dba.FlavorUnknown {
			parts = append(parts, s.Flavor.String())
		}
		if s.Analyzed {
			parts = append(parts, "measured")
		}
		parts = append(parts, fmt.Sprintf("%d steps", s.Nodes), "tables "+strings.Join(s.Tables, ", "))
		if s.Cost != nil {
			parts = append(parts, "cost "+numfmt.Num(*s.Cost))
		}
		if s.RowsExamined != nil {
			parts = append(parts, "rows "+numfmt.Num(*s.RowsExamined))
		}
		if s.TimeMs != nil {
			parts = append(parts, numfmt.Ms(*s.TimeMs)+" ms")
		}
		return s.Source + ": " + strings.Join(parts, ", ")
	}
	rec := []field{{"before", summary(d.Before)}, {"after", summary(d.After)}}
	if d.Same {
		rec = append(rec, field{"result", "same plan: tables, access types, keys and flags match; estimates within tolerance"})
		return a.render(view{record: rec})
	}
	t := table{title: fmt.Sprintf("changes (%d)", len(d.Changes)), headers: []string{"node", "change", "before", "after", "verdict", "ids"}}
	for _, c := range d.Changes {
		ids := ""
		if c.BeforeID > 0 || c.AfterID > 0 {
			ids = idOrDash(c.BeforeID) + "→" + idOrDash(c.AfterID)
		}
		t.rows = append(t.rows, []string{oneLine(c.Node, 50), c.Field, oneLine(c.Before, 40), oneLine(c.After, 40), a.severityColour(c.Verdict, c.Verdict), ids})
	}
	return a.render(view{record: rec, tables: []table{t}})
}

func idOrDash(id int) string {
	if id == 0 {
		return "-"
	}
	return strconv.Itoa(id)
}
