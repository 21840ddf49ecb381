package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/numfmt"
	"github.com/mydba/mydba/internal/workbench"
)

// waterfallWidth is the width of the stage bars in table output.
const waterfallWidth = 40

func (a *app) profileCommand() *cobra.Command {
	var af approveFlags
	var file string
	var maxTime time.Duration
	var waits, enable bool
	c := &cobra.Command{
		Use:   "profile [SQL]",
		Short: "Run one read statement and show where its time went, stage by stage",
		Long: `Run one read statement on a read-only session and show the server's own account
of it from performance_schema: duration, lock time, rows sent and examined,
temporary tables (in memory and on disk), sorts, scans, whether an index was
used, and its stages (starting, opening tables, statistics, sending data, ...)
with their offsets, durations and shares: a waterfall, drawn in the table
output and ready to chart from -o json. --waits adds the table and file I/O
and table-lock waits inside the statement.

The statement really runs (its result is read and discarded), under
--max-time; writes are refused — change data with mydba exec.

performance_schema must record statements and stages for this session. When
it does not, mydba names the missing consumers and instruments and runs
nothing. With --enable-instruments it switches them on through the safety gate
(plan, approval, audit, like mydba exec), profiles the statement, and puts
every setting back as it was, also through the gate. Those settings are global
while they are on.`,
		Example: `  mydba profile -c dev "SELECT status, COUNT(*) FROM shop.orders GROUP BY status"
  mydba profile -c dev --waits -o json -f slow.sql
  mydba profile -c staging --enable-instruments --yes "SELECT ..."`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if maxTime <= 0 {
				return fmt.Errorf("%w: --max-time must be positive", dba.ErrInvalid)
			}
			sql, err := a.readSQL(args, file)
			if err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			res, err := wb.ProfileStatement(cmd.Context(), workbench.ProfileRequest{
				Conn: a.connRequest(), SQL: sql, MaxTime: maxTime, Waits: waits, Enable: enable,
				Approve: a.approver(af), Source: "cli",
			})
			if res.Statement != nil || len(res.Changes) > 0 {
				if rerr := a.render(a.stmtProfileView(res, waits)); rerr != nil && err == nil {
					err = rerr
				}
			}
			var nie *dba.NotInstrumentedError
			if errors.As(err, &nie) && !enable && nie.Fixable() {
				return fmt.Errorf("%w (--enable-instruments)", err)
			}
			return timeLimitHint(err, maxTime)
		},
	}
	fs := c.Flags()
	fs.StringVarP(&file, "file", "f", "", "read the statement from `FILE` (- for stdin)")
	fs.DurationVar(&maxTime, "max-time", workbench.DefaultQueryMaxTime, "stop the statement on the server after this `DURATION`")
	fs.BoolVar(&waits, "waits", false, "also record and show waits (table and file I/O, table locks) inside the statement")
	fs.BoolVar(&enable, "enable-instruments", false, "switch on the performance_schema consumers and instruments a profile needs, through the safety gate, and restore them afterwards")
	fs.BoolVar(&af.dryRun, "dry-run", false, "with --enable-instruments: show the plans of the changes and run nothing")
	fs.BoolVar(&af.yes, "yes", false, "confirm the changes without a prompt")
	fs.StringVar(&af.confirm, "confirm", "", "confirm the changes by giving the connection `NAME` (required on prod)")
	fs.StringVar(&af.reason, "reason", "", "`TEXT` saying why the changes are made, kept in the audit log (required on prod)")
	return c
}

