package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/export"
	"github.com/mydba/mydba/internal/numfmt"
	"github.com/mydba/mydba/internal/workbench"
)

// Query limits. Shown results are held in memory, so they are capped by
// default; exports stream and are not.
const (
	defaultQueryMaxRows  = 1000
	defaultQueryMaxBytes = 16 << 20
	// maxScriptSize bounds the SQL read from a file or stdin: the script
	// is held and parsed whole before anything runs.
	maxScriptSize = 64 << 20
	// maxCellRunes shortens long values in table output only.
	maxCellRunes = 256
	// exportMaxTime is --max-time for an export that sets none.
	exportMaxTime = time.Hour
)

type queryFlags struct {
	file     string
	maxRows  int64
	maxBytes string
	maxTime  time.Duration
	export   string
	out      string
	table    string
}

func (a *app) queryCommand() *cobra.Command {
	var f queryFlags
	c := &cobra.Command{
		Use:   "query [SQL]",
		Short: "Run read-only SQL and show or export the results",
		Long: `Run SQL on a read-only session and show the results, or stream them to a file.

The SQL comes from the argument, from -f FILE, or from stdin (-f -, or no
argument with stdin piped). A script may hold several statements (DELIMITER
works as in the mysql client); they run in order on one session, so USE and
@variables carry over. Every statement is checked before anything is sent:
only reads (SELECT, SHOW, EXPLAIN, DESCRIBE, ...) and session statements
(USE, SET of user or session variables) run. Writes, DDL and locking reads
are refused with the reason; they arrive with the safety gate.

Shown results (-o table|json|csv) are capped by --max-rows (default 1000)
and --max-bytes (default 16MiB) per result set; a capped result says so
and the statement is stopped on the server. --export streams one result
set in constant memory, uncapped unless the caps are given.`,
		Example: `  mydba query -c prod "SELECT id, email FROM shop.customers LIMIT 10"
  mydba query -c prod -f report.sql -o json
  echo "SHOW PROCESSLIST" | mydba query -c prod
  mydba query -c prod --export csv --out orders.csv "SELECT * FROM shop.orders"
  mydba query -c prod --export sql --out orders.sql "SELECT * FROM shop.orders WHERE id < 1000"`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runQuery(cmd, args, f)
		},
	}
	a.registerQueryFlags(c, &f)
	return c
}

// registerQueryFlags adds the flags of query (and history replay) to c.
func (a *app) registerQueryFlags(c *cobra.Command, f *queryFlags) {
	fl := c.Flags()
	fl.StringVarP(&f.file, "file", "f", "", "read the SQL from `FILE` (- for stdin)")
	fl.Int64Var(&f.maxRows, "max-rows", defaultQueryMaxRows, "keep at most `N` rows per result set (0: no cap); an --export has no cap unless this is given")
	fl.StringVar(&f.maxBytes, "max-bytes", "16MiB", "keep at most `SIZE` of values per result set (K, M, G: powers of 1024; 0: no cap); an --export has no cap unless this is given")
	fl.DurationVar(&f.maxTime, "max-time", workbench.DefaultQueryMaxTime, "stop each statement on the server after this `DURATION`; an --export allows 1h unless this is given")
	fl.StringVar(&a.output, "format", "table", "`FORMAT` of shown results: table, json or csv (same as -o)")
	fl.StringVar(&f.export, "export", "", "stream the one result set as `FORMAT`: csv, json, ndjson or sql")
	fl.StringVar(&f.out, "out", "", "write the export to `FILE` (default stdout); written whole or not at all")
	fl.StringVar(&f.table, "table", "", "table `NAME` the INSERTs of --export sql name (default: the table the query reads)")
	_ = c.RegisterFlagCompletionFunc("export", cobra.FixedCompletions([]string{"csv", "json", "ndjson", "sql"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "json", "csv"}, cobra.ShellCompDirectiveNoFileComp))
}

