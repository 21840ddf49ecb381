package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// profileTag marks the statement being profiled; profileReadTag the
// statements that read its record. The statement is found in the
// session's history by its exact prefix, which the read statements do not
// share.
const (
	profileTag     = "/* mydba:profile */ "
	profileReadTag = "/* mydba:profile-read */ "
)

// ProfileOptions tune ProfileStatement and ProfilingReadiness.
type ProfileOptions struct {
	// Waits also requires, and reads, wait events (table and file I/O,
	// table locks) inside the statement.
	Waits bool
}

// InstrumentState is one row of performance_schema.setup_instruments.
type InstrumentState struct {
	Name    string
	Enabled bool
	Timed   bool
}

// ProfilingReadiness is what performance_schema records now, as far as a
// profile is concerned, and what is missing.
type ProfilingReadiness struct {
	PerformanceSchema bool
	// Consumers is setup_consumers: name → enabled.
	Consumers map[string]bool
	// Instruments are those under the patterns a profile needs.
	Instruments []InstrumentState
	// The session's own thread: found, monitored, keeping history.
	ThreadID           uint64
	ThreadFound        bool
	ThreadInstrumented bool
	ThreadHistory      bool
	User               string
	Waits              bool
	// Gaps is what keeps a profile from being recorded.
	Gaps []dba.InstrumentGap
}

// profileConsumers are the consumers a profile needs, each after the ones
// it depends on: history tables are filled only when the matching
// "current" consumer is on, which needs thread_instrumentation, which
// needs global_instrumentation.
func profileConsumers(waits bool) []string {
	c := []string{"global_instrumentation", "thread_instrumentation",
		"events_statements_current", "events_statements_history",
		"events_stages_current", "events_stages_history_long"}
	if waits {
		c = append(c, "events_waits_current", "events_waits_history_long")
	}
	return c
}

// profileInstrumentPatterns are the instrument families a profile needs
// enabled and timed. A statement is first instrumented as
// statement/abstract/Query, then as its own statement/sql/... kind.
// Waits are limited to table and file I/O and table locks: the
// synchronisation instruments cost too much to switch on for one profile.
func profileInstrumentPatterns(waits bool) []string {
	p := []string{"stage/%", "statement/abstract/%", "statement/sql/%"}
	if waits {
		p = append(p, "wait/io/table/%", "wait/lock/table/%", "wait/io/file/%")
	}
	return p
}

// profileThreadSQL reads the session's own thread. The HISTORY column
// exists from MySQL 5.7.6 and MariaDB 10.5.2 (performance_schema 5.7);
// before, INSTRUMENTED alone decides.
func profileThreadSQL(s dba.Server) string {
	history := "HISTORY"
	if (s.IsMariaDB() && !s.Version.AtLeast(10, 5, 2)) || (!s.IsMariaDB() && !s.Version.AtLeast(5, 7, 6)) {
		history = "'YES'"
	}
	return profileReadTag + "SELECT THREAD_ID AS thread_id, INSTRUMENTED AS instrumented, " + history +
		" AS history FROM performance_schema.threads WHERE PROCESSLIST_ID = CONNECTION_ID()"
}

// profileInstrumentsSQL reads the instruments under the patterns. The
// patterns are mydba's constants, never user text.
func profileInstrumentsSQL(patterns []string) string {
	conds := make([]string, len(patterns))
	for i, p := range patterns {
		conds[i] = "NAME LIKE " + sqlString(p)
	}
	return profileReadTag + "SELECT NAME AS name, ENABLED AS enabled, TIMED AS timed FROM performance_schema.setup_instruments WHERE " +
		strings.Join(conds, " OR ") + " ORDER BY NAME"
}

