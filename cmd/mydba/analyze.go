package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

type analyzeFlags struct {
	file      string
	database  string
	failOn    string
	largeRows int64
}

func (a *app) analyzeCommand() *cobra.Command {
	var f analyzeFlags
	c := &cobra.Command{
		Use:   "analyze [SQL]",
		Short: "Find slow, fragile or wrong SQL with static-analysis rules (schema-aware with -c)",
		Long: `Check SQL with mydba's static-analysis rules: SELECT *, UPDATE/DELETE without
WHERE or without batching, cartesian joins, functions on indexed columns,
leading-wildcard LIKE, implicit type conversions, OR across columns, ORDER
BY RAND(), large OFFSET pagination, NOT IN over a nullable subquery,
correlated subqueries in the select list, unbounded reads of large tables,
non-aggregated GROUP BY columns, UNION without ALL, INSERT without a column
list and non-sargable date conditions. Each finding has a stable code, a
severity (info, warning, error), the evidence, why it matters and a fix;
docs/analyze.md lists them all.

The SQL comes from the argument, from -f FILE, or from stdin. Nothing is
executed. With a connection (-c NAME or --dsn), the rules read the real
column types, indexes and row estimates of the tables the statements name
(unqualified names resolve against --database, else the connection's
default database); without one the analysis runs offline.

The exit code is 0 even with findings, unless --fail-on is given: then any
finding of that severity or above exits 1 (for CI).`,
		Example: `  mydba analyze "SELECT * FROM orders WHERE DATE(created_at) = '2024-01-01'"
  mydba analyze -c prod --database shop -f migration.sql
  git diff --name-only -- '*.sql' | xargs cat | mydba analyze --fail-on warning -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runAnalyze(cmd, args, f)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.file, "file", "f", "", "read the SQL from `FILE` (- for stdin)")
	fl.StringVar(&f.database, "database", "", "schema `NAME` for unqualified table names (default: the connection's database)")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding has this `SEVERITY` or above: info, warning or error")
	fl.Int64Var(&f.largeRows, "large-rows", 0, "row estimate from which a table counts as large (default 100000)")
	_ = c.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"info", "warning", "error"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func (a *app) runAnalyze(cmd *cobra.Command, args []string, f analyzeFlags) error {
	var failOn dba.Severity
	if f.failOn != "" {
		var err error
		if failOn, err = dba.ParseSeverity(f.failOn); err != nil {
			return fmt.Errorf("--fail-on: %w", err)
		}
	}
	if f.largeRows < 0 {
		return fmt.Errorf("%w: --large-rows must be 0 (default) or more", dba.ErrInvalid)
	}
	online := a.conn != "" || a.dsn != ""
	if f.database != "" && !online {
		return fmt.Errorf("%w: --database needs a connection (-c NAME or --dsn) to read the schema from", dba.ErrInvalid)
	}
	script, err := a.readSQL(args, f.file)
	if err != nil {
		return err
	}
	wb, err := a.workbench(cmd.Context())
	if err != nil {
		return err
	}
	req := workbench.AnalyzeRequest{SQL: script, Database: f.database, LargeTableRows: f.largeRows}
	if online {
		r := a.connRequest()
		req.Conn = &r
	}
	res, err := wb.Analyze(cmd.Context(), req)
	if err != nil {
		return err
	}
	a.notes(res.Notes...)
	if err := a.renderAnalyze(res); err != nil {
		return err
	}
	if failOn != "" {
		n := 0
		for _, fd := range res.Findings() {
			if fd.Severity.AtLeast(failOn) {
				n++
			}
		}
		if n > 0 {
			return fmt.Errorf("%s at %s or above (--fail-on %s)", countOf(n, "finding", "findings"), failOn, failOn)
		}
	}
	return nil
}

func (a *app) renderAnalyze(res workbench.AnalyzeResult) error {
	switch a.output {
	case "json":
		return a.render(view{data: res})
	case "csv":
		t := table{headers: []string{"statement", "line", "column", "severity", "code", "object", "evidence", "why", "fix"}}
		for _, s := range res.Statements {
			for _, fd := range s.Findings {
				t.rows = append(t.rows, []string{strconv.Itoa(s.Index), strconv.Itoa(fd.Line), strconv.Itoa(fd.Column),
					string(fd.Severity), fd.Code, fd.Object, fd.Evidence, fd.Why, fd.Fix})
			}
		}
		return a.render(view{data: res, tables: []table{t}})
	}
	return writeAnalyzeText(a.stdout, res)
}

// writeAnalyzeText is the table output: per statement, each finding with
// its evidence, why and fix on their own lines, then a summary.
func writeAnalyzeText(w io.Writer, res workbench.AnalyzeResult) error {
	var b strings.Builder
	counts := map[dba.Severity]int{}
	for i, s := range res.Statements {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "statement %d (line %d, %s, risk %s): %s\n", s.Index, s.Line, s.Class, s.Risk, oneLine(s.SQL, 72))
		if len(s.Findings) == 0 {
			b.WriteString("  no findings\n")
		}
		for _, fd := range s.Findings {
			counts[fd.Severity]++
			at := ""
			if fd.Line > 0 {
				at = fmt.Sprintf(" at %d:%d", fd.Line, fd.Column)
			}
			obj := ""
			if fd.Object != "" {
				obj = " (" + fd.Object + ")"
			}
			fmt.Fprintf(&b, "  %-7s  %s%s%s\n", fd.Severity, fd.Code, at, obj)
			fmt.Fprintf(&b, "    evidence: %s\n", strings.Join(strings.Fields(fd.Evidence), " "))
			fmt.Fprintf(&b, "    why:      %s\n", fd.Why)
			fmt.Fprintf(&b, "    fix:      %s\n", fd.Fix)
		}
	}
	b.WriteByte('\n')
	total := counts[dba.SeverityError] + counts[dba.SeverityWarning] + counts[dba.SeverityInfo]
	fmt.Fprintf(&b, "%s (%s, %s, %d info) in %s; ", countOf(total, "finding", "findings"),
		countOf(counts[dba.SeverityError], "error", "errors"), countOf(counts[dba.SeverityWarning], "warning", "warnings"),
		counts[dba.SeverityInfo], countOf(len(res.Statements), "statement", "statements"))
	if res.SchemaAware {
		var names []string
		for _, t := range res.Tables {
			names = append(names, t.Schema+"."+t.Name)
		}
		fmt.Fprintf(&b, "schema of %s read from %s", countOf(len(res.Tables), "table", "tables"), res.Profile)
		if len(names) > 0 {
			b.WriteString(" (" + strings.Join(names, ", ") + ")")
		}
		b.WriteString(".\n")
	} else {
		b.WriteString("offline: connect with -c or --dsn for the rules that need column types, indexes and row estimates.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// countOf writes "1 finding", "3 findings".
func countOf(n int, one, many string) string {
	return strconv.Itoa(n) + " " + plural(int64(n), one, many)
}
