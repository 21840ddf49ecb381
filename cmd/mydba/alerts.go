package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/config"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// alertOptions carries the configuration's alert section into the
// workbench.
func alertOptions(c config.Config) workbench.AlertOptions {
	return workbench.AlertOptions{
		Rules:             c.Alerts.Rules,
		Webhook:           c.Alerts.Webhook,
		WebhookTimeout:    c.Alerts.WebhookTimeout,
		WebhookRetries:    c.Alerts.WebhookRetries,
		WebhookBackoff:    c.Alerts.WebhookBackoff,
		HistoryMaxEntries: c.Alerts.History.MaxEntries,
		HistoryMaxAge:     c.Alerts.History.MaxAge,
	}
}

func (a *app) alertsCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "alerts",
		Short: "Active alerts of the monitor (history, rules: see subcommands)",
		Long: `Alerts the monitor (mydba serve) raised and has not resolved yet, most
severe first. --conn limits them to one connection.

Subcommands: history (active and resolved alerts), rules (the rules in
force: defaults with config.toml's [[alert]] tables applied).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			as, err := wb.ActiveAlerts(cmd.Context(), a.conn)
			if err != nil {
				return err
			}
			if len(as) == 0 && a.output == "table" {
				fmt.Fprintln(a.stdout, "no active alerts")
				return nil
			}
			t := table{headers: []string{"SEVERITY", "CONNECTION", "ALERT", "VALUE", "THRESHOLD", "FIRED", "MESSAGE"}}
			for _, r := range as {
				t.rows = append(t.rows, []string{a.severityBadge(r.Severity), r.Profile, alertName(r), alert.FormatValue(r.FiredValue),
					r.Op + " " + alert.FormatValue(r.Threshold), r.FiredAt.Local().Format(time.DateTime), historyCell(r.Message, 80)})
			}
			return a.render(view{data: as, tables: []table{t}})
		},
	}
	c.AddCommand(a.alertsHistoryCommand(), a.alertsRulesCommand())
	return c
}

func (a *app) alertsHistoryCommand() *cobra.Command {
	var since string
	var limit int
	c := &cobra.Command{
		Use:   "history",
		Short: "Alerts active and resolved, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := dba.AlertFilter{Profile: a.conn, Limit: limit}
			d, err := parseAlertSince(since)
			if err != nil {
				return err
			}
			if limit < 0 {
				return fmt.Errorf("%w: --limit %d is negative", dba.ErrInvalid, limit)
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			now := time.Now()
			if d > 0 {
				f.Since = now.Add(-d)
			}
			hs, err := wb.AlertHistory(cmd.Context(), f)
			if err != nil {
				return err
			}
			if len(hs) == 0 && a.output == "table" {
				fmt.Fprintln(a.stdout, "no alerts in this window")
				return nil
			}
			t := table{headers: []string{"ID", "SEVERITY", "CONNECTION", "ALERT", "FIRED", "RESOLVED", "LASTED", "VALUES", "MESSAGE"}}
			for _, r := range hs {
				resolved, values := "active", alert.FormatValue(r.FiredValue)
				if r.ResolvedAt != nil {
					resolved = r.ResolvedAt.Local().Format(time.DateTime)
					if r.ResolvedValue != nil {
						values += " → " + alert.FormatValue(*r.ResolvedValue)
					}
				}
				t.rows = append(t.rows, []string{strconv.FormatInt(r.ID, 10), a.severityBadge(r.Severity), r.Profile, alertName(r),
					r.FiredAt.Local().Format(time.DateTime), resolved, alert.FormatDuration(r.Duration(now).Round(time.Second)), values, historyCell(r.Message, 70)})
			}
			return a.render(view{data: hs, tables: []table{t}})
		},
	}
	c.Flags().StringVar(&since, "since", "24h", "alerts active during this window: a duration (90m, 24h) or days (7d); \"\" for all")
	c.Flags().IntVar(&limit, "limit", 200, "at most this many alerts (0: all)")
	return c
}

func (a *app) alertsRulesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "rules",
		Short: "The alert rules in force: defaults with config.toml's [[alert]] tables applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			rules := wb.AlertRules()
			t := table{headers: []string{"RULE", "FIRES WHEN", "CLEARS WHEN", "SEVERITY", "ENABLED"}}
			for _, r := range rules {
				enabled := "yes"
				if !r.Enabled {
					enabled = "no"
				}
				t.rows = append(t.rows, []string{r.Name, r.Condition(), r.ClearCondition(), a.severityBadge(string(r.Severity)), enabled})
			}
			hook := wb.AlertWebhookStatus().Target
			v := view{data: map[string]any{"rules": rules, "webhook": hook}, tables: []table{t}}
			if hook != "" {
				v.record = []field{{"webhook", hook}}
			}
			return a.render(v)
		},
	}
}

// alertName is the rule, with the collector for collector alerts.
func alertName(r dba.AlertRecord) string {
	if r.Instance != "" {
		return r.Rule + " (" + r.Instance + ")"
	}
	return r.Rule
}

// severityBadge upper-cases critical so it stands out without colour too.
func (a *app) severityBadge(s string) string {
	label, code := s, ""
	switch s {
	case string(alert.SeverityCritical):
		label, code = "CRITICAL", "1;97;41"
	case string(alert.SeverityWarning):
		code = "30;43"
	}
	if !a.colour() || code == "" {
		return label
	}
	return "\x1b[" + code + "m" + label + "\x1b[0m"
}

// parseAlertSince reads a window: a Go duration (90m, 24h) or whole days
// (7d); "" or "0" is any time.
func parseAlertSince(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	bad := fmt.Errorf("%w: --since %q: want a duration such as 90m, 24h or 7d", dba.ErrInvalid, s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 100*365 {
			return 0, bad
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}