// profileStatementSQL reads the profiled statement's event from the
// session's statement history: the newest one with the profile tag. The
// thread id is the parameter. MySQL 8.0.28 added CPU_TIME and 8.0.31 the
// memory columns.
func profileStatementSQL(s dba.Server) string {
	cols := `EVENT_ID AS event_id, END_EVENT_ID AS end_event_id, EVENT_NAME AS event_name,
 TIMER_START AS timer_start, TIMER_END AS timer_end, TIMER_WAIT AS timer_wait, LOCK_TIME AS lock_time,
 DIGEST AS digest, DIGEST_TEXT AS digest_text, CURRENT_SCHEMA AS current_schema,
 MYSQL_ERRNO AS mysql_errno, MESSAGE_TEXT AS message_text, ERRORS AS errors, WARNINGS AS warnings,
 ROWS_AFFECTED AS rows_affected, ROWS_SENT AS rows_sent, ROWS_EXAMINED AS rows_examined,
 CREATED_TMP_DISK_TABLES AS created_tmp_disk_tables, CREATED_TMP_TABLES AS created_tmp_tables,
 SELECT_FULL_JOIN AS select_full_join, SELECT_FULL_RANGE_JOIN AS select_full_range_join,
 SELECT_RANGE AS select_range, SELECT_RANGE_CHECK AS select_range_check, SELECT_SCAN AS select_scan,
 SORT_MERGE_PASSES AS sort_merge_passes, SORT_RANGE AS sort_range, SORT_ROWS AS sort_rows,
 SORT_SCAN AS sort_scan, NO_INDEX_USED AS no_index_used, NO_GOOD_INDEX_USED AS no_good_index_used`
	if hasStatementCPU(s) {
		cols += `, CPU_TIME AS cpu_time`
	}
	if !s.IsMariaDB() && s.Version.AtLeast(8, 0, 31) {
		cols += `, MAX_TOTAL_MEMORY AS max_total_memory`
	}
	return profileReadTag + "SELECT " + cols + "\n FROM performance_schema.events_statements_history WHERE THREAD_ID = ? AND SQL_TEXT LIKE '" +
		strings.TrimSpace(profileTag) + "%' ORDER BY EVENT_ID DESC LIMIT 1"
}

// profileStagesSQL reads the stages nested in the statement (thread id and
// statement event id are the parameters), in the order they ran.
const profileStagesSQL = profileReadTag + `SELECT EVENT_ID AS event_id, EVENT_NAME AS event_name,
 TIMER_START AS timer_start, TIMER_END AS timer_end, TIMER_WAIT AS timer_wait,
 WORK_COMPLETED AS work_completed, WORK_ESTIMATED AS work_estimated
 FROM performance_schema.events_stages_history_long
 WHERE THREAD_ID = ? AND NESTING_EVENT_ID = ? ORDER BY EVENT_ID`

// profileWaitsSQL sums the wait events of the statement by instrument and
// object. Waits nest in stages, not in the statement, so they are found by
// event id: every event of the statement lies between its EVENT_ID and
// END_EVENT_ID. Parameters: thread id, event id, end event id.
const profileWaitsSQL = profileReadTag + `SELECT EVENT_NAME AS event_name,
 CONCAT_WS('.', OBJECT_SCHEMA, OBJECT_NAME) AS object, COUNT(*) AS count,
 SUM(TIMER_WAIT) AS total, MAX(TIMER_WAIT) AS max
 FROM performance_schema.events_waits_history_long
 WHERE THREAD_ID = ? AND EVENT_ID > ? AND EVENT_ID <= ?
 GROUP BY EVENT_NAME, OBJECT_SCHEMA, OBJECT_NAME ORDER BY SUM(TIMER_WAIT) DESC, EVENT_NAME LIMIT 50`

// sqlString is a single-quoted SQL string literal of s, for mydba's own
// constants and names the server itself listed (instrument and consumer
// names), never for user text.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
}

// ProfilingReadiness reads what performance_schema would record of a
// statement run now on a read session, and lists what is missing.
func (d *DB) ProfilingReadiness(ctx context.Context, o ProfileOptions) (ProfilingReadiness, error) {
	var r ProfilingReadiness
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		var err error
		r, err = d.readiness(ctx, s.Conn, o)
		return err
	})
	return r, err
}

