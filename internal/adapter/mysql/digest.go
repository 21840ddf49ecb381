package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/dba"
)

// digestTag marks the statements that read the digest summary; ownPrefix
// is what every statement mydba sends starts with, so digests whose
// statements all carry it can be recognised as mydba's own.
const (
	digestTag = "/* mydba:top */ "
	ownPrefix = "/* mydba:"
)

// Where examples of a digest come from.
const (
	sourceSample      = "QUERY_SAMPLE_TEXT"
	sourceHistoryLong = "events_statements_history_long"
	sourceHistory     = "events_statements_history"
)

// hasDigestSamples reports whether the digest summary has the quantile and
// sample columns (QUANTILE_95, QUERY_SAMPLE_TEXT ...): MySQL 8.0.3 and
// later. MariaDB, up to 11.x, keeps neither.
func hasDigestSamples(s dba.Server) bool {
	return !s.IsMariaDB() && s.Version.AtLeast(8, 0, 3)
}

// hasStatementCPU reports whether statement tables have CPU_TIME (and the
// summaries SUM_CPU_TIME): MySQL 8.0.28 and later.
func hasStatementCPU(s dba.Server) bool {
	return !s.IsMariaDB() && s.Version.AtLeast(8, 0, 28)
}

// digestColumns is the select list of the digest summary for server s, with
// lower-case aliases the decoder reads. Timestamps are read as
// UNIX_TIMESTAMP so they do not depend on the session's time zone.
func digestColumns(s dba.Server) string {
	cols := `SCHEMA_NAME AS schema_name, DIGEST AS digest, DIGEST_TEXT AS digest_text, COUNT_STAR AS count_star,
 SUM_TIMER_WAIT AS sum_timer_wait, MIN_TIMER_WAIT AS min_timer_wait, AVG_TIMER_WAIT AS avg_timer_wait,
 MAX_TIMER_WAIT AS max_timer_wait, SUM_LOCK_TIME AS sum_lock_time, SUM_ERRORS AS sum_errors,
 SUM_WARNINGS AS sum_warnings, SUM_ROWS_AFFECTED AS sum_rows_affected, SUM_ROWS_SENT AS sum_rows_sent,
 SUM_ROWS_EXAMINED AS sum_rows_examined, SUM_CREATED_TMP_DISK_TABLES AS sum_created_tmp_disk_tables,
 SUM_CREATED_TMP_TABLES AS sum_created_tmp_tables, SUM_SELECT_FULL_JOIN AS sum_select_full_join,
 SUM_SELECT_FULL_RANGE_JOIN AS sum_select_full_range_join, SUM_SELECT_SCAN AS sum_select_scan,
 SUM_SORT_MERGE_PASSES AS sum_sort_merge_passes, SUM_SORT_ROWS AS sum_sort_rows,
 SUM_NO_INDEX_USED AS sum_no_index_used, SUM_NO_GOOD_INDEX_USED AS sum_no_good_index_used,
 UNIX_TIMESTAMP(FIRST_SEEN) AS first_seen, UNIX_TIMESTAMP(LAST_SEEN) AS last_seen`
	if hasDigestSamples(s) {
		cols += `,
 QUANTILE_95 AS quantile_95, QUANTILE_99 AS quantile_99, QUERY_SAMPLE_TEXT AS query_sample_text,
 UNIX_TIMESTAMP(QUERY_SAMPLE_SEEN) AS query_sample_seen, QUERY_SAMPLE_TIMER_WAIT AS query_sample_timer_wait`
	}
	if hasStatementCPU(s) {
		cols += `, SUM_CPU_TIME AS sum_cpu_time`
	}
	return cols
}

// digestOrderExpr is the column expression each order sorts by.
func digestOrderExpr(o dba.DigestOrder) (string, error) {
	switch o {
	case dba.OrderTotalTime, "":
		return "SUM_TIMER_WAIT", nil
	case dba.OrderCount:
		return "COUNT_STAR", nil
	case dba.OrderAvgTime:
		return "AVG_TIMER_WAIT", nil
	case dba.OrderMaxTime:
		return "MAX_TIMER_WAIT", nil
	case dba.OrderRowsExamined:
		return "SUM_ROWS_EXAMINED", nil
	case dba.OrderRowsSent:
		return "SUM_ROWS_SENT", nil
	case dba.OrderNoIndex:
		return "(SUM_NO_INDEX_USED + SUM_NO_GOOD_INDEX_USED)", nil
	case dba.OrderLockTime:
		return "SUM_LOCK_TIME", nil
	case dba.OrderTmpDisk:
		return "SUM_CREATED_TMP_DISK_TABLES", nil
	case dba.OrderErrors:
		return "SUM_ERRORS", nil
	}
	return "", fmt.Errorf("%w: digest order %q", dba.ErrInvalid, o)
}

