package main

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
)

func (a *app) auditCommand() *cobra.Command {
	var f dba.AuditFilter
	var since time.Duration
	list := func(cmd *cobra.Command, text string) error {
		wb, err := a.workbench(cmd.Context())
		if err != nil {
			return err
		}
		f.Text = text
		if since > 0 {
			f.Since = time.Now().Add(-since)
		}
		es, err := wb.AuditLog(cmd.Context(), f)
		if err != nil {
			return err
		}
		if es == nil {
			es = []dba.AuditEntry{}
		}
		if len(es) == 0 && a.output == "table" {
			fmt.Fprintln(a.stdout, "no audit records match")
			return nil
		}
		t := table{headers: []string{"ID", "WHEN", "PROFILE", "ENV", "STATUS", "RISK", "ROWS", "ACTOR", "STATEMENT"}}
		for _, e := range es {
			t.rows = append(t.rows, []string{strconv.FormatInt(e.ID, 10), e.Time.Local().Format(time.DateTime), e.Profile, a.envBadge(e.Env),
				e.Status, e.Risk, strconv.FormatInt(e.Rows, 10), e.Actor, historyCell(e.Statement, 70)})
		}
		return a.render(view{data: es, tables: []table{t}})
	}
	c := &cobra.Command{
		Use:   "audit [TEXT]",
		Short: "The safety gate's audit log: every change attempted, refused or made",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := ""
			if len(args) == 1 {
				text = args[0]
			}
			return list(cmd, text)
		},
	}
	fs := c.PersistentFlags()
	fs.StringVar(&f.Profile, "profile", "", "only changes on this profile")
	fs.StringVar(&f.Status, "status", "", "only this outcome: executed, refused, dry run, rolled back, failed")
	fs.DurationVar(&since, "since", 0, "only records newer than this (e.g. 24h)")
	fs.IntVar(&f.Limit, "limit", 100, "at most this many records (0: all)")
	c.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List audit records, newest first",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return list(cmd, "") },
	}, &cobra.Command{
		Use:   "search TEXT",
		Short: "Search statements, reasons and errors",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return list(cmd, args[0]) },
	}, &cobra.Command{
		Use:   "show ID",
		Short: "One audit record in full",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			e, err := wb.AuditRecord(cmd.Context(), ids[0])
			if err != nil {
				return err
			}
			rec := []field{
				{"id", strconv.FormatInt(e.ID, 10)}, {"when", e.Time.Local().Format(time.DateTime)}, {"actor", e.Actor},
				{"source", e.Source}, {"profile", e.Profile}, {"env", a.envBadge(e.Env)}, {"statement", e.Statement},
				{"class", e.Class}, {"risk", e.Risk}, {"plan", e.Plan}, {"verdict", e.Verdict},
				{"confirmed", strconv.FormatBool(e.Confirmed)}, {"name typed", strconv.FormatBool(e.TypedName)},
				{"reason", dash(e.Reason)}, {"status", e.Status}, {"rows", strconv.FormatInt(e.Rows, 10)},
				{"duration", e.Duration.String()}, {"error", dash(e.Error)},
			}
			return a.render(view{data: e, record: rec})
		},
	}, a.auditExportCommand(&f, &since))
	return c
}

func (a *app) auditExportCommand(f *dba.AuditFilter, since *time.Duration) *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "Every matching record with all fields, as CSV (or -o json)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("limit") {
				f.Limit = 0
			}
			if *since > 0 {
				f.Since = time.Now().Add(-*since)
			}
			es, err := wb.AuditLog(cmd.Context(), *f)
			if err != nil {
				return err
			}
			if a.output == "json" {
				if es == nil {
					es = []dba.AuditEntry{}
				}
				return a.render(view{data: es})
			}
			w := csv.NewWriter(a.stdout)
			w.Write([]string{"id", "time", "actor", "source", "profile", "env", "statement", "class", "risk", "plan", "verdict", "confirmed", "typed_name", "reason", "status", "rows", "duration_ms", "error"})
			for _, e := range es {
				w.Write([]string{strconv.FormatInt(e.ID, 10), e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Source, e.Profile, string(e.Env),
					e.Statement, e.Class, e.Risk, e.Plan, e.Verdict, strconv.FormatBool(e.Confirmed), strconv.FormatBool(e.TypedName), e.Reason,
					e.Status, strconv.FormatInt(e.Rows, 10), strconv.FormatFloat(float64(e.Duration)/float64(time.Millisecond), 'f', 3, 64), e.Error})
			}
			w.Flush()
			return w.Error()
		},
	}
}