func (a *app) runQuery(cmd *cobra.Command, args []string, f queryFlags) error {
	exporting := f.export != ""
	var format export.Format
	if exporting {
		var err error
		if format, err = export.ParseFormat(f.export); err != nil {
			return err
		}
		if cmd.Flags().Changed("output") || cmd.Flags().Changed("format") {
			return fmt.Errorf("%w: --export writes its own format; drop -o/--format", dba.ErrInvalid)
		}
	}
	switch {
	case !exporting && f.out != "":
		return fmt.Errorf("%w: --out needs --export FORMAT", dba.ErrInvalid)
	case f.table != "" && format != export.SQL:
		return fmt.Errorf("%w: --table applies to --export sql only", dba.ErrInvalid)
	case f.maxRows < 0:
		return fmt.Errorf("%w: --max-rows must be 0 (no cap) or more", dba.ErrInvalid)
	case f.maxTime <= 0:
		return fmt.Errorf("%w: --max-time must be positive", dba.ErrInvalid)
	}
	maxBytes, err := parseByteSize(f.maxBytes)
	if err != nil {
		return fmt.Errorf("%w: --max-bytes: %w", dba.ErrInvalid, err)
	}
	maxRows, maxTime := f.maxRows, f.maxTime
	if exporting {
		// Exports stream: caps apply only when asked for, and a large
		// table takes longer to send than a screenful.
		if !cmd.Flags().Changed("max-rows") {
			maxRows = 0
		}
		if !cmd.Flags().Changed("max-bytes") {
			maxBytes = 0
		}
		if !cmd.Flags().Changed("max-time") {
			maxTime = exportMaxTime
		}
	}
	script, err := a.readSQL(args, f.file)
	if err != nil {
		return err
	}
	wb, err := a.workbench(cmd.Context())
	if err != nil {
		return err
	}
	req := workbench.QueryRequest{Conn: a.connRequest(), SQL: script, MaxRows: maxRows, MaxBytes: maxBytes, MaxTime: maxTime, Source: "cli"}
	if exporting {
		return timeLimitHint(a.exportQuery(cmd, wb, workbench.ExportRequest{Query: req, Format: format, Table: f.table}, f.out), maxTime)
	}
	res, err := wb.Query(cmd.Context(), req)
	if len(res.Statements) > 0 {
		if rerr := a.renderQuery(res, maxRows, maxBytes); rerr != nil && err == nil {
			err = rerr
		}
	}
	return timeLimitHint(err, maxTime)
}

// timeLimitHint names the flag that sets the limit a statement ran into.
func timeLimitHint(err error, limit time.Duration) error {
	if err != nil && errors.Is(err, dba.ErrTimeout) {
		return fmt.Errorf("%w (--max-time %s)", err, limit)
	}
	return err
}

// readSQL takes the SQL from the argument, a file or stdin.
func (a *app) readSQL(args []string, file string) (string, error) {
	if len(args) == 1 && file != "" {
		return "", fmt.Errorf("%w: give the SQL as an argument or with -f, not both", dba.ErrInvalid)
	}
	if len(args) == 1 {
		return args[0], nil
	}
	var r io.Reader
	name := file
	switch file {
	case "", "-":
		if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			if file == "" {
				return "", fmt.Errorf("%w: no SQL: give it as an argument, with -f FILE, or on stdin", dba.ErrInvalid)
			}
		}
		r, name = a.stdin, "stdin"
	default:
		fh, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("%w: %w", dba.ErrInvalid, err)
		}
		defer fh.Close()
		r = fh
	}
	b, err := io.ReadAll(io.LimitReader(r, maxScriptSize+1))
	if err != nil {
		return "", fmt.Errorf("read SQL from %s: %w", name, err)
	}
	if len(b) > maxScriptSize {
		return "", fmt.Errorf("%w: SQL from %s is larger than %s; mydba query runs scripts up to that size", dba.ErrInvalid, name, formatByteSize(maxScriptSize))
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", fmt.Errorf("%w: no SQL in %s", dba.ErrInvalid, name)
	}
	return string(b), nil
}