// ownDigestFilter is the condition that leaves out mydba's own digests.
// The server strips comments from DIGEST_TEXT, so the tag is looked for
// in real statements: MySQL 8 keeps one per digest (QUERY_SAMPLE_TEXT);
// elsewhere mydba reads the statement history first and passes the
// digests all of whose statements there carry the tag (ownDigests) as
// the nOwn parameters. A digest whose statements all left the history
// cannot be recognised and stays listed.
func ownDigestFilter(s dba.Server, nOwn int) string {
	if hasDigestSamples(s) {
		return "(QUERY_SAMPLE_TEXT IS NULL OR QUERY_SAMPLE_TEXT NOT LIKE '" + ownPrefix + "%')"
	}
	if nOwn == 0 {
		return ""
	}
	return "DIGEST NOT IN (" + strings.TrimSuffix(strings.Repeat("?,", nOwn), ",") + ")"
}

// DigestQuery selects what Digests reads.
type DigestQuery struct {
	OrderBy dba.DigestOrder
	// Limit keeps the first N rows in that order; 0 reads the whole table.
	Limit int
	// NoIndex keeps digests that ran without a (good) index at least once.
	NoIndex bool
	// ExcludeOwn leaves out digests recognised as mydba's own statements.
	ExcludeOwn bool
	// Examples looks up an example statement of each digest read, and
	// recognises mydba's own digests.
	Examples bool
}

// digestSQL is the statement that reads the digest summary ordered and
// limited by the server: the ORDER BY comes before the LIMIT, so the rows
// are the true top N. Its parameters are the nOwn digests to leave out
// (see ownDigestFilter), then the limit when there is one.
func digestSQL(s dba.Server, q DigestQuery, nOwn int) (string, error) {
	order, err := digestOrderExpr(q.OrderBy)
	if err != nil {
		return "", err
	}
	where := []string{"DIGEST IS NOT NULL"}
	if q.NoIndex {
		where = append(where, "(SUM_NO_INDEX_USED + SUM_NO_GOOD_INDEX_USED) > 0")
	}
	if q.ExcludeOwn {
		if f := ownDigestFilter(s, nOwn); f != "" {
			where = append(where, f)
		}
	}
	// Ties are broken by total time, then by the row key, so equal
	// counters always list in the same order.
	tie := "SUM_TIMER_WAIT DESC, "
	if order == "SUM_TIMER_WAIT" {
		tie = ""
	}
	stmt := digestTag + "SELECT " + digestColumns(s) + "\n FROM performance_schema.events_statements_summary_by_digest\n WHERE " +
		strings.Join(where, "\n AND ") + "\n ORDER BY " + order + " DESC, " + tie + "SCHEMA_NAME, DIGEST"
	if q.Limit > 0 {
		stmt += "\n LIMIT ?"
	}
	return stmt, nil
}

// digestLostSQL reads the row of statements the server could not give a
// digest row because the table was full.
func digestLostSQL(s dba.Server) string {
	return digestTag + "SELECT " + digestColumns(s) + "\n FROM performance_schema.events_statements_summary_by_digest WHERE DIGEST IS NULL"
}

// digestTotalsSQL sums the whole table, the lost row included.
const digestTotalsSQL = digestTag + `SELECT COUNT(DIGEST) AS digests, SUM(COUNT_STAR) AS count_star, SUM(SUM_TIMER_WAIT) AS sum_timer_wait
 FROM performance_schema.events_statements_summary_by_digest`

// digestSettingsSQL reads the settings that decide whether digests are
// collected and how long sample texts may be.
const digestSettingsSQL = digestTag + `SELECT @@performance_schema AS performance_schema,
 @@performance_schema_max_sql_text_length AS max_sql_text, @@performance_schema_digests_size AS digests_size`

// consumersSQL reads every consumer's state.
const consumersSQL = "SELECT NAME AS name, ENABLED AS enabled FROM performance_schema.setup_consumers"

