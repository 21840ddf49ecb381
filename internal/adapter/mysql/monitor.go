package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// The monitor's reads. Each is one short call through a read-only session
// under the call timeout (a statement still running when it ends is killed
// on the server), returns the server's values as numbers and text, and
// says how many statements it sent: they count in Questions, and the
// monitor subtracts its own from the query rate. Reading.At is left to the
// caller, whose clock the samples are stamped with.

// MonitorStatus reads SHOW GLOBAL STATUS.
func (d *DB) MonitorStatus(ctx context.Context) (dba.Reading, error) {
	r := dba.Reading{Statements: 1}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		rows, err := nameValueRows(ctx, s.Conn, monitorStatusSQL)
		if err != nil {
			return d.callError("read global status", err)
		}
		r.Values, r.Text = decodeNameValues(rows)
		return nil
	})
	return r, err
}

// MonitorVariables reads SHOW GLOBAL VARIABLES. Text holds every value as
// the server prints it (for change detection); Values the numeric ones,
// with ON/OFF and YES/NO as 1/0.
func (d *DB) MonitorVariables(ctx context.Context) (dba.Reading, error) {
	r := dba.Reading{Statements: 1}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		rows, err := nameValueRows(ctx, s.Conn, monitorVariablesSQL)
		if err != nil {
			return d.callError("read global variables", err)
		}
		r.Values, _ = decodeNameValues(rows)
		r.Text = make(map[string]string, len(rows))
		for _, nv := range rows {
			r.Text[strings.ToLower(nv[0])] = nv[1]
		}
		return nil
	})
	return r, err
}

// MonitorInnoDBMetrics reads the enabled counters of
// information_schema.INNODB_METRICS by name. Without the PROCESS privilege
// the error wraps dba.ErrUnavailable.
func (d *DB) MonitorInnoDBMetrics(ctx context.Context) (dba.Reading, error) {
	r := dba.Reading{Statements: 1}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		rows, err := nameValueRows(ctx, s.Conn, monitorInnoDBMetricsSQL(d.server))
		if isAccessDenied(err) {
			return fmt.Errorf("%w: information_schema.INNODB_METRICS needs the PROCESS privilege: %w", dba.ErrUnavailable, d.callError("read InnoDB metrics", err))
		}
		if isUnknownTable(err) {
			return fmt.Errorf("%w: the server has no information_schema.INNODB_METRICS (InnoDB not loaded): %w", dba.ErrUnavailable, d.callError("read InnoDB metrics", err))
		}
		if err != nil {
			return d.callError("read InnoDB metrics", err)
		}
		r.Values = decodeInnoDBMetrics(rows)
		return nil
	})
	return r, err
}

// MonitorSessions summarises the sessions (counts by command, the longest
// running statement) and InnoDB's transactions (count, oldest, lock
// waits). Without the PROCESS privilege only the user's own sessions are
// visible and transactions are not: Text["note"] says so, and the
// transaction values are absent rather than zero.
func (d *DB) MonitorSessions(ctx context.Context) (dba.Reading, error) {
	r := dba.Reading{Values: map[string]float64{}, Text: map[string]string{}}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		rows, err := readCatalog(ctx, s.Conn, monitorSessionSQL(d.server))
		r.Statements++
		if err == nil && len(rows) == 0 && !d.server.IsMariaDB() {
			// performance_schema.threads is empty with the Performance
			// Schema off.
			rows, err = readCatalog(ctx, s.Conn, monitorSessionFallbackSQL)
			r.Statements++
		}
		if err != nil {
			return d.callError("read sessions", err)
		}
		decodeSessions(rows, r.Values, r.Text)
		trx, err := readCatalog(ctx, s.Conn, monitorTrxSQL)
		r.Statements++
		switch {
		case isAccessDenied(err):
			r.Text["note"] = "without the PROCESS privilege only this user's sessions are visible, and no transactions or lock waits"
		case isUnknownTable(err):
			r.Text["note"] = "the server has no information_schema.INNODB_TRX (InnoDB not loaded): no transactions or lock waits"
		case err != nil:
			return d.callError("read transactions", err)
		case len(trx) == 1:
			decodeTrx(trx[0], r.Values)
		}
		return nil
	})
	return r, err
}

// MonitorReplication reads the replication role and, on a replica, the
// thread states and lag. Without the privilege to read replica status the
// error wraps dba.ErrUnavailable.
func (d *DB) MonitorReplication(ctx context.Context) (dba.Reading, error) {
	r := dba.Reading{Statements: 2}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		var logBin int64
		if err := s.QueryRowContext(ctx, monitorLogBinSQL).Scan(&logBin); err != nil {
			return d.callError("read replication status", err)
		}
		rows, err := varsQuery(ctx, s.Conn, monitorReplicaSQL(d.server))
		if isAccessDenied(err) {
			return fmt.Errorf("%w: no privilege to read replica status (%s): %w", dba.ErrUnavailable, replicaPrivilege(d.server), d.callError("read replication status", err))
		}
		if err != nil {
			return d.callError("read replication status", err)
		}
		r.Values, r.Text = replicationReading(decodeReplicaStatus(rows, logBin != 0))
		return nil
	})
	return r, err
}

// PerformanceSchemaOn reports @@performance_schema.
func (d *DB) PerformanceSchemaOn(ctx context.Context) (bool, error) {
	var on bool
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		var v sql.NullInt64
		if err := s.QueryRowContext(ctx, monitorPFSSQL).Scan(&v); err != nil {
			if isUnknownSystemVariable(err) {
				return nil // compiled out: off
			}
			return d.callError("read performance_schema", err)
		}
		on = v.Int64 == 1
		return nil
	})
	return on, err
}

