package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
)

// The explorer's verbs: schemas, tables, describe, preview, objects,
// show-create. Pages come one at a time; the cursor of the next page is
// printed to stderr (and is "next" in JSON), so stdout stays data.

// exCellWidth bounds a preview cell in table output; CSV and JSON carry
// whole values.
const exCellWidth = 40

// pageFlags are the paging flags of the listing verbs.
type pageFlags struct {
	filter, after string
	limit         int
}

func (p *pageFlags) register(c *cobra.Command, what string) {
	f := c.Flags()
	f.StringVar(&p.filter, "filter", "", "only "+what+" whose name contains `TEXT` (case-insensitive; % and _ match themselves)")
	f.StringVar(&p.after, "after", "", "start after this `NAME` (the \"next\" of the previous page)")
	f.IntVar(&p.limit, "limit", dba.DefaultPageSize, fmt.Sprintf("page size, 1 to %d", dba.MaxPageSize))
}

// checkLimit refuses 0, which the queries would read as "the default".
func (p *pageFlags) checkLimit() error {
	if p.limit < 1 || p.limit > dba.MaxPageSize {
		return fmt.Errorf("%w: --limit %d: want 1 to %d", dba.ErrInvalid, p.limit, dba.MaxPageSize)
	}
	return nil
}

// nextHint tells a person how to get the next page; scripts read "next"
// from -o json.
func (a *app) nextHint(cmdline string, next ...string) {
	if len(next) == 0 || (len(next) == 1 && next[0] == "") || a.output == "json" {
		return
	}
	var b strings.Builder
	for _, n := range next {
		b.WriteString(" --after " + exShellQuote(n))
	}
	fmt.Fprintf(a.stderr, "mydba: more: %s%s\n", cmdline, b.String())
}

func (a *app) notes(notes ...string) {
	if a.output == "json" {
		return
	}
	for _, n := range notes {
		if n != "" {
			fmt.Fprintln(a.stderr, "mydba: note:", n)
		}
	}
}

func (a *app) schemasCommand() *cobra.Command {
	var p pageFlags
	c := &cobra.Command{
		Use:   "schemas",
		Short: "List schemas with table counts and sizes, a page at a time",
		Long: `List the server's schemas with their table and view counts and the size of
their data and indexes (the engines' estimates). Names are in byte order;
--filter and --after are applied on the server.`,
		Example: `  mydba schemas -c prod
  mydba schemas --filter shop
  mydba schemas --limit 20 --after analytics -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := p.checkLimit(); err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			page, err := wb.Schemas(cmd.Context(), a.connRequest(), dba.SchemaQuery{Filter: p.filter, After: p.after, Limit: p.limit})
			if err != nil {
				return err
			}
			a.notes(page.Notes...)
			if err := a.render(a.schemasView(page)); err != nil {
				return err
			}
			a.nextHint("mydba schemas", page.Next)
			return nil
		},
	}
	p.register(c, "schemas")
	return c
}

func (a *app) schemasView(page dba.SchemaPage) view {
	t := table{headers: []string{"SCHEMA", "TABLES", "VIEWS", "DATA", "INDEX", "TOTAL", "COLLATION"}}
	for _, s := range page.Schemas {
		name := s.Name
		if s.System && a.output == "table" {
			name += " (system)"
		}
		t.rows = append(t.rows, []string{name, strconv.Itoa(s.Tables), strconv.Itoa(s.Views),
			a.exBytes(s.DataBytes), a.exBytes(s.IndexBytes), a.exBytes(s.SizeBytes()), s.Collation})
	}
	return view{data: page, tables: []table{t}}
}

func (a *app) tablesCommand() *cobra.Command {
	var p pageFlags
	var typ string
	c := &cobra.Command{
		Use:   "tables DB",
		Short: "List a schema's tables: engine, rows, sizes, collation, times, comment",
		Long: `List one schema's tables and views a page at a time: engine, estimated rows,
data and index size, collation, create and update time (as the server shows
them), comment. The name filter, the type filter and the page cursor run on
the server, so a schema of 10,000 tables answers a page as fast as a small
one. DB may be backtick-quoted.`,
		Example: `  mydba tables shop
  mydba tables shop --filter order --type table
  mydba tables shop --limit 100 --after orders -o csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			schema, err := dba.ParseIdentifier(args[0])
			if err != nil {
				return err
			}
			tt, err := dba.ParseTableType(typ)
			if err != nil {
				return err
			}
			if err := p.checkLimit(); err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			page, err := wb.Tables(cmd.Context(), a.connRequest(), dba.TableQuery{Schema: schema, Filter: p.filter, After: p.after, Limit: p.limit, Type: tt})
			if err != nil {
				return err
			}
			if err := a.render(a.tablesView(page)); err != nil {
				return err
			}
			a.nextHint("mydba tables "+exShellQuote(args[0]), page.Next)
			return nil
		},
	}
	p.register(c, "tables")
	c.Flags().StringVar(&typ, "type", "", "only `table`s, views or sequences")
	return c
}