// digestHistorySQL reads every statement still in the statement history,
// both tables, for examples and to recognise mydba's own digests. One
// pass: scanning these tables copies every row, text included, whatever
// the WHERE keeps, so one read of all beats one per question.
const digestHistorySQL = digestTag + `SELECT '` + sourceHistoryLong + `' AS source, CURRENT_SCHEMA AS schema_name, DIGEST AS digest,
 SQL_TEXT AS sql_text, TIMER_WAIT AS timer_wait
 FROM performance_schema.events_statements_history_long WHERE DIGEST IS NOT NULL AND SQL_TEXT IS NOT NULL
 UNION ALL SELECT '` + sourceHistory + `', CURRENT_SCHEMA, DIGEST, SQL_TEXT, TIMER_WAIT
 FROM performance_schema.events_statements_history WHERE DIGEST IS NOT NULL AND SQL_TEXT IS NOT NULL`

// DigestReading is one read of the digest summary table.
type DigestReading struct {
	At      time.Time
	Uptime  time.Duration
	Totals  dba.DigestTotals
	Lost    *dba.DigestCounters
	Digests []dba.Digest
	// Examples and Own are filled when the query asked for examples.
	Examples map[dba.DigestKey]dba.DigestExample
	Own      map[dba.DigestKey]bool
	// Consumers is setup_consumers as read: name → enabled.
	Consumers map[string]bool
	// Notes are facts about the reading the user should know.
	Notes []string
}

// Digests reads the statement digest summary, ordered and limited on the
// server, with the table's totals, the lost row, the server's uptime and,
// on request, an example of each digest. A table that is not collected
// (performance_schema OFF, consumer off) is an error naming the setting;
// a user who may not read performance_schema gets the GRANT to ask for.
func (d *DB) Digests(ctx context.Context, q DigestQuery) (DigestReading, error) {
	r := DigestReading{Examples: map[dba.DigestKey]dba.DigestExample{}, Own: map[dba.DigestKey]bool{}}
	if _, err := digestSQL(d.server, q, 0); err != nil {
		return r, err
	}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		maxText, err := d.digestReadiness(ctx, s.Conn, &r)
		if err != nil {
			return err
		}
		// Without samples in the summary, mydba's own digests are found in
		// the history before the ranked read, which leaves them out.
		var history []digestSample
		var args []any
		read := q.ExcludeOwn && !hasDigestSamples(d.server)
		if read {
			if history, err = d.readHistory(ctx, s.Conn); err != nil {
				return err
			}
			for _, dg := range ownDigests(history) {
				args = append(args, dg)
			}
		}
		stmt, err := digestSQL(d.server, q, len(args))
		if err != nil {
			return err
		}
		if q.Limit > 0 {
			args = append(args, q.Limit)
		}
		rows, err := readCatalog(ctx, s.Conn, stmt, args...)
		if err != nil {
			return d.pfsError(ctx, s.Conn, "read statement digests", err)
		}
		r.At = time.Now().UTC()
		cpuOff := !r.Consumers["events_statements_cpu"]
		for _, row := range rows {
			dg, ex := decodeDigest(row, maxText)
			// Without the events_statements_cpu consumer MySQL adds 0:
			// a zero then is no measurement.
			if cpuOff && dg.CPUTime != nil && *dg.CPUTime == 0 {
				dg.CPUTime = nil
			}
			r.Digests = append(r.Digests, dg)
			if ex != nil {
				r.Examples[dg.Key()] = *ex
				r.Own[dg.Key()] = strings.HasPrefix(ex.Text, ownPrefix)
			}
		}
		if q.Examples {
			missing := false
			for _, dg := range r.Digests {
				if _, ok := r.Examples[dg.Key()]; !ok {
					missing = true
				}
			}
			if missing && !read {
				if history, err = d.readHistory(ctx, s.Conn); err != nil {
					return err
				}
			}
			for key, ex := range pickExamples(history, maxText) {
				if _, ok := r.Examples[key]; !ok {
					r.Examples[key] = ex.example
					r.Own[key] = ex.own
				}
			}
		}
		return d.digestTotals(ctx, s.Conn, &r)
	})
	return r, err
}