// exportQuery streams the export to stdout, or to a temporary file renamed
// over --out only on success: a failed or refused export leaves no half
// file and never clobbers an existing one.
func (a *app) exportQuery(cmd *cobra.Command, wb *workbench.Workbench, req workbench.ExportRequest, out string) error {
	start := time.Now()
	var tmp *os.File
	switch {
	case out == "":
		req.Out = a.stdout
	case isSpecialFile(out):
		fh, err := os.OpenFile(out, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("%w: --out: %w", dba.ErrInvalid, err)
		}
		defer fh.Close()
		req.Out = fh
	default:
		var err error
		tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.tmp")
		if err != nil {
			return fmt.Errorf("%w: --out: %w", dba.ErrInvalid, err)
		}
		defer os.Remove(tmp.Name())
		req.Out = tmp
	}
	res, err := wb.Export(cmd.Context(), req)
	if tmp != nil {
		if cerr := tmp.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s: %w", out, cerr)
		}
		if err == nil {
			if rerr := os.Rename(tmp.Name(), out); rerr != nil {
				err = fmt.Errorf("write %s: %w", out, rerr)
			}
		}
	}
	if err != nil {
		return err
	}
	if res.Truncated {
		fmt.Fprintf(a.stderr, "mydba: warning: export truncated at %s rows by --max-rows/--max-bytes; the server had more\n", numfmt.Group(res.Rows))
	}
	if out != "" {
		what := string(res.Format)
		if res.Table != "" {
			what += " INSERTs into " + res.Table
		}
		fmt.Fprintf(a.stderr, "mydba: exported %s %s to %s (%s) in %s\n", numfmt.Group(res.Rows), plural(res.Rows, "row", "rows"), out, what, formatDuration(time.Since(start)))
	}
	return nil
}

func isSpecialFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.Mode().IsRegular()
}

// renderQuery shows a script's results in the chosen output format.
func (a *app) renderQuery(res workbench.QueryResult, maxRows, maxBytes int64) error {
	switch a.output {
	case "json":
		return a.render(view{data: res})
	case "csv":
		return a.queryCSV(res, maxRows, maxBytes)
	}
	return a.queryTable(res, maxRows, maxBytes)
}

// queryCSV writes each result set as RFC 4180 CSV (the --export csv
// convention: NULL is an empty field, ” is ""), a blank line between
// result sets; truncation is reported on stderr.
func (a *app) queryCSV(res workbench.QueryResult, maxRows, maxBytes int64) error {
	first := true
	for _, st := range res.Statements {
		for _, rs := range st.ResultSets {
			if !first {
				fmt.Fprint(a.stdout, "\r\n")
			}
			first = false
			w, err := export.New(export.CSV, a.stdout, export.Options{})
			if err != nil {
				return err
			}
			if err := w.Begin(rs.Columns); err != nil {
				return err
			}
			for _, row := range rs.Rows {
				if err := w.Row(row); err != nil {
					return err
				}
			}
			if err := w.End(); err != nil {
				return err
			}
			if rs.Truncated {
				fmt.Fprintf(a.stderr, "mydba: warning: statement %d: %s\n", st.Index, truncation(rs, maxRows, maxBytes))
			}
		}
	}
	return nil
}

// queryTable writes each result set as an aligned table followed by a
// summary line; several statements get a header each.
func (a *app) queryTable(res workbench.QueryResult, maxRows, maxBytes int64) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	many := len(res.Statements) > 1
	for i, st := range res.Statements {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		if many {
			fmt.Fprintf(tw, "-- statement %d, line %d: %s\n", st.Index, st.Line, oneLine(st.SQL, 100))
		}
		if st.Error != "" {
			fmt.Fprintf(tw, "ERROR after %s\n", formatDuration(st.Duration))
			continue
		}
		if len(st.ResultSets) == 0 {
			fmt.Fprintf(tw, "OK (%s) in %s%s\n", st.Kind, formatDuration(st.Duration), warningNote(st))
			fmt.Fprint(tw, warningLines(st))
			continue
		}
		for j, rs := range st.ResultSets {
			if j > 0 {
				fmt.Fprintln(tw)
			}
			kinds := make([]dba.ValueKind, len(rs.Columns))
			names := make([]string, len(rs.Columns))
			for k, c := range rs.Columns {
				kinds[k] = c.Kind()
				names[k] = displayCell(dba.KindText, []byte(c.Name))
			}
			fmt.Fprintln(tw, strings.Join(names, "\t"))
			cells := make([]string, len(rs.Columns))
			for _, row := range rs.Rows {
				for k, v := range row {
					kind := dba.KindText
					if k < len(kinds) {
						kind = kinds[k]
					}
					cells[k] = displayCell(kind, v)
				}
				fmt.Fprintln(tw, strings.Join(cells[:len(row)], "\t"))
			}
			// The summary goes after the table's alignment block.
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(tw, summary(st, rs, j == len(st.ResultSets)-1, maxRows, maxBytes))
		}
		fmt.Fprint(tw, warningLines(st))
	}
	return tw.Flush()
}

