package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// assistFlags are the flags every AI verb shares.
type assistFlags struct {
	showPrompt bool
	promptOnly bool
}

func (f *assistFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.BoolVar(&f.showPrompt, "show-prompt", false, "print the exact request sent to the AI provider (system text and messages)")
	fl.BoolVar(&f.promptOnly, "prompt-only", false, "build the request and print it; send nothing")
}

// options turns the flags into the use cases' options; the answer streams
// to stdout as it arrives when the output is a table.
func (a *app) assistOptions(f assistFlags) workbench.AssistOptions {
	o := workbench.AssistOptions{ShowPrompt: f.showPrompt, PromptOnly: f.promptOnly, Source: "cli"}
	if a.output == "table" && !f.promptOnly {
		o.OnText = func(s string) { _, _ = io.WriteString(a.stdout, assistClean(s)) }
	}
	return o
}

type askFlags struct {
	sql       string
	variable  string
	status    string
	processes bool
	locks     bool
	schema    string
	genSQL    bool
	run       bool
	maxRows   int64
	maxTime   time.Duration
	allowData bool
}

func (a *app) askCommand() *cobra.Command {
	var f askFlags
	var af assistFlags
	c := &cobra.Command{
		Use:   "ask [QUESTION]",
		Short: "Ask the AI assistant about the server, a statement, a variable, sessions or locks",
		Long: `Ask the AI assistant. The answer rests on mydba's own evidence — static
findings, plan pain points, schema (names, types, indexes, row estimates),
variable values, process-list and lock summaries — and on mydba's
knowledge base, cited as [1], [2] with links.

What leaves the machine: literal values of SQL become placeholders (@v1)
that are put back in the answer shown here; host names, addresses and
secrets are redacted; text from the database (comments, names, other
sessions' statements) is fenced as untrusted data. No row data is sent
unless --allow-data is given (with --schema). --show-prompt prints the
exact payload; --prompt-only prints it and sends nothing.

Nothing the assistant writes is executed. SQL in an answer is listed as a
proposal: run it yourself through the safety gate (mydba exec), or, for a
generated query, with --run (read-only, capped).

Without an AI provider configured (mydba ai setup), mydba answers with its
deterministic findings and knowledge-base citations, labelled as such.

One kind of question per call:
  QUESTION                 a free question (about the connection when -c is given)
  --variable NAME          explain a server variable and its value
  --status NAME            explain a status counter, its value and rate
  --processes              explain what the sessions are doing
  --locks                  explain the lock chains
  --schema [DB[.TABLE]]    describe a schema or table (--schema "" for the default database)
  --sql QUESTION           write a read-only query for the question (shown; --run runs it)`,
		Example: `  mydba ask "what does innodb_flush_log_at_trx_commit trade off?"
  mydba -c prod ask "why is this slow?" --sql-context "SELECT * FROM shop.orders WHERE note LIKE '%x'"
  mydba -c prod ask --variable innodb_buffer_pool_size
  mydba -c prod ask --status Threads_running
  mydba -c prod ask --locks
  mydba -c dev ask --sql "top 10 customers by order total this year" --run
  mydba -c dev ask --schema shop --prompt-only`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runAsk(cmd, args, f, af)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.sql, "sql-context", "", "a `STATEMENT` the question is about (its static findings become evidence)")
	fl.StringVar(&f.variable, "variable", "", "explain the server variable `NAME`")
	fl.StringVar(&f.status, "status", "", "explain the status counter `NAME`")
	fl.BoolVar(&f.processes, "processes", false, "explain the process list")
	fl.BoolVar(&f.locks, "locks", false, "explain the lock chains")
	fl.StringVar(&f.schema, "schema", "", "describe the schema `DB` or table DB.TABLE")
	fl.BoolVar(&f.genSQL, "sql", false, "write a read-only query for the question")
	fl.BoolVar(&f.run, "run", false, "with --sql: run the generated query read-only, capped by --max-rows and --max-time")
	fl.Int64Var(&f.maxRows, "max-rows", workbench.DefaultGeneratedRows, "with --run: at most `N` rows")
	fl.DurationVar(&f.maxTime, "max-time", workbench.DefaultGeneratedTime, "with --run: stop the query after `DURATION`")
	fl.BoolVar(&f.allowData, "allow-data", false, "with --schema: send a few rows of each table, for this request only")
	af.register(c)
	return c
}