// digestReadiness checks the digest table is collected and readable and
// reads the uptime; it returns performance_schema_max_sql_text_length.
func (d *DB) digestReadiness(ctx context.Context, conn *sql.Conn, r *DigestReading) (int, error) {
	cons, err := readConsumers(ctx, conn, digestTag)
	if err != nil {
		return 0, d.pfsError(ctx, conn, "read performance_schema settings", err)
	}
	r.Consumers = cons
	set, err := readCatalog(ctx, conn, digestSettingsSQL)
	if err != nil || len(set) == 0 {
		return 0, d.pfsError(ctx, conn, "read performance_schema settings", err)
	}
	if set[0].str("performance_schema") != "1" {
		return 0, fmt.Errorf("performance_schema is OFF on %s: the server collects no statement digests; set performance_schema=ON in its configuration and restart it", d.target.Address())
	}
	var name, value string
	if err := conn.QueryRowContext(ctx, digestTag+"SHOW GLOBAL STATUS LIKE 'Uptime'").Scan(&name, &value); err != nil {
		return 0, d.callError("read uptime", err)
	}
	if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		r.Uptime = time.Duration(n) * time.Second
	}
	for _, c := range []string{"global_instrumentation", "statements_digest"} {
		if on, ok := cons[c]; ok && !on {
			r.Notes = append(r.Notes, fmt.Sprintf("consumer %s is NO: the digest table is not being updated; enable it with: mydba exec \"UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = '%s'\"", c, c))
		}
	}
	maxText := int(set[0].int64v("max_sql_text"))
	if maxText <= 0 {
		maxText = math.MaxInt
	}
	return maxText, nil
}

// digestTotals reads the totals and the lost row, and turns a table that
// is empty into a note or, when it is not collected, an error.
func (d *DB) digestTotals(ctx context.Context, conn *sql.Conn, r *DigestReading) error {
	tot, err := readCatalog(ctx, conn, digestTotalsSQL)
	if err != nil || len(tot) == 0 {
		return d.pfsError(ctx, conn, "read digest totals", err)
	}
	r.Totals = decodeDigestTotals(tot[0])
	lost, err := readCatalog(ctx, conn, digestLostSQL(d.server))
	if err != nil {
		return d.pfsError(ctx, conn, "read digest totals", err)
	}
	if len(lost) > 0 {
		dg, _ := decodeDigest(lost[0], math.MaxInt)
		if dg.Count > 0 {
			r.Lost = &dg.DigestCounters
			r.Notes = append(r.Notes, fmt.Sprintf("the digest table is full: %d statements were counted without a digest of their own (raise performance_schema_digests_size, or TRUNCATE the table after a snapshot)", dg.Count))
		}
	}
	if r.Totals.Digests == 0 && r.Lost == nil {
		for _, c := range []string{"global_instrumentation", "statements_digest"} {
			if on, ok := r.Consumers[c]; ok && !on {
				return fmt.Errorf("no statement digests on %s: consumer %s is NO in performance_schema.setup_consumers; enable it with: mydba exec \"UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = '%s'\"", d.target.Address(), c, c)
			}
		}
		r.Notes = append(r.Notes, "the digest table is empty: no statement was recorded since the server started or the table was last truncated")
	}
	return nil
}

// readHistory reads the statement history (digestHistorySQL).
func (d *DB) readHistory(ctx context.Context, conn *sql.Conn) ([]digestSample, error) {
	rows, err := readCatalog(ctx, conn, digestHistorySQL)
	if err != nil {
		return nil, d.pfsError(ctx, conn, "read statement history", err)
	}
	out := make([]digestSample, len(rows))
	for i, row := range rows {
		out[i] = decodeDigestSample(row)
	}
	return out, nil
}

// ownDigests lists, sorted, the digests every statement of which in the
// history carries mydba's tag, in whatever schema it ran.
func ownDigests(samples []digestSample) []string {
	own := map[string]bool{}
	for _, s := range samples {
		tagged := strings.HasPrefix(s.text, ownPrefix)
		if prev, seen := own[s.key.Digest]; !seen || prev {
			own[s.key.Digest] = tagged
		}
	}
	var out []string
	for dg, all := range own {
		if all {
			out = append(out, dg)
		}
	}
	sort.Strings(out)
	return out
}

// digestSample is one statement of a digest found in the history.
type digestSample struct {
	key    dba.DigestKey
	source string
	text   string
	wait   *time.Duration
}

func decodeDigestSample(r catalogRow) digestSample {
	s := digestSample{key: dba.DigestKey{Schema: r.str("schema_name"), Digest: r.str("digest")}, source: r.str("source"), text: r.str("sql_text")}
	if v, ok := parseUint(r.str("timer_wait")); ok {
		t := psToDuration(v)
		s.wait = &t
	}
	return s
}

