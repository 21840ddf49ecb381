package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// varsCellWidth bounds a cell in table output; CSV and JSON carry full
// values.
const varsCellWidth = 60

func (a *app) varsCommand() *cobra.Command {
	var global, session, changed bool
	c := &cobra.Command{
		Use:   "vars [PATTERN]",
		Short: "System variables: value, type, range, default, scope, and where each was set",
		Long: `List the server's system variables with the metadata the server publishes:
type, range or allowed values, whether SET can change it (dynamic), scope,
default, description, and where the current value came from (option file,
command line, SET, computed by the server).

PATTERN containing % is a LIKE pattern, as in SHOW VARIABLES LIKE ('_' then
matches any one character). Any other PATTERN that is exactly a variable's
name shows that variable alone, in full; otherwise it matches a substring of
the names literally. Matching ignores case. The pattern is sent to the server
as a statement parameter.

--global (the default) shows global values; --session shows the values of
mydba's own read-only session. --changed keeps the variables set on purpose
(option file, command line, SET, SET PERSIST) or that differ from the
compiled default.`,
		Example: `  mydba vars buffer_pool -c prod
  mydba vars 'innodb_log%' --changed
  mydba vars --session sql_mode -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if global && session {
				return fmt.Errorf("%w: --global and --session exclude each other", dba.ErrInvalid)
			}
			q := workbench.VariablesRequest{Scope: dba.ScopeGlobal, Changed: changed}
			if session {
				q.Scope = dba.ScopeSession
			}
			if len(args) == 1 {
				q.Pattern = args[0]
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			res, err := wb.Variables(cmd.Context(), a.connRequest(), q)
			if err != nil {
				return err
			}
			if a.output != "json" {
				for _, n := range res.Notes {
					fmt.Fprintln(a.stderr, "mydba: note:", n)
				}
			}
			return a.render(a.varsView(res))
		},
	}
	f := c.Flags()
	f.BoolVar(&global, "global", false, "show global values (the default)")
	f.BoolVar(&session, "session", false, "show the values of mydba's own session")
	f.BoolVar(&changed, "changed", false, "only variables set on purpose or differing from the default, with where they were set")
	return c
}

func (a *app) varsView(res workbench.VariablesResult) view {
	v := view{data: res}
	if len(res.Variables) == 1 && a.output == "table" {
		v.record = varRecord(res.Variables[0])
		return v
	}
	t := table{}
	if res.ChangedOnly {
		t.headers = []string{"VARIABLE", "VALUE", "DEFAULT", "CHANGED", "ORIGIN", "SET IN OR BY"}
	} else {
		t.headers = []string{"VARIABLE", "VALUE", "TYPE", "SCOPE", "DYNAMIC", "DEFAULT", "RANGE OR VALUES"}
	}
	for _, x := range res.Variables {
		var row []string
		if res.ChangedOnly {
			row = []string{x.Name, a.cell(valueText(x.Value)), a.cell(a.defaultCell(x)), x.Changed, orDash(x.Origin), a.cell(setWhere(x))}
		} else {
			row = []string{x.Name, a.cell(valueText(x.Value)), orDash(string(x.Type)), orDash(string(x.Scope)), dynamicText(x.Dynamic), a.cell(a.defaultCell(x)), a.cell(rangeText(x.VariableMeta))}
		}
		t.rows = append(t.rows, row)
	}
	if len(t.rows) == 0 {
		t.title = "no variable is changed from its default"
	}
	v.tables = []table{t}
	return v
}

// varRecord is the full view of one variable.
func varRecord(x dba.Variable) []field {
	rec := []field{
		{"variable", x.Name},
		{"value", valueText(x.Value)},
		{"type", typeText(x.VariableMeta)},
		{"scope", orDash(string(x.Scope))},
		{"dynamic", dynamicText(x.Dynamic)},
		{"default", defaultText(x)},
	}
	if r := rangeText(x.VariableMeta); r != "" {
		rec = append(rec, field{"range or values", r})
	}
	changed := "no"
	switch x.Changed {
	case dba.ChangeSet:
		changed = "yes (set on purpose)"
	case dba.ChangeDiffers:
		changed = "yes (differs from the default)"
	}
	rec = append(rec, field{"changed", changed}, field{"origin", orDash(x.Origin)})
	if w := setWhere(x); w != "" {
		rec = append(rec, field{"set in or by", w})
	}
	if x.Description != "" {
		rec = append(rec, field{"description", x.Description})
	}
	return rec
}

// cell shortens long values in table output only.
func (a *app) cell(s string) string {
	if a.output != "table" || len([]rune(s)) <= varsCellWidth {
		return s
	}
	return string([]rune(s)[:varsCellWidth-1]) + "…"
}

func valueText(v *string) string {
	if v == nil {
		return "NULL"
	}
	return *v
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func typeText(m dba.VariableMeta) string {
	switch {
	case m.Type == "" && m.ServerType == "":
		return "-"
	case m.ServerType == "":
		return string(m.Type)
	}
	return fmt.Sprintf("%s (%s)", m.Type, m.ServerType)
}

func dynamicText(d *bool) string {
	switch {
	case d == nil:
		return "-"
	case *d:
		return "yes"
	}
	return "no (read-only)"
}

// defaultCell is defaultText, with an empty default left empty in CSV.
func (a *app) defaultCell(x dba.Variable) string {
	if a.output == "csv" && x.Default != nil && *x.Default == "" {
		return ""
	}
	return defaultText(x)
}

func defaultText(x dba.Variable) string {
	if x.Default == nil {
		return "-"
	}
	if *x.Default == "" {
		return `""`
	}
	return *x.Default
}

func rangeText(m dba.VariableMeta) string {
	switch {
	case m.Min != "" || m.Max != "":
		r := orDash(m.Min) + ".." + orDash(m.Max)
		if m.BlockSize != "" {
			r += " step " + m.BlockSize
		}
		return r
	case m.Type == dba.VarTypeBool:
		return "ON|OFF"
	case len(m.Allowed) > 0:
		return strings.Join(m.Allowed, "|")
	}
	return ""
}

// setWhere says where a value came from: the option file, or who set it
// and when.
func setWhere(x dba.Variable) string {
	var parts []string
	if x.OriginPath != "" {
		parts = append(parts, x.OriginPath)
	}
	if x.SetBy != "" {
		parts = append(parts, x.SetBy)
	}
	if x.SetTime != nil {
		parts = append(parts, x.SetTime.UTC().Format("2006-01-02 15:04:05Z"))
	}
	return strings.Join(parts, " ")
}
