package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

func (a *app) statusCommand() *cobra.Command {
	var interval time.Duration
	c := &cobra.Command{
		Use:   "status",
		Short: "One screen of the server: load, connections, buffer pool, replication",
		Long: `Sample SHOW GLOBAL STATUS twice, --interval apart, and show the server's
version and uptime, connections against max_connections, threads running,
queries and transactions per second over the interval (never averages since
startup), the InnoDB buffer pool's use and hit rate over the interval, and the
replication role and lag.

Counters that go backwards between the samples (restart, FLUSH STATUS) are
reported and no rate is computed across them. Parts the user may not read are
listed as unavailable; the rest is still shown.`,
		Example: `  mydba status -c prod
  mydba status --interval 5s -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			st, err := wb.Status(cmd.Context(), a.connRequest(), workbench.StatusRequest{Interval: interval})
			if err != nil {
				return err
			}
			return a.render(a.statusView(st))
		},
	}
	c.Flags().DurationVar(&interval, "interval", time.Second, "time between the two samples the rates come from (100ms to 1m)")
	return c
}

func (a *app) statusView(st dba.ServerStatus) view {
	rate := func(v *float64) string {
		if v == nil {
			return "n/a"
		}
		return fmt.Sprintf("%.1f", *v)
	}
	pct := func(v *float64) string {
		if v == nil {
			return "n/a"
		}
		return fmt.Sprintf("%.1f%%", *v)
	}
	c := st.Connections
	conn := fmt.Sprintf("%d of %d (%s), max used %d (%s)", c.Connected, c.Max, pct(c.UsedPercent), c.MaxUsed, pct(c.MaxUsedPercent))
	if c.Max == 0 {
		conn = fmt.Sprintf("%d, max used %d (max_connections unknown)", c.Connected, c.MaxUsed)
	}
	r := st.Rates
	rec := []field{
		{"server", fmt.Sprintf("%s %s (%s)", st.Server.Flavor, st.Server.Version, st.Server.Raw)},
		{"uptime", uptimeText(st.Uptime)},
		{"connections", conn},
		{"threads running", fmt.Sprint(c.Running)},
		{"interval", fmt.Sprintf("%.2fs", st.Interval.Seconds())},
	}
	if st.Reset != "" {
		rec = append(rec, field{"counters reset", st.Reset})
	}
	rec = append(rec,
		field{"queries/s", rate(r.QPS) + " (Questions)"},
		field{"transactions/s", rate(r.TPS) + " (COMMIT + ROLLBACK); engine commits/s " + rate(r.EngineCommits)},
		field{"statements/s", fmt.Sprintf("select %s, insert %s, update %s, delete %s", rate(r.Select), rate(r.Insert), rate(r.Update), rate(r.Delete))},
	)
	for _, n := range r.Notes {
		if !strings.HasPrefix(n, "rates withheld") {
			rec = append(rec, field{"note", n})
		}
	}
	if bp := st.BufferPool; bp != nil {
		rec = append(rec, field{"buffer pool", fmt.Sprintf("%s, %s used, %s free, %d dirty pages of %d", bytesText(bp.SizeBytes), pct(bp.UsedPercent), pct(bp.FreePercent), bp.PagesDirty, bp.PagesTotal)})
		hit := bp.HitNote
		if bp.HitPercent != nil {
			hit = fmt.Sprintf("%.2f%% (%d read requests, %d from disk)", *bp.HitPercent, bp.ReadRequests, bp.DiskReads)
		}
		rec = append(rec, field{"buffer pool hit rate", hit})
	}
	rec = append(rec, field{"replication", replicationText(st.Replication)})
	for _, u := range st.Unavailable {
		rec = append(rec, field{"unavailable", u.What + ": " + u.Reason})
	}
	return view{data: st, record: rec}
}

func replicationText(r dba.Replication) string {
	if r.Role != dba.RoleReplica {
		return r.Role
	}
	s := "replica"
	if r.Source != "" {
		s += " of " + r.Source
	}
	if r.LagSeconds != nil {
		s += fmt.Sprintf(", %ds behind", *r.LagSeconds)
	}
	s += fmt.Sprintf(" (IO thread %s, SQL thread %s)", orDash(r.IORunning), orDash(r.SQLRunning))
	if r.Note != "" {
		s += "; " + r.Note
	}
	if r.LastError != "" {
		s += "; last error: " + r.LastError
	}
	return s
}

func uptimeText(d time.Duration) string {
	d = d.Round(time.Second)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	if days > 0 {
		return fmt.Sprintf("%dd %s", days, d)
	}
	return d.String()
}

func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[i-1])
}