// pickedExample is the example chosen for a digest and whether the digest
// is mydba's own (every statement of it found carries mydba's tag).
type pickedExample struct {
	example dba.DigestExample
	own     bool
}

// pickExamples chooses one example per digest among the statements found
// in the history: the user's own statements before mydba's, then the
// slowest (as MySQL's QUERY_SAMPLE_TEXT keeps the slowest), then the long
// history before the per-thread one, then the text, for a stable choice.
func pickExamples(samples []digestSample, maxText int) map[dba.DigestKey]pickedExample {
	by := map[dba.DigestKey][]digestSample{}
	for _, s := range samples {
		by[s.key] = append(by[s.key], s)
	}
	out := make(map[dba.DigestKey]pickedExample, len(by))
	for key, list := range by {
		own := true
		for _, s := range list {
			if !strings.HasPrefix(s.text, ownPrefix) {
				own = false
			}
		}
		sort.SliceStable(list, func(i, j int) bool {
			a, b := list[i], list[j]
			ao, bo := strings.HasPrefix(a.text, ownPrefix), strings.HasPrefix(b.text, ownPrefix)
			if ao != bo {
				return !ao
			}
			aw, bw := time.Duration(-1), time.Duration(-1)
			if a.wait != nil {
				aw = *a.wait
			}
			if b.wait != nil {
				bw = *b.wait
			}
			if aw != bw {
				return aw > bw
			}
			if a.source != b.source {
				return a.source == sourceHistoryLong
			}
			return a.text < b.text
		})
		best := list[0]
		out[key] = pickedExample{own: own, example: dba.DigestExample{
			Text: best.text, Source: best.source, Duration: best.wait, Truncated: len(best.text) >= maxText,
		}}
	}
	return out
}

// readConsumers reads setup_consumers as name → enabled; tag is the
// caller's component tag.
func readConsumers(ctx context.Context, conn *sql.Conn, tag string) (map[string]bool, error) {
	rows, err := readCatalog(ctx, conn, tag+consumersSQL)
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(rows))
	for _, r := range rows {
		m[r.str("name")] = strings.EqualFold(r.str("enabled"), "YES")
	}
	return m, nil
}

// pfsError explains a failed performance_schema read: a user without
// SELECT on it gets the GRANT to ask for, a server without it says so.
func (d *DB) pfsError(ctx context.Context, conn *sql.Conn, op string, err error) error {
	if err == nil {
		err = sql.ErrNoRows
	}
	if isAccessDenied(err) {
		var user string
		if qerr := conn.QueryRowContext(ctx, digestTag+"SELECT CURRENT_USER()").Scan(&user); qerr == nil && user != "" {
			return fmt.Errorf("%s on %s: %w: %s may not read performance_schema; ask for: GRANT SELECT ON performance_schema.* TO %s;", op, d.target.Address(), dba.ErrAuth, grantee(user), grantee(user))
		}
		return fmt.Errorf("%s on %s: %w: this user may not read performance_schema; ask for SELECT on performance_schema.*", op, d.target.Address(), dba.ErrAuth)
	}
	if isPFSMissing(err) {
		return fmt.Errorf("%s on %s: performance_schema is not available on this server (%w)", op, d.target.Address(), err)
	}
	return d.callError(op, err)
}

// isPFSMissing reports a server without the performance_schema table or
// variable asked for (performance_schema compiled out).
func isPFSMissing(err error) bool {
	var me *gomysql.MySQLError
	return isUnknownTable(err) || (errors.As(err, &me) && me.Number == 1193)
}

