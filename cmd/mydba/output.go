package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/mydba/mydba/internal/dba"
)

// field is one line of a record view.
type field struct{ key, value string }

// table is rows under headers.
type table struct {
	title   string
	headers []string
	rows    [][]string
}

// view is what a command shows: JSON prints data; table and csv print the
// record and tables.
type view struct {
	data   any
	record []field
	tables []table
}

func (a *app) render(v view) error {
	switch a.output {
	case "json":
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v.data)
	case "csv":
		w := csv.NewWriter(a.stdout)
		if len(v.tables) == 0 {
			w.Write([]string{"field", "value"})
			for _, f := range v.record {
				w.Write([]string{f.key, stripANSI(f.value)})
			}
		}
		for i, t := range v.tables {
			if i > 0 {
				w.Write(nil)
			}
			w.Write(t.headers)
			for _, r := range t.rows {
				row := make([]string, len(r))
				for j, c := range r {
					row[j] = stripANSI(c)
				}
				w.Write(row)
			}
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, f := range v.record {
		fmt.Fprintf(tw, "%s:\t%s\n", f.key, f.value)
	}
	for i, t := range v.tables {
		if len(v.record) > 0 || i > 0 {
			fmt.Fprintln(tw)
		}
		if t.title != "" {
			fmt.Fprintln(tw, t.title)
		}
		if len(t.rows) == 0 && t.title != "" {
			continue
		}
		fmt.Fprintln(tw, strings.Join(t.headers, "\t"))
		for _, r := range t.rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
	}
	return tw.Flush()
}

// colour decides once per invocation whether to use ANSI colour: only on a
// terminal, never with NO_COLOR set (https://no-color.org) or TERM=dumb.
func (a *app) colour() bool {
	if a.getenv("NO_COLOR") != "" || a.getenv("TERM") == "dumb" || a.output != "table" {
		return false
	}
	f, ok := a.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// envBadge labels an environment; prod is unmistakable even without
// colour (upper case).
func (a *app) envBadge(e dba.Env) string {
	label := string(e)
	code := ""
	switch e {
	case dba.EnvProd:
		label, code = "PROD", "1;97;41"
	case dba.EnvStaging:
		code = "30;43"
	case dba.EnvDev:
		code = "32"
	}
	if !a.colour() || code == "" {
		return label
	}
	return "\x1b[" + code + "m" + label + "\x1b[0m"
}

// stripANSI removes colour codes for CSV.
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// writeNDJSON writes one compact JSON document and a newline.
func writeNDJSON(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

// writeCSVRow writes one RFC 4180 record.
func writeCSVRow(w io.Writer, fields ...string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(fields); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
