package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

func (a *app) configCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Show the effective configuration (safety policy, history retention)",
	}
	c.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the configuration in force and the file it came from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, cfg, err := a.stateConfig()
			if err != nil {
				return err
			}
			src := cfg.Path
			if src == "" {
				src = "defaults (no config file)"
			}
			t := table{title: "Safety policy (file: " + src + ")", headers: []string{"ENV", "CONFIRM WRITES", "CONFIRM DESTRUCTIVE", "TYPE NAME", "REASON", "MAX ROWS", "CRITICAL", "BLOCKED"}}
			yes := func(b bool) string {
				if b {
					return "yes"
				}
				return "no"
			}
			for _, env := range []dba.Env{dba.EnvDev, dba.EnvStaging, dba.EnvProd} {
				p := cfg.Policy.For(env)
				maxRows := "no limit"
				if p.MaxRows > 0 {
					maxRows = strconv.FormatInt(p.MaxRows, 10)
				}
				critical := "refused"
				if p.AllowCritical {
					critical = "allowed"
				}
				t.rows = append(t.rows, []string{string(env), yes(p.ConfirmWrites), yes(p.ConfirmDestructive), yes(p.TypeName), yes(p.RequireReason), maxRows, critical, yes(p.Blocked)})
			}
			entries, age := cfg.History.MaxEntries, cfg.History.MaxAge
			if entries == 0 {
				entries = workbench.DefaultHistoryEntries
			}
			if age == 0 {
				age = workbench.DefaultHistoryAge
			}
			h := table{title: "History retention", headers: []string{"MAX ENTRIES", "MAX AGE"}, rows: [][]string{{strconv.Itoa(entries), fmt.Sprint(age)}}}
			data := map[string]any{"file": cfg.Path, "policy": cfg.Policy, "history": map[string]any{"max_entries": entries, "max_age": age.String()}}
			return a.render(view{data: data, tables: []table{t, h}})
		},
	})
	return c
}