// nameValueRows reads a two-column result (name, value); a NULL value is
// read as "".
func nameValueRows(ctx context.Context, conn *sql.Conn, query string) ([][2]string, error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([][2]string, 0, 512)
	var k string
	var v sql.NullString
	for rows.Next() {
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out = append(out, [2]string{k, v.String})
	}
	return out, rows.Err()
}

// monitorNumber reads a status or variable value as a number, the way
// mysqld_exporter does: integers and decimals as they are, ON/YES/TRUE as
// 1 and OFF/NO/FALSE as 0 (Slave_running, Innodb_buffer_pool_dump_status
// and the like stay text).
func monitorNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if c := s[0]; (c >= '0' && c <= '9') || c == '-' || c == '.' {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	switch strings.ToUpper(s) {
	case "ON", "YES", "TRUE":
		return 1, true
	case "OFF", "NO", "FALSE":
		return 0, true
	}
	return 0, false
}

// decodeNameValues splits name/value rows into numbers and text; names
// keep the server's spelling (Com_select, Innodb_buffer_pool_reads).
func decodeNameValues(rows [][2]string) (map[string]float64, map[string]string) {
	values := make(map[string]float64, len(rows))
	text := map[string]string{}
	for _, nv := range rows {
		if f, ok := monitorNumber(nv[1]); ok {
			values[nv[0]] = f
		} else if nv[1] != "" {
			text[nv[0]] = nv[1]
		}
	}
	return values, text
}

// decodeInnoDBMetrics keeps the numeric counters by name.
func decodeInnoDBMetrics(rows [][2]string) map[string]float64 {
	out := make(map[string]float64, len(rows))
	for _, nv := range rows {
		if f, ok := monitorNumber(nv[1]); ok {
			out[strings.ToLower(nv[0])] = f
		}
	}
	return out
}

// idleCommand reports commands that are not a client statement at work:
// sleeping sessions, server daemons and replication threads, whose TIME
// counts since they started waiting.
func idleCommand(c string) bool {
	switch strings.ToLower(c) {
	case "sleep", "daemon", "binlog dump", "binlog dump gtid", "connect", "register slave", "killed":
		return true
	}
	return strings.HasPrefix(strings.ToLower(c), "slave_")
}

// lockState reports thread states that wait for a lock: metadata locks,
// table locks, user locks (InnoDB row lock waits show in INNODB_TRX).
func lockState(state string) bool {
	s := strings.ToLower(state)
	return strings.HasPrefix(s, "waiting for") && strings.Contains(s, "lock") || s == "locked"
}

// decodeSessions reads rows of monitorSessionSQL (command, state, n,
// max_s): totals, active and sleeping sessions, sessions waiting for a
// lock, the longest running statement, and a count per command and per
// state (values "command:Query", "state:Sending data").
func decodeSessions(rows []catalogRow, values map[string]float64, text map[string]string) {
	var total, active, sleeping, waiting, longest float64
	for _, r := range rows {
		n, err := strconv.ParseFloat(r.str("n"), 64)
		if err != nil {
			continue
		}
		cmd, state := r.str("command"), r.str("state")
		total += n
		switch {
		case strings.EqualFold(cmd, "sleep"):
			sleeping += n
		case !idleCommand(cmd):
			active += n
			if s, err := strconv.ParseFloat(r.str("max_s"), 64); err == nil && s > longest {
				longest = s
			}
		}
		if lockState(state) {
			waiting += n
		}
		if cmd != "" {
			values["command:"+cmd] += n
		}
		if state != "" {
			values["state:"+state] += n
		}
	}
	values["sessions"] = total
	values["sessions_active"] = active
	values["sessions_sleeping"] = sleeping
	values["sessions_waiting_lock"] = waiting
	values["longest_query_seconds"] = longest
}

// decodeTrx reads the one row of monitorTrxSQL.
func decodeTrx(r catalogRow, values map[string]float64) {
	for col, name := range map[string]string{
		"trx": "trx_active", "longest_s": "longest_trx_seconds",
		"lock_waits": "lock_waits", "longest_wait_s": "longest_lock_wait_seconds",
	} {
		if f, err := strconv.ParseFloat(strings.TrimSpace(r.str(col)), 64); err == nil {
			values[name] = f
		}
	}
}

// replicationReading turns the replica status into values (lag only when
// both threads run, else absent) and text.
func replicationReading(rep dba.Replication) (map[string]float64, map[string]string) {
	values := map[string]float64{}
	text := map[string]string{"role": rep.Role}
	yes := func(s string) float64 {
		if strings.EqualFold(s, "Yes") {
			return 1
		}
		return 0
	}
	if rep.Role == dba.RoleReplica {
		values["replica"] = 1
		values["replication_io_running"] = yes(rep.IORunning)
		values["replication_sql_running"] = yes(rep.SQLRunning)
		text["source"], text["io_running"], text["sql_running"] = rep.Source, rep.IORunning, rep.SQLRunning
		if rep.LastError != "" {
			text["last_error"] = rep.LastError
		}
	} else {
		values["replica"] = 0
	}
	if rep.LagSeconds != nil {
		values["replication_lag_seconds"] = float64(*rep.LagSeconds)
	}
	if rep.Note != "" {
		text["note"] = rep.Note
	}
	return values, text
}
