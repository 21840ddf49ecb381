package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

func (a *app) digestCommand() *cobra.Command {
	var req workbench.SlowLogRequest
	cmd := &cobra.Command{
		Use:   "digest FILE...",
		Short: "Group slow query log events by fingerprint and rank them by total time",
		Long: `Read MySQL, MariaDB and Percona Server slow query logs (plain or gzip,
"-" for standard input) and group their statements by fingerprint, as
pt-query-digest does and with the same query IDs: count, total, average,
95th percentile and maximum query time, lock time, rows, bytes, first and
last seen, databases, users, hosts and the slowest sample of each class.

The table output is a ranked profile followed by the details of the top
classes; -o json gives everything; -o csv the profile. No connection is
needed. See docs/digest.md for the filter language and the JSON shape.`,
		Example: `  mydba digest /var/lib/mysql/slow.log
  mydba digest slow.log.1.gz slow.log --since 24h --top 5
  mydba digest slow.log --filter db=shop --filter 'query_time>0.5' -o json
  zstd -dc slow.log.zst | mydba digest -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Paths = args
			req.Stdin = a.stdin
			stop := a.digestProgress(&req)
			d, err := workbench.DigestSlowLogs(cmd.Context(), req)
			stop()
			if err != nil {
				return err
			}
			switch a.output {
			case "json":
				return a.render(view{data: d})
			case "csv":
				return a.render(view{tables: []table{digestProfileTable(d)}})
			}
			w := bufio.NewWriter(a.stdout)
			writeDigestReport(w, d)
			return w.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Since, "since", "", "only events at or after `TIME` (RFC 3339, \"2024-05-10 17:00\", or back from now: 24h, 7d)")
	f.StringVar(&req.Until, "until", "", "only events before `TIME` (same forms as --since)")
	f.StringArrayVar(&req.Filters, "filter", nil, "only events matching `EXPR`, e.g. db=shop, user!=root, 'query_time>1', fingerprint~orders (repeat to AND)")
	f.IntVar(&req.Top, "top", 10, "report the `N` classes with the most total time in detail (0: all)")
	f.IntVar(&req.Workers, "workers", 0, "parse with `N` goroutines (default: one per CPU)")
	return cmd
}

// digestProgress shows bytes read and speed on stderr while a digest runs,
// only when stderr is a terminal. It returns the function that clears it.
func (a *app) digestProgress(req *workbench.SlowLogRequest) func() {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	var done, total atomic.Int64
	req.Progress = func(d, t int64) {
		done.Store(d)
		total.Store(t)
	}
	start := time.Now()
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(a.stderr, "\r\x1b[K")
				return
			case <-tick.C:
				d, t := done.Load(), total.Load()
				line := "digest: " + dgBytes(float64(d))
				if t > 0 {
					line += fmt.Sprintf(" of %s (%.0f%%)", dgBytes(float64(t)), 100*float64(d)/float64(t))
				}
				if s := time.Since(start).Seconds(); s > 0 {
					line += fmt.Sprintf(", %s/s", dgBytes(float64(d)/s))
				}
				fmt.Fprint(a.stderr, "\r\x1b[K"+line)
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
	}
}

// digestProfileTable is the ranked profile, for -o csv.
func digestProfileTable(d *dba.SlowLogDigest) table {
	t := table{headers: []string{"rank", "query_id", "response_time", "response_share", "calls", "r_call", "v_m", "fingerprint"}}
	for _, c := range d.Classes {
		t.rows = append(t.rows, []string{
			strconv.Itoa(c.Rank), c.ID,
			strconv.FormatFloat(c.QueryTime.Sum, 'f', 6, 64),
			strconv.FormatFloat(c.ResponseShare, 'f', 4, 64),
			strconv.FormatInt(c.Count, 10),
			strconv.FormatFloat(c.QueryTime.Avg, 'f', 6, 64),
			strconv.FormatFloat(c.VarianceToMean, 'f', 2, 64),
			c.Fingerprint,
		})
	}
	return t
}

// writeDigestReport prints the report in pt-query-digest's layout: overall
// statistics, the profile, then each reported class in detail. Times are
// UTC.
func writeDigestReport(w io.Writer, d *dba.SlowLogDigest) {
	names := make([]string, len(d.Files))
	var read int64
	for i, f := range d.Files {
		names[i] = f.Name
		read += f.Read
	}
	fmt.Fprintf(w, "# mydba digest of %s (%s)\n", strings.Join(names, ", "), dgBytes(float64(read)))
	fmt.Fprintf(w, "# Overall: %s events, %s unique", dgCount(float64(d.Events)), dgCount(float64(d.ClassCount)))
	if d.EventsRead != d.Events {
		fmt.Fprintf(w, " (%s read, %s filtered out)", dgCount(float64(d.EventsRead)), dgCount(float64(d.EventsRead-d.Events)))
	}
	if span := dgSpan(d.FirstSeen, d.LastSeen); span > 0 {
		fmt.Fprintf(w, ", %.2f QPS, %.2fx concurrency", float64(d.Events)/span, d.Totals.QueryTime.Sum/span)
	}
	fmt.Fprintln(w)
	if d.FirstSeen != nil {
		fmt.Fprintf(w, "# Time range: %s to %s UTC\n", dgTime(d.FirstSeen), dgTime(d.LastSeen))
	}
	for _, f := range d.Filters {
		fmt.Fprintf(w, "# Filter: %s\n", f)
	}
	if d.Since != nil || d.Until != nil {
		fmt.Fprintf(w, "# Window: %s to %s UTC\n", dgTimeOr(d.Since, "start"), dgTimeOr(d.Until, "end"))
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "# Note: %s\n", n)
	}
	if d.Events == 0 {
		fmt.Fprintln(w, "\n# No events matched.")
		return
	}
	fmt.Fprintln(w, "# Attribute          total     min     max     avg     95%")
	fmt.Fprintln(w, "# ============     ======= ======= ======= ======= =======")
	dgMetricLines(w, d.Totals, nil, false)

	fmt.Fprintln(w)
	fmt.Fprintln(w, "# Profile")
	fmt.Fprintln(w, "# Rank Query ID                           Response time    Calls  R/Call   V/M Item")
	fmt.Fprintln(w, "# ==== ================================== ================ ====== ======= ===== ====")
	var shown, shownCount float64
	for _, c := range d.Classes {
		fmt.Fprintf(w, "# %4d 0x%s %9.4f %5.1f%% %6d %7.4f %5.2f %s\n", c.Rank, c.ID, c.QueryTime.Sum, 100*c.ResponseShare,
			c.Count, c.QueryTime.Avg, c.VarianceToMean, dgItem(c.Fingerprint, 60))
		shown += c.QueryTime.Sum
		shownCount += float64(c.Count)
	}
	if rest := d.ClassCount - len(d.Classes); rest > 0 {
		restTime := d.Totals.QueryTime.Sum - shown
		restCount := float64(d.Events-d.Overflow.Events) - shownCount
		share := 0.0
		if d.Totals.QueryTime.Sum > 0 {
			share = 100 * restTime / d.Totals.QueryTime.Sum
		}
		fmt.Fprintf(w, "# MISC 0xMISC                              %9.4f %5.1f%% %6.0f %7.4f   0.0 <%d ITEMS>\n",
			restTime, share, restCount, restTime/math.Max(restCount, 1), rest)
	}
	for _, c := range d.Classes {
		dgClass(w, d, c)
	}
}

func dgClass(w io.Writer, d *dba.SlowLogDigest, c dba.SlowLogClass) {
	fmt.Fprintf(w, "\n# Query %d: ", c.Rank)
	if span := dgSpan(c.FirstSeen, c.LastSeen); span > 0 {
		fmt.Fprintf(w, "%.2f QPS, %.2fx concurrency, ", float64(c.Count)/span, c.QueryTime.Sum/span)
	}
	fmt.Fprintf(w, "ID 0x%s at byte %d", c.ID, c.Sample.Offset)
	if len(d.Files) > 1 {
		fmt.Fprintf(w, " of %s", c.Sample.File)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "# Scores: V/M = %.2f\n", c.VarianceToMean)
	if c.FirstSeen != nil {
		fmt.Fprintf(w, "# Time range: %s to %s UTC\n", dgTime(c.FirstSeen), dgTime(c.LastSeen))
	}
	fmt.Fprintln(w, "# Attribute    pct   total     min     max     avg     95%")
	fmt.Fprintln(w, "# ============ === ======= ======= ======= ======= =======")
	fmt.Fprintf(w, "# %-12s %3.0f %7s\n", "Count", dgPct(float64(c.Count), float64(d.Events)), dgCount(float64(c.Count)))
	dgMetricLines(w, c.SlowLogMetrics, &d.Totals, true)
	dgValues(w, "Databases", c.Databases, c.DatabasesOther, c.Count)
	dgValues(w, "Hosts", c.Hosts, c.HostsOther, c.Count)
	dgValues(w, "Users", c.Users, c.UsersOther, c.Count)
	if flags := dgFlags(c.Attributes); flags != "" {
		fmt.Fprintf(w, "# %-12s %s\n", "Flags", flags)
	}
	fmt.Fprintf(w, "# Fingerprint\n#    %s\n", dgItem(c.Fingerprint, 2000))
	s := c.Sample
	fmt.Fprintf(w, "# Slowest sample: %s", dgDuration(s.QueryTime))
	if s.Time != nil {
		fmt.Fprintf(w, " at %s UTC", dgTime(s.Time))
	}
	if s.DB != "" {
		fmt.Fprintf(w, ", db %s", s.DB)
	}
	if s.User != "" || s.Host != "" {
		fmt.Fprintf(w, ", %s@%s", s.User, s.Host)
	}
	if s.Truncated {
		fmt.Fprint(w, " (text truncated)")
	}
	fmt.Fprintln(w)
	if s.Explain != "" {
		for line := range strings.SplitSeq(s.Explain, "\n") {
			fmt.Fprintf(w, "# explain: %s\n", line)
		}
	}
	fmt.Fprintf(w, "%s;\n", s.Query)
}

// dgMetricLines prints the time, rows and bytes lines; with pct, each
// with its share of the totals.
func dgMetricLines(w io.Writer, m dba.SlowLogMetrics, totals *dba.SlowLogMetrics, pct bool) {
	line := func(name string, st *dba.SlowLogStat, total *dba.SlowLogStat, format func(float64) string) {
		if st == nil || st.Events == 0 {
			return
		}
		p95 := ""
		if st.P95 != nil {
			p95 = format(*st.P95)
		}
		var s string
		if pct {
			share := 0.0
			if total != nil {
				share = dgPct(st.Sum, total.Sum)
			}
			s = fmt.Sprintf("# %-12s %3.0f %7s %7s %7s %7s %7s", name, share, format(st.Sum), format(st.Min), format(st.Max), format(st.Avg), p95)
		} else {
			s = fmt.Sprintf("# %-12s  %9s %7s %7s %7s %7s", name, format(st.Sum), format(st.Min), format(st.Max), format(st.Avg), p95)
		}
		fmt.Fprintln(w, strings.TrimRight(s, " "))
	}
	var t dba.SlowLogMetrics
	if totals != nil {
		t = *totals
	}
	line("Exec time", &m.QueryTime, &t.QueryTime, dgDuration)
	line("Lock time", &m.LockTime, &t.LockTime, dgDuration)
	line("Rows sent", m.RowsSent, t.RowsSent, dgCount)
	line("Rows examine", m.RowsExamined, t.RowsExamined, dgCount)
	line("Rows affecte", m.RowsAffected, t.RowsAffected, dgCount)
	line("Bytes sent", m.BytesSent, t.BytesSent, dgBytes)
}

func dgValues(w io.Writer, name string, vs []dba.SlowLogValue, other, count int64) {
	if len(vs) == 0 {
		return
	}
	parts := make([]string, 0, len(vs)+1)
	for _, v := range vs {
		if len(vs) == 1 && other == 0 {
			parts = append(parts, v.Value)
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d/%.0f%%)", v.Value, v.Count, dgPct(float64(v.Count), float64(count))))
	}
	if other > 0 {
		parts = append(parts, fmt.Sprintf("others (%d)", other))
	}
	fmt.Fprintf(w, "# %-12s %s\n", name, strings.Join(parts, ", "))
}

// dgFlags lists the Yes/No attributes that were Yes for some events, as
// pt-query-digest's "Boolean:" section does.
func dgFlags(attrs map[string]dba.SlowLogStat) string {
	var out []string
	for _, name := range []string{"full_scan", "full_join", "tmp_table", "tmp_table_on_disk", "filesort", "filesort_on_disk", "priority_queue", "qc_hit"} {
		st, ok := attrs[name]
		if !ok || st.Sum == 0 || st.Events == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s %.0f%%", name, 100*st.Sum/float64(st.Events)))
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

func dgSpan(first, last *time.Time) float64 {
	if first == nil || last == nil {
		return 0
	}
	return last.Sub(*first).Seconds()
}

func dgPct(v, total float64) float64 {
	if total <= 0 {
		return 0
	}
	return 100 * v / total
}

func dgTime(t *time.Time) string {
	if t == nil {
		return "?"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func dgTimeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return dgTime(t)
}

// dgItem shortens a fingerprint to one line of at most n bytes, cutting
// at a UTF-8 boundary.
func dgItem(fp string, n int) string {
	fp = strings.Join(strings.Fields(fp), " ")
	if len(fp) <= n {
		return fp
	}
	cut := n - 3
	for cut > 0 && fp[cut]&0xC0 == 0x80 {
		cut--
	}
	return fp[:cut] + "..."
}

// dgDuration formats seconds like pt-query-digest: 8s, 672ms, 7us.
func dgDuration(s float64) string {
	switch {
	case s == 0:
		return "0"
	case s >= 1:
		return dgTrim(s) + "s"
	case s >= 0.001:
		return dgTrim(s*1e3) + "ms"
	}
	return dgTrim(s*1e6) + "us"
}

// dgTrim prints up to three significant-looking digits: 8, 19, 672, 1.6.
func dgTrim(v float64) string {
	if v >= 10 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(v, 'f', 1, 64), "0"), ".")
}

// dgCount formats counts: 11, 1.91k, 7.22M.
func dgCount(v float64) string {
	switch {
	case v >= 1e9:
		return strconv.FormatFloat(v/1e9, 'f', 2, 64) + "G"
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 2, 64) + "k"
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// dgBytes formats sizes in binary units: 350.07k, 5.00M.
func dgBytes(v float64) string {
	switch {
	case v >= 1<<30:
		return strconv.FormatFloat(v/(1<<30), 'f', 2, 64) + "G"
	case v >= 1<<20:
		return strconv.FormatFloat(v/(1<<20), 'f', 2, 64) + "M"
	case v >= 1<<10:
		return strconv.FormatFloat(v/(1<<10), 'f', 2, 64) + "k"
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