// decodeDigest reads one row of digestColumns. maxText is
// performance_schema_max_sql_text_length, to flag cut samples.
func decodeDigest(r catalogRow, maxText int) (dba.Digest, *dba.DigestExample) {
	dg := dba.Digest{
		Schema:         r.str("schema_name"),
		Digest:         r.str("digest"),
		Text:           r.str("digest_text"),
		DigestCounters: decodeCounters(r, "sum_"),
		MinTime:        psToDuration(rowUint(r, "min_timer_wait")),
		AvgTime:        psToDuration(rowUint(r, "avg_timer_wait")),
		MaxTime:        psToDuration(rowUint(r, "max_timer_wait")),
		P95:            rowDurationPtr(r, "quantile_95"),
		P99:            rowDurationPtr(r, "quantile_99"),
		FirstSeen:      unixTime(r.str("first_seen")),
		LastSeen:       unixTime(r.str("last_seen")),
	}
	dg.Count = rowUint(r, "count_star")
	var ex *dba.DigestExample
	if text := r.str("query_sample_text"); text != "" {
		ex = &dba.DigestExample{Text: text, Source: sourceSample, Duration: rowDurationPtr(r, "query_sample_timer_wait"), Truncated: len(text) >= maxText}
		if t := unixTime(r.str("query_sample_seen")); !t.IsZero() {
			ex.Seen = &t
		}
	}
	return dg, ex
}

// decodeCounters reads the counter columns, named with prefix ("sum_" in
// the summary table).
func decodeCounters(r catalogRow, prefix string) dba.DigestCounters {
	c := dba.DigestCounters{
		TotalTime:       psToDuration(rowUint(r, prefix+"timer_wait")),
		LockTime:        psToDuration(rowUint(r, prefix+"lock_time")),
		CPUTime:         rowDurationPtr(r, prefix+"cpu_time"),
		Errors:          rowUint(r, prefix+"errors"),
		Warnings:        rowUint(r, prefix+"warnings"),
		RowsAffected:    rowUint(r, prefix+"rows_affected"),
		RowsSent:        rowUint(r, prefix+"rows_sent"),
		RowsExamined:    rowUint(r, prefix+"rows_examined"),
		TmpTables:       rowUint(r, prefix+"created_tmp_tables"),
		TmpDiskTables:   rowUint(r, prefix+"created_tmp_disk_tables"),
		FullJoins:       rowUint(r, prefix+"select_full_join"),
		FullRangeJoins:  rowUint(r, prefix+"select_full_range_join"),
		FullScans:       rowUint(r, prefix+"select_scan"),
		SortMergePasses: rowUint(r, prefix+"sort_merge_passes"),
		SortRows:        rowUint(r, prefix+"sort_rows"),
		NoIndexUsed:     rowUint(r, prefix+"no_index_used"),
		NoGoodIndexUsed: rowUint(r, prefix+"no_good_index_used"),
	}
	return c
}

// decodeDigestTotals reads digestTotalsSQL. SUM over the table is a
// DECIMAL that may exceed 64 bits in picoseconds (213 days of latency);
// it is divided down to nanoseconds before it is narrowed.
func decodeDigestTotals(r catalogRow) dba.DigestTotals {
	t := dba.DigestTotals{Digests: int(r.int64v("digests"))}
	t.Count, _ = decimalDiv(r.str("count_star"), 1)
	ns, _ := decimalDiv(r.str("sum_timer_wait"), 1000)
	t.TotalTime = clampNs(ns)
	return t
}

// rowUint reads an unsigned column; NULL and junk read as 0.
func rowUint(r catalogRow, k string) uint64 {
	v, _ := parseUint(r.str(k))
	return v
}

// rowDurationPtr reads a picosecond column as a duration; nil for NULL or
// a missing column.
func rowDurationPtr(r catalogRow, k string) *time.Duration {
	v, ok := parseUint(r.str(k))
	if !ok {
		return nil
	}
	d := psToDuration(v)
	return &d
}

// parseUint reads an unsigned integer, ignoring a decimal fraction (SUM
// returns DECIMAL); ok is false for empty or non-numeric text.
func parseUint(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// decimalDiv divides a non-negative decimal integer text by div, saturating
// at the largest uint64.
func decimalDiv(s string, div int64) (uint64, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 {
		return 0, false
	}
	n.Quo(n, big.NewInt(div))
	if !n.IsUint64() {
		return math.MaxUint64, true
	}
	return n.Uint64(), true
}

// psToDuration converts performance_schema picoseconds to a Duration.
func psToDuration(ps uint64) time.Duration { return clampNs(ps / 1000) }

func clampNs(ns uint64) time.Duration {
	if ns > math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ns)
}

// unixTime reads UNIX_TIMESTAMP output (seconds, maybe with a fraction);
// zero for NULL, 0 (the zero date) or junk.
func unixTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	var ns int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		frac += strings.Repeat("0", 9-len(frac))
		if v, err := strconv.ParseInt(frac, 10, 64); err == nil {
			ns = v
		}
	}
	return time.Unix(n, ns).UTC()
}