func (d *DB) readiness(ctx context.Context, conn *sql.Conn, o ProfileOptions) (ProfilingReadiness, error) {
	r := ProfilingReadiness{Waits: o.Waits}
	var ps int64
	if err := conn.QueryRowContext(ctx, profileReadTag+"SELECT @@performance_schema, CURRENT_USER()").Scan(&ps, &r.User); err != nil {
		return r, d.pfsError(ctx, conn, "read performance_schema settings", err)
	}
	r.PerformanceSchema = ps != 0
	if r.PerformanceSchema {
		cons, err := readConsumers(ctx, conn, profileReadTag)
		if err != nil {
			return r, d.pfsError(ctx, conn, "read performance_schema consumers", err)
		}
		r.Consumers = cons
		rows, err := readCatalog(ctx, conn, profileInstrumentsSQL(profileInstrumentPatterns(o.Waits)))
		if err != nil {
			return r, d.pfsError(ctx, conn, "read performance_schema instruments", err)
		}
		for _, row := range rows {
			r.Instruments = append(r.Instruments, InstrumentState{
				Name:    row.str("name"),
				Enabled: strings.EqualFold(row.str("enabled"), "YES"),
				Timed:   strings.EqualFold(row.str("timed"), "YES"),
			})
		}
		th, err := readCatalog(ctx, conn, profileThreadSQL(d.server))
		if err != nil {
			return r, d.pfsError(ctx, conn, "read this session's thread", err)
		}
		if len(th) > 0 {
			r.ThreadFound = true
			r.ThreadID = rowUint(th[0], "thread_id")
			r.ThreadInstrumented = strings.EqualFold(th[0].str("instrumented"), "YES")
			r.ThreadHistory = strings.EqualFold(th[0].str("history"), "YES")
		}
	}
	r.Gaps = profilingGaps(r)
	return r, nil
}

// profilingGaps lists what keeps a profile from being recorded, in the
// order to fix it: performance_schema itself, consumers (fixable), the
// instrument families (fixable), and the session's thread, which only
// setup_actors can change for new sessions.
func profilingGaps(r ProfilingReadiness) []dba.InstrumentGap {
	gaps := []dba.InstrumentGap{}
	if !r.PerformanceSchema {
		return append(gaps, dba.InstrumentGap{Kind: "performance_schema", Name: "performance_schema", State: "OFF",
			Advice: "set performance_schema=ON in the server's configuration and restart it; it cannot be switched on at runtime"})
	}
	for _, c := range profileConsumers(r.Waits) {
		on, ok := r.Consumers[c]
		switch {
		case !ok:
			gaps = append(gaps, dba.InstrumentGap{Kind: "consumer", Name: c, State: "missing",
				Advice: "this server has no such consumer"})
		case !on:
			gaps = append(gaps, dba.InstrumentGap{Kind: "consumer", Name: c, State: "NO", Fixable: true})
		}
	}
	for _, p := range profileInstrumentPatterns(r.Waits) {
		total, off := 0, 0
		for _, in := range r.Instruments {
			if likeMatch(p, in.Name) {
				total++
				if !in.Enabled || !in.Timed {
					off++
				}
			}
		}
		if off > 0 {
			gaps = append(gaps, dba.InstrumentGap{Kind: "instruments", Name: p, Fixable: true,
				State: fmt.Sprintf("%d of %d disabled or not timed", off, total)})
		}
	}
	switch {
	case !r.ThreadFound:
		gaps = append(gaps, dba.InstrumentGap{Kind: "thread", Name: "this session", State: "not in performance_schema.threads",
			Advice: "the server did not register this session's thread; check performance_schema_max_thread_instances"})
	case !r.ThreadInstrumented || !r.ThreadHistory:
		state := "INSTRUMENTED=NO"
		if r.ThreadInstrumented {
			state = "HISTORY=NO"
		}
		gaps = append(gaps, dba.InstrumentGap{Kind: "thread", Name: r.User, State: state,
			Advice: fmt.Sprintf("performance_schema.setup_actors does not monitor %s with history; a DBA can add it for new sessions: mydba exec \"INSERT INTO performance_schema.setup_actors (HOST, USER, ROLE, ENABLED, HISTORY) VALUES (%s, %s, '%%', 'YES', 'YES')\"",
				r.User, sqlString(splitUserPart(r.User, false)), sqlString(splitUserPart(r.User, true)))})
	}
	return gaps
}

// splitUserPart is the user (host false) or host part of user@host.
func splitUserPart(current string, user bool) string {
	u, h := splitUser(current)
	if user {
		return u
	}
	return h
}