func (a *app) tablesView(page dba.TablePage) view {
	t := table{headers: []string{"TABLE", "TYPE", "ENGINE", "ROWS", "DATA", "INDEX", "COLLATION", "CREATED", "UPDATED", "COMMENT"}}
	for _, x := range page.Tables {
		t.rows = append(t.rows, []string{a.exName(x.Name), x.Type, exDash(x.Engine), exCount(x.Rows), a.exBytesP(x.DataBytes), a.exBytesP(x.IndexBytes),
			exDash(x.Collation), exDash(x.Created), exDash(x.Updated), a.exText(x.Comment)})
	}
	return view{data: page, tables: []table{t}}
}

func (a *app) describeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "describe DB.TABLE",
		Short: "A table's columns, indexes, foreign keys both ways, triggers and CREATE statement",
		Long: `Describe one table or view: its columns (type, nullability, default,
generated expression, charset and collation, comment), its indexes (parts in
order with prefix lengths and ASC/DESC, unique, type, visibility,
cardinality), the foreign keys it declares and those of other tables that
point at it (with their ON UPDATE / ON DELETE rules), its triggers, and its
SHOW CREATE statement.

Quote a part holding a dot with backticks: mydba describe '` + "`a.b`.`c`" + `'.
Without the TRIGGER privilege triggers cannot be listed: the output says so
rather than showing none.`,
		Example: `  mydba describe shop.orders
  mydba describe 'shop.` + "`order items`" + `' -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := dba.ParseQualifiedName(args[0])
			if err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			det, err := wb.Describe(cmd.Context(), a.connRequest(), name)
			if err != nil {
				return err
			}
			a.notes(det.Notes...)
			return a.render(a.describeView(det))
		},
	}
}

func (a *app) describeView(det dba.TableDetail) view {
	x := det.Table
	rec := []field{
		{"table", dba.QualifiedName{Schema: det.Schema, Name: x.Name}.String()},
		{"type", x.Type},
		{"engine", exDash(x.Engine)},
		{"rows (estimate)", exCount(x.Rows)},
		{"data", a.exBytesP(x.DataBytes)},
		{"index", a.exBytesP(x.IndexBytes)},
		{"collation", exDash(x.Collation)},
		{"created", exDash(x.Created)},
		{"updated", exDash(x.Updated)},
		{"comment", exDash(a.exText(x.Comment))},
	}
	cols := table{title: "Columns", headers: []string{"#", "COLUMN", "TYPE", "NULL", "DEFAULT", "EXTRA", "COLLATION", "COMMENT"}}
	for _, c := range det.Columns {
		null := "NO"
		if c.Nullable {
			null = "YES"
		}
		cols.rows = append(cols.rows, []string{strconv.Itoa(c.Position), a.exName(c.Name), c.Type, null, exDash(a.exText(c.DefaultSQL())),
			exDash(columnExtraText(c)), exDash(c.Collation), a.exText(c.Comment)})
	}
	idx := table{title: "Indexes", headers: []string{"INDEX", "UNIQUE", "TYPE", "VISIBLE", "PARTS", "CARDINALITY"}}
	for _, ix := range det.Indexes {
		var parts []string
		card := "-"
		for _, p := range ix.Parts {
			s := exQuoteName(p.Column)
			if p.Column == "" {
				s = "(" + strings.TrimSuffix(strings.TrimPrefix(p.Expression, "("), ")") + ")"
			}
			if p.SubPart != nil {
				s += "(" + strconv.Itoa(*p.SubPart) + ")"
			}
			if p.Order == "DESC" {
				s += " DESC"
			}
			parts = append(parts, s)
			card = exCount(p.Cardinality)
		}
		idx.rows = append(idx.rows, []string{a.exName(ix.Name), exYesNo(ix.Unique), ix.Type, exYesNo(ix.Visible), a.exText(strings.Join(parts, ", ")), card})
	}
	fks := table{title: "Foreign keys", headers: []string{"CONSTRAINT", "COLUMNS", "REFERENCES", "ON UPDATE", "ON DELETE"}}
	for _, fk := range det.ForeignKeys {
		fks.rows = append(fks.rows, []string{a.exName(fk.Name), a.exText(exNames(fk.Columns)),
			a.exText(dba.QualifiedName{Schema: fk.RefSchema, Name: fk.RefTable}.String() + " (" + exNames(fk.RefColumns) + ")"), fk.OnUpdate, fk.OnDelete})
	}
	refs := table{title: "Referenced by", headers: []string{"CONSTRAINT", "TABLE", "COLUMNS", "REFERENCED COLUMNS", "ON UPDATE", "ON DELETE"}}
	for _, fk := range det.ReferencedBy {
		refs.rows = append(refs.rows, []string{a.exName(fk.Name), a.exText(dba.QualifiedName{Schema: fk.Schema, Name: fk.Table}.String()),
			a.exText(exNames(fk.Columns)), a.exText(exNames(fk.RefColumns)), fk.OnUpdate, fk.OnDelete})
	}
	trg := table{title: "Triggers", headers: []string{"TRIGGER", "TIMING", "EVENT", "ORDER", "DEFINER"}}
	if det.TriggersHidden != "" {
		trg.title += " (" + det.TriggersHidden + ")"
	}
	for _, o := range det.Triggers {
		trg.rows = append(trg.rows, []string{a.exName(o.Name), o.Timing, o.Event, strconv.Itoa(o.Order), o.Definer})
	}
	create := table{title: "Create statement", headers: []string{"CREATE"}, rows: [][]string{{det.Create}}}
	return view{data: det, record: rec, tables: []table{cols, idx, fks, refs, trg, create}}
}

// columnExtraText is what a column has beyond type, null and default.
func columnExtraText(c dba.TableColumn) string {
	var out []string
	if c.AutoIncrement {
		out = append(out, "auto_increment")
	}
	if c.Generated != "" {
		out = append(out, c.Generated+" generated AS ("+c.Expression+")")
	}
	if c.OnUpdate != "" {
		out = append(out, "on update "+c.OnUpdate)
	}
	if c.Invisible {
		out = append(out, "invisible")
	}
	return strings.Join(out, "; ")
}

func (a *app) previewCommand() *cobra.Command {
	var limit int
	var after []string
	var maxCell int
	c := &cobra.Command{
		Use:   "preview DB.TABLE",
		Short: "Show a page of a table's rows, paged by primary key",
		Long: `Show rows of a table. With a primary key (or a unique key over NOT NULL
columns) pages go by key: each page prints the --after values of the next one,
and page 1,000 costs what page 1 does. Without such a key only the first rows
can be shown, and the output says so.