// summary is the line under a result set: rows, time, what the server
// says it examined, warnings, and truncation.
func summary(st dba.StatementResult, rs dba.ResultSet, last bool, maxRows, maxBytes int64) string {
	s := fmt.Sprintf("%s %s in %s", numfmt.Group(rs.RowCount), plural(rs.RowCount, "row", "rows"), formatDuration(st.Duration))
	if last && st.RowsExamined != nil {
		s += ", " + numfmt.Group(*st.RowsExamined) + " examined"
	}
	if last {
		s += warningNote(st)
	}
	if rs.Truncated {
		s += "; " + truncation(rs, maxRows, maxBytes)
	}
	return s
}

func warningNote(st dba.StatementResult) string {
	if st.Warnings == 0 {
		return ""
	}
	return fmt.Sprintf(", %d %s", st.Warnings, plural(st.Warnings, "warning", "warnings"))
}

// warningLines lists a statement's warnings as the mysql client's \W does.
func warningLines(st dba.StatementResult) string {
	var b strings.Builder
	for _, w := range st.WarningList {
		fmt.Fprintf(&b, "%s (Code %d): %s\n", w.Level, w.Code, displayCell(dba.KindText, []byte(w.Message)))
	}
	return b.String()
}

// truncation says which cap cut the result and that more rows existed.
func truncation(rs dba.ResultSet, maxRows, maxBytes int64) string {
	if rs.Cap == dba.CapBytes {
		return fmt.Sprintf("truncated at --max-bytes %s: the server had more rows (stopped there; use --export to stream them all)", formatByteSize(maxBytes))
	}
	return fmt.Sprintf("truncated at --max-rows %s: the server had more rows (stopped there; use --export to stream them all)", numfmt.Group(maxRows))
}

// displayCell shows a value on one line of a table: NULL as NULL, binary
// as 0x-hex, and — like the mysql client's batch mode — backslash,
// newline, CR, tab and other control characters escaped. Long values are
// shortened.
func displayCell(k dba.ValueKind, v []byte) string {
	if v == nil {
		return "NULL"
	}
	text := export.AppendText(nil, k, v)
	var b strings.Builder
	runes := 0
	for i := 0; i < len(text); {
		if runes == maxCellRunes {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == 0:
			b.WriteString(`\0`)
		case r < 0x20 || r == 0x7f || (r == utf8.RuneError && size == 1):
			fmt.Fprintf(&b, `\x%02x`, text[i])
		default:
			b.Write(text[i : i+size])
		}
		i += size
		runes++
	}
	return b.String()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-3]) + "..."
	}
	return s
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formatDuration rounds a duration for people: 0.4ms, 12.3ms, 1.25s.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(10 * time.Millisecond).String()
}

// parseByteSize reads 1048576, 512K, 16M, 16MiB, 1G, 1GB (K, M, G are
// powers of 1024, as in MySQL option files). 0 means no cap.
func parseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("size %q: want a number with an optional K, M or G", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, err)
	}
	var shift uint
	switch strings.ToUpper(strings.TrimSpace(t[i:])) {
	case "", "B":
	case "K", "KB", "KIB":
		shift = 10
	case "M", "MB", "MIB":
		shift = 20
	case "G", "GB", "GIB":
		shift = 30
	default:
		return 0, fmt.Errorf("size %q: unknown unit %q; want K, M or G", s, t[i:])
	}
	if n > (1<<62)>>shift {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n << shift, nil
}

func formatByteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