// likeMatch matches the simple LIKE patterns mydba uses: a literal prefix
// and a final %.
func likeMatch(pattern, name string) bool {
	if p, ok := strings.CutSuffix(pattern, "%"); ok {
		return strings.HasPrefix(name, p)
	}
	return pattern == name
}

// ProfilingChanges are the statements that close the fixable gaps of r,
// each with the statement that restores the setting it changes. Consumers
// are switched in one statement; each instrument family in one, restored
// to exactly the state each instrument had, grouped by that state.
// Instrument names come from the server's own list and are quoted as
// literals so the safety gate can plan, EXPLAIN and count the statement.
func ProfilingChanges(r ProfilingReadiness) []dba.SettingChange {
	var out []dba.SettingChange
	var cons []string
	for _, g := range r.Gaps {
		if g.Kind == "consumer" && g.Fixable {
			cons = append(cons, sqlString(g.Name))
		}
	}
	if len(cons) > 0 {
		in := strings.Join(cons, ", ")
		out = append(out, dba.SettingChange{
			Statement: "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME IN (" + in + ")",
			Restore:   []string{"UPDATE performance_schema.setup_consumers SET ENABLED = 'NO' WHERE NAME IN (" + in + ")"},
			Why:       "record statements and their stages in the history tables",
		})
	}
	for _, g := range r.Gaps {
		if g.Kind != "instruments" || !g.Fixable {
			continue
		}
		out = append(out, dba.SettingChange{
			Statement: "UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES' WHERE NAME LIKE " +
				sqlString(g.Name) + " AND (ENABLED = 'NO' OR TIMED = 'NO')",
			Restore: instrumentRestore(g.Name, r.Instruments),
			Why:     "instrument and time " + g.Name + " events",
		})
	}
	return out
}

// instrumentRestore is the statements that put the instruments under
// pattern back as they were, one per state they shared. Each group is
// named by an IN list or, when shorter, by the pattern minus the other
// instruments: after the change every instrument under the pattern is
// enabled and timed, so "all but the others" is exactly the group.
func instrumentRestore(pattern string, ins []InstrumentState) []string {
	type state struct{ enabled, timed bool }
	groups := map[state][]string{}
	var all []string
	for _, in := range ins {
		if !likeMatch(pattern, in.Name) {
			continue
		}
		all = append(all, in.Name)
		if in.Enabled && in.Timed {
			continue
		}
		st := state{in.Enabled, in.Timed}
		groups[st] = append(groups[st], in.Name)
	}
	yesNo := func(b bool) string {
		if b {
			return "'YES'"
		}
		return "'NO'"
	}
	states := make([]state, 0, len(groups))
	for st := range groups {
		states = append(states, st)
	}
	sort.Slice(states, func(i, j int) bool {
		return yesNo(states[i].enabled)+yesNo(states[i].timed) < yesNo(states[j].enabled)+yesNo(states[j].timed)
	})
	var stmts []string
	for _, st := range states {
		names := groups[st]
		inGroup := map[string]bool{}
		for _, n := range names {
			inGroup[n] = true
		}
		var others []string
		for _, n := range all {
			if !inGroup[n] {
				others = append(others, n)
			}
		}
		where := "NAME IN (" + quoteList(names) + ")"
		if len(others) < len(names) {
			where = "NAME LIKE " + sqlString(pattern)
			if len(others) > 0 {
				where += " AND NAME NOT IN (" + quoteList(others) + ")"
			}
		}
		stmts = append(stmts, "UPDATE performance_schema.setup_instruments SET ENABLED = "+yesNo(st.enabled)+", TIMED = "+yesNo(st.timed)+" WHERE "+where)
	}
	return stmts
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = sqlString(n)
	}
	return strings.Join(q, ", ")
}