func (a *app) stmtProfileView(res workbench.ProfileResult, waits bool) view {
	v := view{data: res}
	if p := res.Statement; p != nil {
		v.record = profileRecord(res.Profile, p)
		st := table{title: "Stages", headers: []string{"#", "stage", "start", "duration", "share", "waterfall"}}
		for i, s := range p.Stages {
			st.rows = append(st.rows, []string{strconv.Itoa(i + 1), s.Stage, numfmt.Duration(s.Start), numfmt.Duration(s.Duration),
				fmt.Sprintf("%.1f%%", s.SharePct), waterfall(s.Start, s.Duration, p.Duration, waterfallWidth)})
		}
		v.tables = append(v.tables, st)
		if p.Waits != nil {
			wt := table{title: "Waits", headers: []string{"wait", "object", "count", "total", "max"}}
			for _, w := range p.Waits {
				wt.rows = append(wt.rows, []string{w.Name, dash(w.Object), strconv.FormatUint(w.Count, 10), numfmt.Duration(w.Total), numfmt.Duration(w.Max)})
			}
			v.tables = append(v.tables, wt)
		} else if waits && p.WaitsNote != "" {
			v.record = append(v.record, field{"waits", p.WaitsNote})
		}
	}
	if res.Statement == nil && len(res.Changes) > 0 && res.Changes[0].Status == "dry run" {
		v.record = append(v.record, field{"dry run", "nothing was changed and the statement was not run"})
	}
	if len(res.Changes) > 0 {
		ct := table{title: "performance_schema changes", headers: []string{"purpose", "status", "statement"}}
		for _, ch := range res.Changes {
			status := ch.Status
			if ch.Error != "" {
				status += ": " + ch.Error
			}
			ct.rows = append(ct.rows, []string{ch.Purpose, status, oneLine(ch.Statement, 120)})
		}
		v.tables = append(v.tables, ct)
	}
	return v
}

func profileRecord(profile string, p *dba.StatementProfile) []field {
	yes := func(b bool) string {
		if b {
			return "YES"
		}
		return "no"
	}
	rec := []field{
		{"profile", profile},
		{"server", fmt.Sprintf("%s %s", p.Server.Flavor, p.Server.Version)},
		{"statement", oneLine(p.SQL, 100)},
		{"duration", numfmt.Duration(p.Duration) + " on the server, " + numfmt.Duration(p.ClientTime) + " as seen by mydba"},
		{"lock time", numfmt.Duration(p.LockTime)},
	}
	if p.CPUTime != nil {
		rec = append(rec, field{"cpu time", numfmt.Duration(*p.CPUTime)})
	}
	if p.MaxTotalMemory != nil {
		rec = append(rec, field{"peak memory", bytesText(int64(*p.MaxTotalMemory))})
	}
	rec = append(rec,
		field{"rows", fmt.Sprintf("%d sent, %d examined, %d affected", p.RowsSent, p.RowsExamined, p.RowsAffected)},
		field{"temporary tables", fmt.Sprintf("%d, of which %d on disk", p.TmpTables, p.TmpDiskTables)},
		field{"sorts", fmt.Sprintf("%d rows, %d merge passes, %d range, %d scan", p.SortRows, p.SortMergePasses, p.SortRange, p.SortScan)},
		field{"table access", fmt.Sprintf("%d full scans, %d full joins, %d range, %d range checks, %d full range joins", p.SelectScan, p.SelectFullJoin, p.SelectRange, p.SelectRangeCheck, p.SelectFullRange)},
		field{"no index used", yes(p.NoIndexUsed)},
		field{"no good index used", yes(p.NoGoodIndexUsed)},
	)
	if p.Errors > 0 || p.Warnings > 0 {
		rec = append(rec, field{"errors, warnings", fmt.Sprintf("%d, %d", p.Errors, p.Warnings)})
	}
	if p.DigestText != "" {
		rec = append(rec, field{"digest", oneLine(p.DigestText, 100)})
	}
	cov := "n/a"
	if p.StageCoveragePct != nil {
		cov = fmt.Sprintf("%.1f%% of the duration", *p.StageCoveragePct)
	}
	rec = append(rec, field{"stages", fmt.Sprintf("%d, %s, cover %s", len(p.Stages), numfmt.Duration(p.StageTime), cov)})
	for _, n := range p.Notes {
		rec = append(rec, field{"note", n})
	}
	return rec
}

// waterfall draws a stage as a bar on a line of width cells standing for
// the statement's duration: dots before the stage, # for the stage
// (at least one, so short stages stay visible).
func waterfall(start, dur, total time.Duration, width int) string {
	if total <= 0 {
		return ""
	}
	from := int(float64(start) / float64(total) * float64(width))
	n := int(float64(dur)/float64(total)*float64(width) + 0.5)
	from = min(max(from, 0), width-1)
	n = min(max(n, 1), width-from)
	return strings.Repeat(".", from) + strings.Repeat("#", n) + strings.Repeat(".", width-from-n)
}