In table output NULL is shown as NULL and a text value that could be mistaken
for it (the text NULL, or text starting with a double quote) is shown quoted;
binary values are 0x-hex; long values are cut with "…" and control characters
escaped. -o json carries every value whole (up to --max-cell bytes), with
null for NULL, numbers as numbers and binary columns marked.`,
		Example: `  mydba preview shop.orders --limit 50
  mydba preview shop.orders --after 1050
  mydba preview shop.order_items --after 17 --after 3 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := dba.ParseQualifiedName(args[0])
			if err != nil {
				return err
			}
			if limit < 1 || limit > dba.MaxPreviewRows {
				return fmt.Errorf("%w: --limit %d: want 1 to %d", dba.ErrInvalid, limit, dba.MaxPreviewRows)
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			p, err := wb.Preview(cmd.Context(), a.connRequest(), dba.PreviewQuery{Table: name, Limit: limit, After: after, MaxCellBytes: maxCell})
			if err != nil {
				return err
			}
			a.notes(p.Note)
			if p.Truncated {
				a.notes(fmt.Sprintf("some values are longer than %d bytes and were cut (--max-cell)", max(maxCell, 1)))
			}
			if err := a.render(a.previewView(p)); err != nil {
				return err
			}
			a.nextHint(fmt.Sprintf("mydba preview %s --limit %d", exShellQuote(args[0]), limit), p.Next...)
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&limit, "limit", dba.DefaultPreviewRows, fmt.Sprintf("rows per page, 1 to %d", dba.MaxPreviewRows))
	f.StringArrayVar(&after, "after", nil, "start after this key `VALUE` (repeat for each key column, in key order; binary as 0x-hex)")
	f.IntVar(&maxCell, "max-cell", dba.DefaultPreviewCellBytes, "cut values longer than this many `BYTES` (the server sends no more)")
	return c
}