// ProfileStatement runs stmt once on one read-only session and reads back,
// on that same session, the server's record of it: the statement event
// from events_statements_history (found by the session's THREAD_ID and
// the profile tag), its stages from events_stages_history_long (nested in
// that event) and, when recorded, its waits. The result is read and
// discarded. The caller has checked stmt is a read; the session is
// read-only on the server and has the statement time limit.
//
// When performance_schema would not record the statement, nothing is run
// and the error is a *dba.NotInstrumentedError listing the gaps.
func (d *DB) ProfileStatement(ctx context.Context, stmt string, o ProfileOptions) (dba.StatementProfile, error) {
	p := dba.StatementProfile{Server: d.server, SQL: stmt, Stages: []dba.StageTiming{}, Notes: []string{}}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		// The statement may leave session state behind (user variables).
		defer discardSession(s)
		r, err := d.readiness(ctx, s.Conn, o)
		if err != nil {
			return err
		}
		if len(r.Gaps) > 0 {
			return &dba.NotInstrumentedError{Gaps: r.Gaps}
		}
		p.ThreadID = r.ThreadID
		start := time.Now()
		n, err := runDiscarding(ctx, s, profileTag+stmt)
		p.ClientTime, p.RowsReceived = time.Since(start), n
		if err != nil {
			return d.statementError(ctx, err)
		}
		ev, err := readCatalog(ctx, s.Conn, profileStatementSQL(d.server), r.ThreadID)
		if err != nil {
			return d.pfsError(ctx, s.Conn, "read the statement's event", err)
		}
		if len(ev) == 0 {
			return fmt.Errorf("performance_schema kept no record of the statement on %s (events_statements_history of thread %d has no statement tagged %q): it may have been switched off meanwhile", d.target.Address(), r.ThreadID, strings.TrimSpace(profileTag))
		}
		start0, end := decodeStatementEvent(ev[0], r.Consumers["events_statements_cpu"], &p)
		stages, err := readCatalog(ctx, s.Conn, profileStagesSQL, r.ThreadID, p.EventID)
		if err != nil {
			return d.pfsError(ctx, s.Conn, "read the statement's stages", err)
		}
		decodeStages(stages, start0, &p)
		if !r.Consumers["events_waits_current"] || !r.Consumers["events_waits_history_long"] {
			p.WaitsNote = "waits are not recorded: consumers events_waits_current and events_waits_history_long are not both on"
			return nil
		}
		waits, err := readCatalog(ctx, s.Conn, profileWaitsSQL, r.ThreadID, p.EventID, end)
		if err != nil {
			return d.pfsError(ctx, s.Conn, "read the statement's waits", err)
		}
		p.Waits = decodeWaits(waits)
		return nil
	})
	return p, err
}

