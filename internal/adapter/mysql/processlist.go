package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/dba"
)

// ProcessSnapshot reads every session with its InnoDB transaction in one
// statement and, only when some transaction is in LOCK WAIT, the lock
// waits in a second: two round trips at most, whatever the number of
// sessions. Sources are chosen by flavour and version (sessionSources,
// lockWaitSource); a source the user may not read is replaced by a
// simpler one and the snapshot says so in Warnings.
func (d *DB) ProcessSnapshot(ctx context.Context) (dba.ProcessSnapshot, error) {
	snap := dba.ProcessSnapshot{Server: d.server, Sessions: []dba.Session{}, LockWaits: []dba.LockWait{}}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		snap.SelfID = s.ID
		snap.TakenAt = time.Now().UTC()
		return d.snapshot(ctx, s.Conn, &snap)
	})
	return snap, err
}

func (d *DB) snapshot(ctx context.Context, conn *sql.Conn, snap *dba.ProcessSnapshot) error {
	var lastErr error
	withTrx := false
	for _, src := range sessionSources(d.server) {
		rows, err := readResultRows(ctx, conn, src.sql)
		if err != nil {
			if ctx.Err() != nil || (!isAccessDenied(err) && !isUnknownTable(err)) {
				return d.callError("read the process list", err)
			}
			lastErr = err
			continue
		}
		if len(rows) == 0 {
			// Our own session is always listed: an empty answer means the
			// source is switched off (performance_schema=OFF).
			continue
		}
		for _, r := range rows {
			s, err := decodeSession(r)
			if err != nil {
				return d.callError("read the process list", err)
			}
			s.Self = s.ID == snap.SelfID
			snap.Sessions = append(snap.Sessions, s)
		}
		snap.Source, withTrx = src.name, src.trx
		break
	}
	if snap.Source == "" {
		if lastErr != nil {
			return d.callError("read the process list", lastErr)
		}
		return d.callError("read the process list", fmt.Errorf("no source returned any session"))
	}
	if err := d.addThreads(ctx, conn, snap); err != nil {
		return err
	}
	if lastErr != nil && !withTrx {
		snap.Warnings = append(snap.Warnings, "transactions and lock waits are hidden: reading information_schema.INNODB_TRX needs the PROCESS privilege ("+processErrText(lastErr)+")")
		return nil
	}
	if lastErr != nil {
		snap.Warnings = append(snap.Warnings, "a preferred source was unavailable ("+processErrText(lastErr)+"); sessions come from "+snap.Source)
	}

	waiting := false
	for _, s := range snap.Sessions {
		waiting = waiting || s.Trx.Waiting()
	}
	if !waiting {
		return nil
	}
	src := lockWaitSource(d.server)
	rows, err := readResultRows(ctx, conn, src.sql)
	if err != nil {
		if ctx.Err() != nil || (!isAccessDenied(err) && !isUnknownTable(err)) {
			return d.callError("read lock waits", err)
		}
		snap.Warnings = append(snap.Warnings, "transactions are waiting for locks but "+src.name+" cannot be read ("+processErrText(err)+"); blockers are unknown")
		return nil
	}
	snap.LockSource = src.name
	for _, r := range rows {
		w, err := decodeLockWait(r)
		if err != nil {
			return d.callError("read lock waits", err)
		}
		snap.LockWaits = append(snap.LockWaits, w)
	}
	if len(rows) == 0 && src.name == srcDataLockWaits {
		// Waits do exist (INNODB_TRX said LOCK WAIT); data_lock_waits is
		// empty only when performance_schema is off, or the wait ended
		// between the two reads.
		snap.Warnings = append(snap.Warnings, "transactions were waiting for locks but performance_schema.data_lock_waits listed none (is performance_schema OFF?)")
	}
	return nil
}

// addThreads fills thread ids and connection types from threadSource.
// They are informative only, so a performance_schema the user cannot read
// (or one that is OFF, and empty) changes nothing.
func (d *DB) addThreads(ctx context.Context, conn *sql.Conn, snap *dba.ProcessSnapshot) error {
	q := threadSource(d.server)
	if q == "" {
		return nil
	}
	rows, err := readResultRows(ctx, conn, q)
	if err != nil {
		if ctx.Err() != nil {
			return d.callError("read the process list", err)
		}
		return nil
	}
	mergeThreads(snap.Sessions, rows)
	return nil
}

// mergeThreads sets ThreadID and ConnectionType of sessions from rows of
// threadSource, by processlist id.
func mergeThreads(sessions []dba.Session, rows []resultRow) {
	byID := make(map[int64]int, len(sessions))
	for i, s := range sessions {
		byID[s.ID] = i
	}
	for _, r := range rows {
		id, err := r.num("id", 0)
		if err != nil {
			continue
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		if tid, err := r.num("thread_id", 0); err == nil {
			sessions[i].ThreadID = tid
		}
		sessions[i].ConnectionType = r.str("connection_type")
	}
}

// readResultRows reads a whole result as nullable text by column name. Process
// lists are small (thousands of rows at most) and every value is shown
// as text anyway.
func readResultRows(ctx context.Context, conn *sql.Conn, query string) ([]resultRow, error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	cols := make(map[string]int, len(names))
	for i, n := range names {
		cols[n] = i
	}
	raw := make([]sql.RawBytes, len(names))
	ptrs := make([]any, len(names))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	var out []resultRow
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		vals := make([]*string, len(names))
		for i, b := range raw {
			if b != nil {
				s := string(b)
				vals[i] = &s
			}
		}
		out = append(out, resultRow{cols: cols, vals: vals})
	}
	return out, rows.Err()
}

// isUnknownTable reports a source the server does not have (a table
// removed in a version mydba did not expect).
func isUnknownTable(err error) bool {
	var me *gomysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1109 || me.Number == 1146)
}

// processErrText is a server error without the driver's prefix, for
// warnings.
func processErrText(err error) string {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return fmt.Sprintf("server error %d: %s", me.Number, me.Message)
	}
	return err.Error()
}