func (a *app) runAsk(cmd *cobra.Command, args []string, f askFlags, af assistFlags) error {
	ctx := cmd.Context()
	question := ""
	if len(args) == 1 {
		question = args[0]
	}
	schemaSet := cmd.Flags().Changed("schema")
	kinds := boolCount(f.variable != "", f.status != "", f.processes, f.locks, schemaSet, f.genSQL)
	switch {
	case kinds > 1:
		return fmt.Errorf("%w: give one of --variable, --status, --processes, --locks, --schema, --sql", dba.ErrInvalid)
	case f.run && !f.genSQL:
		return fmt.Errorf("%w: --run runs a generated query: use it with --sql", dba.ErrInvalid)
	case f.allowData && !schemaSet:
		return fmt.Errorf("%w: --allow-data applies to --schema only", dba.ErrInvalid)
	case f.sql != "" && kinds > 0:
		return fmt.Errorf("%w: --sql-context goes with a free question", dba.ErrInvalid)
	case kinds == 0 && strings.TrimSpace(question) == "":
		return fmt.Errorf("%w: ask a question, or use --variable, --status, --processes, --locks, --schema or --sql (see mydba ask --help)", dba.ErrInvalid)
	case f.genSQL && strings.TrimSpace(question) == "":
		return fmt.Errorf("%w: --sql needs the question to answer", dba.ErrInvalid)
	}
	wb, err := a.workbench(ctx)
	if err != nil {
		return err
	}
	o := a.assistOptions(af)
	conn := a.connRequest()
	hasConn := conn.Profile != "" || conn.DSN != ""
	if kinds > 0 && !hasConn {
		return fmt.Errorf("%w: this needs a connection: give -c NAME or --dsn", dba.ErrInvalid)
	}
	var ans workbench.Answer
	switch {
	case f.variable != "":
		ans, err = wb.ExplainVariable(ctx, workbench.NameAssistRequest{Conn: conn, Name: f.variable, Question: question, AssistOptions: o})
	case f.status != "":
		ans, err = wb.ExplainStatus(ctx, workbench.NameAssistRequest{Conn: conn, Name: f.status, Question: question, AssistOptions: o})
	case f.processes:
		ans, err = wb.ExplainProcesses(ctx, workbench.ProcessAssistRequest{Conn: conn, Question: question, AssistOptions: o})
	case f.locks:
		ans, err = wb.ExplainLocks(ctx, workbench.ProcessAssistRequest{Conn: conn, Question: question, AssistOptions: o})
	case schemaSet:
		r := workbench.SQLAssistRequest{Conn: conn, Question: question, AssistOptions: o}
		r.AllowData = f.allowData
		if f.schema != "" {
			r.Schema, r.Table, _ = strings.Cut(f.schema, ".")
		}
		ans, err = wb.ExplainSchema(ctx, r)
	case f.genSQL:
		ans, err = wb.GenerateSQL(ctx, workbench.SQLAssistRequest{Conn: conn, Question: question, AssistOptions: o})
	default:
		r := workbench.AskRequest{Question: question, SQL: f.sql, AssistOptions: o}
		if hasConn {
			r.Conn = &conn
		}
		ans, err = wb.Ask(ctx, r)
	}
	if err != nil {
		return err
	}
	if err := a.renderAnswer(ans); err != nil {
		return err
	}
	if !f.run {
		if ans.SQL != "" && a.output == "table" {
			fmt.Fprintln(a.stderr, "mydba: the query was not run; add --run to run it read-only (capped at --max-rows and --max-time)")
		}
		return nil
	}
	if ans.SQL == "" {
		return fmt.Errorf("%w: no query to run (see the notes above)", dba.ErrNotFound)
	}
	res, err := wb.RunGeneratedSQL(ctx, workbench.RunSQLRequest{Conn: conn, SQL: ans.SQL, MaxRows: f.maxRows, MaxTime: f.maxTime, Source: "cli"})
	if len(res.Statements) > 0 && a.output != "json" {
		if rerr := a.renderQuery(res, f.maxRows, 1<<20); rerr != nil && err == nil {
			err = rerr
		}
	}
	return timeLimitHint(err, f.maxTime)
}