// runDiscarding runs a statement and reads every row of every result set
// without keeping them, so the server's timing covers sending the result.
func runDiscarding(ctx context.Context, s Session, stmt string) (int64, error) {
	rows, err := s.QueryContext(ctx, stmt)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	for {
		for rows.Next() {
			n++
		}
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, rows.Close()
}

// decodeStatementEvent fills p from one row of profileStatementSQL and
// returns the statement's TIMER_START (picoseconds) and END_EVENT_ID.
// cpuOn says whether the events_statements_cpu consumer was on: without
// it MySQL reports CPU_TIME as 0, which is not a measurement.
func decodeStatementEvent(r catalogRow, cpuOn bool, p *dba.StatementProfile) (start, endEvent uint64) {
	p.EventID = rowUint(r, "event_id")
	endEvent = rowUint(r, "end_event_id")
	start = rowUint(r, "timer_start")
	p.Duration = psToDuration(rowUint(r, "timer_wait"))
	p.LockTime = psToDuration(rowUint(r, "lock_time"))
	if cpuOn {
		p.CPUTime = rowDurationPtr(r, "cpu_time")
	}
	if v, ok := parseUint(r.str("max_total_memory")); ok {
		p.MaxTotalMemory = &v
	}
	p.Schema = r.str("current_schema")
	p.Digest = r.str("digest")
	p.DigestText = r.str("digest_text")
	p.RowsSent = rowUint(r, "rows_sent")
	p.RowsExamined = rowUint(r, "rows_examined")
	p.RowsAffected = rowUint(r, "rows_affected")
	p.TmpTables = rowUint(r, "created_tmp_tables")
	p.TmpDiskTables = rowUint(r, "created_tmp_disk_tables")
	p.SortMergePasses = rowUint(r, "sort_merge_passes")
	p.SortRows = rowUint(r, "sort_rows")
	p.SortRange = rowUint(r, "sort_range")
	p.SortScan = rowUint(r, "sort_scan")
	p.SelectFullJoin = rowUint(r, "select_full_join")
	p.SelectFullRange = rowUint(r, "select_full_range_join")
	p.SelectRange = rowUint(r, "select_range")
	p.SelectRangeCheck = rowUint(r, "select_range_check")
	p.SelectScan = rowUint(r, "select_scan")
	p.NoIndexUsed = rowUint(r, "no_index_used") > 0
	p.NoGoodIndexUsed = rowUint(r, "no_good_index_used") > 0
	p.Errors = rowUint(r, "errors")
	p.Warnings = rowUint(r, "warnings")
	if msg := r.str("message_text"); p.Errors > 0 && msg != "" {
		p.Notes = append(p.Notes, fmt.Sprintf("the statement raised error %s: %s", r.str("mysql_errno"), msg))
	}
	return start, endEvent
}

// decodeStages turns the stage rows into waterfall bars: offsets from the
// statement's start (start, picoseconds) and durations, with each stage's
// share of the statement. Rows without timing are skipped and noted.
//
// events_stages_history_long is a ring shared by every session: under load
// the statement's first stages can be overwritten before they are read.
// The first stage of a statement is the event right after it, so a first
// stage with a later event id means stages were lost.
func decodeStages(rows []catalogRow, start uint64, p *dba.StatementProfile) {
	untimed := 0
	for i, r := range rows {
		if i == 0 && rowUint(r, "event_id") != p.EventID+1 {
			p.Notes = append(p.Notes, "the statement's first stages were overwritten in events_stages_history_long by other sessions before they could be read: the waterfall is incomplete (raise performance_schema_events_stages_history_long_size, or profile when the server is quieter)")
		}
		ts, okStart := parseUint(r.str("timer_start"))
		wait, okWait := parseUint(r.str("timer_wait"))
		if !okStart || !okWait {
			untimed++
			continue
		}
		name := r.str("event_name")
		st := dba.StageTiming{Name: name, Stage: stageLabel(name), Duration: psToDuration(wait)}
		if ts > start {
			st.Start = psToDuration(ts - start)
		}
		if v, ok := parseUint(r.str("work_completed")); ok {
			st.WorkCompleted = &v
		}
		if v, ok := parseUint(r.str("work_estimated")); ok {
			st.WorkEstimated = &v
		}
		if p.Duration > 0 {
			st.SharePct = round2(100 * float64(st.Duration) / float64(p.Duration))
		}
		p.StageTime += st.Duration
		p.Stages = append(p.Stages, st)
	}
	if untimed > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%d stages were not timed (TIMED = NO in setup_instruments) and are left out", untimed))
	}
	if len(rows) == 0 {
		p.Notes = append(p.Notes, "no stage of the statement was found in events_stages_history_long: other sessions may have overwritten them before they could be read (raise performance_schema_events_stages_history_long_size)")
	}
	if p.Duration > 0 {
		// The rest of the statement's time is spent between stages, where
		// the server attributes it to none (short statements show it most).
		cov := round2(100 * float64(p.StageTime) / float64(p.Duration))
		p.StageCoveragePct = &cov
	}
}

// stageLabel is a stage instrument's name without its family:
// "stage/sql/Sending data" → "Sending data".
func stageLabel(name string) string {
	parts := strings.SplitN(name, "/", 3)
	if len(parts) == 3 {
		return parts[2]
	}
	return name
}

func decodeWaits(rows []catalogRow) []dba.WaitSummary {
	out := make([]dba.WaitSummary, 0, len(rows))
	for _, r := range rows {
		total, _ := decimalDiv(r.str("total"), 1000)
		out = append(out, dba.WaitSummary{
			Name:   r.str("event_name"),
			Object: r.str("object"),
			Count:  rowUint(r, "count"),
			Total:  clampNs(total),
			Max:    psToDuration(rowUint(r, "max")),
		})
	}
	return out
}

func round2(v float64) float64 {
	if v < 0 {
		return 0
	}
	return float64(int64(v*100+0.5)) / 100
}