func (a *app) previewView(p dba.Preview) view {
	t := table{}
	for _, c := range p.Columns {
		t.headers = append(t.headers, a.exName(c.Name))
	}
	for _, r := range p.Rows {
		row := make([]string, len(r))
		for i, v := range r {
			row[i] = a.previewCell(v)
		}
		t.rows = append(t.rows, row)
	}
	return view{data: p, tables: []table{t}}
}

// previewCell shows a value so that NULL and the text "NULL" never look
// alike: text that could be read as NULL, or as a quoted value, or that
// holds control characters, is shown Go-quoted. Table output also cuts long
// values.
func (a *app) previewCell(v dba.Value) string {
	if v.Null {
		return "NULL"
	}
	s := v.Text
	if strings.EqualFold(s, "NULL") || strings.HasPrefix(s, `"`) || strings.ContainsFunc(s, unicode.IsControl) {
		s = strconv.Quote(s)
	}
	if a.output == "table" {
		s = exCut(s, exCellWidth)
	}
	return s
}

func (a *app) objectsCommand() *cobra.Command {
	var p pageFlags
	var typ string
	c := &cobra.Command{
		Use:   "objects DB --type view|routine|trigger|event",
		Short: "List a schema's views, routines, triggers or events",
		Long: `List one kind of schema object a page at a time. Routines are procedures
and functions together. Triggers are listed only for tables you hold the
TRIGGER privilege on, events only with the EVENT privilege on the schema:
without them the output says the list may be incomplete.`,
		Example: `  mydba objects shop --type view
  mydba objects shop --type routine --filter order
  mydba objects shop --type event -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			schema, err := dba.ParseIdentifier(args[0])
			if err != nil {
				return err
			}
			if typ == "" {
				return fmt.Errorf("%w: --type is required: view, routine, trigger or event", dba.ErrInvalid)
			}
			kind, err := dba.ParseObjectKind(typ, false)
			if err != nil {
				return err
			}
			if err := p.checkLimit(); err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			page, err := wb.Objects(cmd.Context(), a.connRequest(), dba.ObjectQuery{Schema: schema, Kind: kind, Filter: p.filter, After: p.after, Limit: p.limit})
			if err != nil {
				return err
			}
			if err := a.render(a.objectsView(page)); err != nil {
				return err
			}
			a.nextHint(fmt.Sprintf("mydba objects %s --type %s", exShellQuote(args[0]), kind), page.Next)
			return nil
		},
	}
	p.register(c, "objects")
	c.Flags().StringVar(&typ, "type", "", "object kind: `view`, routine, trigger or event")
	return c
}

func (a *app) objectsView(page dba.ObjectPage) view {
	var t table
	switch page.Kind {
	case dba.KindView:
		t.headers = []string{"VIEW", "UPDATABLE", "CHECK OPTION", "SECURITY", "DEFINER"}
		for _, o := range page.Objects {
			t.rows = append(t.rows, []string{a.exName(o.Name), exYesNo(o.Updatable), exDash(o.CheckOption), exDash(o.Security), exDash(o.Definer)})
		}
	case dba.KindRoutine:
		t.headers = []string{"ROUTINE", "KIND", "RETURNS", "DETERMINISTIC", "SECURITY", "DEFINER", "MODIFIED", "COMMENT"}
		for _, o := range page.Objects {
			t.rows = append(t.rows, []string{a.exName(o.Name), string(o.Kind), exDash(o.Returns), exYesNo(o.Deterministic), o.Security, o.Definer, exDash(o.Modified), a.exText(o.Comment)})
		}
	case dba.KindTrigger:
		t.headers = []string{"TRIGGER", "TABLE", "TIMING", "EVENT", "ORDER", "DEFINER"}
		for _, o := range page.Objects {
			t.rows = append(t.rows, []string{a.exName(o.Name), a.exName(o.Table), o.Timing, o.Event, strconv.Itoa(o.Order), o.Definer})
		}
	case dba.KindEvent:
		t.headers = []string{"EVENT", "SCHEDULE", "STATUS", "DEFINER", "MODIFIED", "COMMENT"}
		for _, o := range page.Objects {
			t.rows = append(t.rows, []string{a.exName(o.Name), o.Schedule, o.Status, o.Definer, exDash(o.Modified), a.exText(o.Comment)})
		}
	}
	v := view{data: page, tables: []table{t}}
	if page.Hidden != "" {
		v.record = []field{{"note", page.Hidden}}
	}
	return v
}

func (a *app) showCreateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show-create TYPE DB.NAME",
		Short: "Print the CREATE statement of a table, view, procedure, function, trigger or event",
		Long: `Print the server's SHOW CREATE statement of one object. TYPE is table, view,
procedure, function, trigger or event. When your privileges do not allow
reading it (a trigger needs TRIGGER on its table, an event EVENT on its
schema, a routine body SHOW CREATE ROUTINE or similar), the output says which
privilege is missing instead of failing.`,
		Example: `  mydba show-create table shop.orders
  mydba show-create procedure shop.place_order
  mydba show-create view 'shop.` + "`order summary`" + `' -o json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := dba.ParseObjectKind(args[0], true)
			if err != nil {
				return err
			}
			name, err := dba.ParseQualifiedName(args[1])
			if err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			cs, err := wb.ShowCreate(cmd.Context(), a.connRequest(), kind, name)
			if err != nil {
				return err
			}
			if a.output == "table" {
				if cs.Hidden != "" {
					_, err = fmt.Fprintf(a.stdout, "-- %s %s: %s\n", cs.Kind, name, cs.Hidden)
					return err
				}
				_, err = fmt.Fprintf(a.stdout, "%s;\n", strings.TrimRight(cs.SQL, "; \n"))
				return err
			}
			return a.render(view{data: cs, record: []field{
				{"kind", string(cs.Kind)}, {"schema", cs.Schema}, {"name", cs.Name}, {"sql", cs.SQL}, {"hidden", cs.Hidden},
				{"sql_mode", cs.SQLMode}, {"character_set_client", cs.CharsetClient}, {"collation_connection", cs.CollationConnection},
			}})
		},
	}
}

// exName shows an identifier; in table output one that needs quoting is
// backtick-quoted so spaces and dots stay readable.
func (a *app) exName(s string) string {
	if a.output != "table" {
		return s
	}
	return a.exText(exQuoteName(s))
}

func exQuoteName(s string) string {
	if s == "" {
		return s
	}
	return dba.QuoteIdentIfNeeded(s)
}

func exNames(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = exQuoteName(s)
	}
	return strings.Join(q, ", ")
}

// exText keeps one table cell on one line: control characters escaped.
func (a *app) exText(s string) string {
	if a.output != "table" || !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// exCut shortens s to n characters, marking the cut with "…".
func exCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func exDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func exYesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

func exCount(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}

// exBytes is a size: bytes in CSV (for scripts), binary units for people.
func (a *app) exBytes(n int64) string {
	if a.output != "table" {
		return strconv.FormatInt(n, 10)
	}
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func (a *app) exBytesP(n *int64) string {
	if n == nil {
		return "-"
	}
	return a.exBytes(*n)
}

// exShellQuote quotes a value for the shell when it needs it, so a hint can
// be pasted back.
func exShellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || r == '/' || r == ':' || r == ',' || r == '+' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
