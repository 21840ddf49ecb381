package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/numfmt"
	"github.com/mydba/mydba/internal/workbench"
)

func (a *app) topCommand() *cobra.Command {
	var by string
	var limit int
	var noIndex, includeOwn, snapshot bool
	var since time.Duration
	orders := make([]string, 0, len(dba.DigestOrders()))
	for _, o := range dba.DigestOrders() {
		orders = append(orders, string(o))
	}
	c := &cobra.Command{
		Use:   "top",
		Short: "The statements that weigh most on the server, from performance_schema digests",
		Long: `List the statement digests (statements with literals replaced by ?) that cost the
server most, from performance_schema.events_statements_summary_by_digest:
counters since the server started or the table was last truncated, ranked by
the server itself (--by: ` + strings.Join(orders, ", ") + `).

Impact is a digest's share of the total latency of every statement the table
recorded. Each digest has pt-query-digest's query ID (of its example, or of the
digest text), so it can be found in a slow-log report, and a real example
statement where the server kept one (MySQL 8's QUERY_SAMPLE_TEXT, else the
statement history); otherwise it says none was kept. mydba's own statements
are left out unless --include-own.

--no-index keeps statements that ran without a (good) index, ranked by how
often (unless --by is given). --snapshot stores the whole table in the state
store; --since DURATION compares the newest snapshot with the one closest to
DURATION before it: what ran in between, counted correctly across TRUNCATE of
the table and server restarts.`,
		Example: `  mydba top -c prod
  mydba top -c prod --by rows-examined --limit 10
  mydba top -c prod --no-index
  mydba top -c prod --snapshot
  mydba top -c prod --since 24h -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			order, err := dba.ParseDigestOrder(by)
			if err != nil {
				return err
			}
			if noIndex && !cmd.Flags().Changed("by") {
				order = dba.OrderNoIndex
			}
			if limit < 1 || limit > workbench.MaxTopLimit {
				return fmt.Errorf("%w: limit %d: want 1 to %d", dba.ErrInvalid, limit, workbench.MaxTopLimit)
			}
			if cmd.Flags().Changed("since") && since <= 0 {
				return fmt.Errorf("%w: --since must be positive", dba.ErrInvalid)
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			if since > 0 {
				t, err := wb.DigestTrend(cmd.Context(), workbench.TrendRequest{Conn: a.connRequest(), Since: since, OrderBy: order,
					Limit: limit, NoIndex: noIndex, IncludeOwn: includeOwn, Snapshot: snapshot})
				if err != nil {
					return err
				}
				return a.render(a.trendView(t))
			}
			top, err := wb.Top(cmd.Context(), workbench.TopRequest{Conn: a.connRequest(), OrderBy: order, Limit: limit,
				NoIndex: noIndex, IncludeOwn: includeOwn, Snapshot: snapshot})
			if err != nil {
				return err
			}
			return a.render(a.topView(top))
		},
	}
	fs := c.Flags()
	fs.StringVar(&by, "by", string(dba.OrderTotalTime), "rank by `ORDER`: "+strings.Join(orders, ", "))
	fs.IntVarP(&limit, "limit", "n", workbench.DefaultTopLimit, fmt.Sprintf("list `N` digests (1 to %d)", workbench.MaxTopLimit))
	fs.BoolVar(&noIndex, "no-index", false, "only statements that ran without a (good) index")
	fs.BoolVar(&includeOwn, "include-own", false, "also list mydba's own statements")
	fs.BoolVar(&snapshot, "snapshot", false, "store the whole digest table in the state store (for --since)")
	fs.DurationVar(&since, "since", 0, "show what ran between the newest snapshot and the one closest to `DURATION` before it")
	_ = c.RegisterFlagCompletionFunc("by", cobra.FixedCompletions(orders, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// digestStatement is what a listing shows of a digest: its example when
// there is one (real SQL reads better), else the digest text.
func digestStatement(text string, ex *dba.DigestExample) string {
	if ex != nil {
		return ex.Text
	}
	return text
}

func (a *app) topView(t dba.DigestTop) view {
	rec := []field{
		{"profile", t.Profile},
		{"server", fmt.Sprintf("%s %s, up %s", t.Server.Flavor, t.Server.Version, uptimeText(t.Uptime))},
		{"digests", fmt.Sprintf("%d in the table, %d executions, %s in total", t.Totals.Digests, t.Totals.Count, numfmt.Duration(t.Totals.TotalTime))},
		{"ranked by", string(t.OrderBy)},
	}
	if t.Lost != nil {
		rec = append(rec, field{"without digest", fmt.Sprintf("%d executions, %s (table full)", t.Lost.Count, numfmt.Duration(t.Lost.TotalTime))})
	}
	if t.Snapshot != nil {
		rec = append(rec, field{"snapshot", snapshotText(*t.Snapshot)})
	}
	for _, n := range t.Notes {
		rec = append(rec, field{"note", n})
	}
	tb := table{headers: []string{"#", "impact", "total", "count", "avg", "max", "rows exam/exec", "no index", "query id", "schema", "statement"}}
	for _, d := range t.Digests {
		tb.rows = append(tb.rows, []string{
			strconv.Itoa(d.Rank), fmt.Sprintf("%.1f%%", d.ImpactPct), numfmt.Duration(d.TotalTime), strconv.FormatUint(d.Count, 10),
			numfmt.Duration(d.AvgTime), numfmt.Duration(d.MaxTime), perExec(d.RowsExamined, d.Count), fmt.Sprintf("%.0f%%", d.NoIndexPct),
			d.QueryID, dash(d.Schema), oneLine(digestStatement(d.Text, d.Example), 80),
		})
	}
	return view{data: t, record: rec, tables: []table{tb}}
}

func (a *app) trendView(t dba.DigestTrend) view {
	rec := []field{
		{"profile", t.Profile},
		{"from", snapshotText(t.From)},
		{"to", snapshotText(t.To)},
		{"interval", t.Interval.Round(time.Second).String()},
		{"in the interval", fmt.Sprintf("%d digests ran, %d executions, %s in total", t.Totals.Digests, t.Totals.Count, numfmt.Duration(t.Totals.TotalTime))},
		{"ranked by", string(t.OrderBy)},
	}
	for _, n := range t.Notes {
		rec = append(rec, field{"note", n})
	}
	tb := table{headers: []string{"#", "impact", "total", "count", "avg", "avg before", "change", "status", "query id", "schema", "statement"}}
	for _, d := range t.Digests {
		before, change := "-", "-"
		if d.BaseAvgTime != nil {
			before = numfmt.Duration(*d.BaseAvgTime)
		}
		if d.AvgChangePct != nil {
			change = fmt.Sprintf("%+.0f%%", *d.AvgChangePct)
		}
		tb.rows = append(tb.rows, []string{
			strconv.Itoa(d.Rank), fmt.Sprintf("%.1f%%", d.ImpactPct), numfmt.Duration(d.TotalTime), strconv.FormatUint(d.Count, 10),
			numfmt.Duration(d.AvgTime), before, change, dash(d.Status), d.QueryID, dash(d.Schema), oneLine(digestStatement(d.Text, d.Example), 80),
		})
	}
	return view{data: t, record: rec, tables: []table{tb}}
}

func snapshotText(s dba.DigestSnapshotInfo) string {
	kind := "changed rows"
	if s.Full {
		kind = "every row"
	}
	return fmt.Sprintf("#%d at %s, %d digests (%d stored: %s)", s.ID, s.At.UTC().Format(time.RFC3339), s.Digests, s.Stored, kind)
}

func perExec(n, count uint64) string {
	if count == 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(n)/float64(count), 'f', 1, 64)
}