// renderAnswer prints an answer. The model's text already streamed (table
// output) or is in the JSON; after it come the deterministic points, the
// proposals, the references and the notes.
func (a *app) renderAnswer(ans workbench.Answer) error {
	if a.output == "json" {
		return a.render(view{data: ans})
	}
	if ans.Prompt != nil && a.output == "table" {
		fmt.Fprintln(a.stdout, "--- prompt: system ---")
		fmt.Fprintln(a.stdout, ans.Prompt.System)
		for _, m := range ans.Prompt.Messages {
			fmt.Fprintf(a.stdout, "--- prompt: %s ---\n", m.Role)
			fmt.Fprintln(a.stdout, assistClean(m.Content))
		}
		fmt.Fprintln(a.stdout, "--- end of prompt ---")
	}
	rec := []field{{"answer", ans.Label}}
	if ans.Profile != "" {
		rec = append(rec, field{"server", fmt.Sprintf("%s (%s %s)", ans.Profile, ans.Server.Flavor, ans.Server.Version)})
	}
	if ans.Error != "" {
		rec = append(rec, field{"provider error", ans.Error})
	}
	if ans.Usage != nil {
		rec = append(rec, field{"tokens", fmt.Sprintf("%d in, %d out", ans.Usage.InputTokens, ans.Usage.OutputTokens)})
	}
	if len(ans.Cited) > 0 {
		rec = append(rec, field{"evidence cited", strings.Join(ans.Cited, ", ")})
	}
	if ans.SQL != "" {
		rec = append(rec, field{"generated query", oneLine(ans.SQL, 200)})
	}
	points := table{title: fmt.Sprintf("mydba's findings (%d)", len(ans.Points)), headers: []string{"severity", "code", "finding", "evidence", "refs"}}
	for _, p := range ans.Points {
		sev := string(p.Severity)
		if p.Positive {
			sev = "good"
		}
		title := p.Title
		if p.Fix != "" {
			title += " — fix: " + p.Fix
		}
		points.rows = append(points.rows, []string{sev, p.Code, oneLine(title, 160), strings.Join(p.Evidence, ","), assistRefs(p.Citations)})
	}
	props := table{title: fmt.Sprintf("proposals (%d): never run by mydba; use mydba optimize --try N, or mydba exec", len(ans.Proposals)), headers: []string{"#", "kind", "from", "statement", "note"}}
	for i, p := range ans.Proposals {
		props.rows = append(props.rows, []string{strconv.Itoa(i + 1), p.Kind, p.From, oneLine(p.SQL, 160), p.Note})
	}
	refs := table{title: fmt.Sprintf("references (%d)", len(ans.Citations)), headers: []string{"ref", "title", "url"}}
	for _, c := range ans.Citations {
		refs.rows = append(refs.rows, []string{"[" + strconv.Itoa(c.N) + "]", c.Title, c.URL})
	}
	if a.output == "table" && ans.Text != "" {
		if !strings.HasSuffix(ans.Text, "\n") {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintln(a.stdout)
	}
	if a.output == "csv" {
		rec = append(rec, field{"text", ans.Text})
		if err := a.render(view{record: rec}); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout)
		return a.render(view{tables: []table{points, props, refs}})
	}
	if err := a.render(view{record: rec, tables: []table{points, props, refs}}); err != nil {
		return err
	}
	a.notes(ans.Notes...)
	return nil
}

func assistRefs(ns []int) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = "[" + strconv.Itoa(n) + "]"
	}
	return strings.Join(out, "")
}

// assistClean drops control characters (terminal escape sequences among
// them) from text that came from a model or a database: it is printed,
// and must not be able to drive the terminal.
func assistClean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
}

// runExplainAI is mydba explain --ai: the plan, findings and schema of a
// statement explained by the assistant. The statement is not executed.
func (a *app) runExplainAI(cmd *cobra.Command, args []string, f explainFlags, af assistFlags) error {
	if f.analyze || f.raw || f.from != "" {
		return fmt.Errorf("%w: --ai explains the estimated plan: it does not go with --analyze, --raw or --from", dba.ErrInvalid)
	}
	sql, err := a.readSQL(args, f.file)
	if err != nil {
		return err
	}
	wb, err := a.workbench(cmd.Context())
	if err != nil {
		return err
	}
	ans, err := wb.ExplainWithAI(cmd.Context(), workbench.QueryAssistRequest{Conn: a.connRequest(), SQL: sql, AssistOptions: a.assistOptions(af)})
	if err != nil {
		return err
	}
	return a.renderAnswer(ans)
}
