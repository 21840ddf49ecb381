package mysql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/dba"
)

// statusSQL reads the global status counters. SHOW GLOBAL STATUS needs no
// privilege on either server and exists on every version mydba supports;
// performance_schema.global_status would fail on a MySQL started with the
// Performance Schema off, and information_schema.GLOBAL_STATUS is gone from
// MySQL 8. It is sent without parameters (plain text protocol): MySQL does
// not accept every SHOW in a prepared statement.
func statusSQL(dba.Server) string { return "/* mydba:status */ SHOW GLOBAL STATUS" }

// statusVarsSQL reads the variables that scale the counters. InnoDB's size
// is read apart: the variable does not exist when InnoDB is not loaded.
const (
	statusVarsSQL   = "/* mydba:status */ SELECT @@max_connections, @@log_bin"
	statusInnoDBSQL = "/* mydba:status */ SELECT @@innodb_buffer_pool_size"
)

// statusReplicaSQL picks the replica-status statement: the REPLICA spelling
// exists from MySQL 8.0.22 and MariaDB 10.5.1.
func statusReplicaSQL(s dba.Server) string {
	if (s.IsMariaDB() && s.Version.AtLeast(10, 5, 1)) || (!s.IsMariaDB() && s.Version.AtLeast(8, 0, 22)) {
		return "/* mydba:status */ SHOW REPLICA STATUS"
	}
	return "/* mydba:status */ SHOW SLAVE STATUS"
}

// StatusPair takes two samples of SHOW GLOBAL STATUS interval apart. own is
// how many of the statements counted by Questions between the samples were
// mydba's: the second SHOW counts itself, and if the pool had to open a new
// session for it, that session's setup statements count too.
func (d *DB) StatusPair(ctx context.Context, interval time.Duration) (prev, cur dba.StatusSample, own uint64, err error) {
	prev, id0, err := d.statusSample(ctx)
	if err != nil {
		return prev, cur, 0, err
	}
	t := time.NewTimer(interval)
	select {
	case <-ctx.Done():
		t.Stop()
		return prev, cur, 0, fmt.Errorf("status: waiting for the second sample: %w", ctx.Err())
	case <-t.C:
	}
	cur, id1, err := d.statusSample(ctx)
	if err != nil {
		return prev, cur, 0, err
	}
	own = 1
	if id1 != id0 {
		// sessionInit plus the CONNECTION_ID() lookup of the new session.
		own += uint64(len(sessionInit(d.server, d.callTimeout)) + 1)
	}
	return prev, cur, own, nil
}

func (d *DB) statusSample(ctx context.Context) (dba.StatusSample, int64, error) {
	s := dba.StatusSample{Values: map[string]string{}}
	var id int64
	err := d.withSession(ctx, func(ctx context.Context, sess Session) error {
		id = sess.ID
		rows, err := sess.QueryContext(ctx, statusSQL(d.server))
		if err != nil {
			return d.callError("read global status", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return d.callError("read global status", err)
			}
			s.Values[k] = v
		}
		if err := rows.Err(); err != nil {
			return d.callError("read global status", err)
		}
		s.At = time.Now()
		return nil
	})
	return s, id, err
}

// StatusContext is what the status screen needs besides the counters.
type StatusContext struct {
	MaxConnections int64
	BufferPoolSize int64
	Replication    dba.Replication
	Unavailable    []dba.Unavailable
}

// StatusContext reads max_connections, the buffer pool size and the
// replication role. What the user may not read is reported in Unavailable,
// not as an error: the status screen shows what it can.
func (d *DB) StatusContext(ctx context.Context) (StatusContext, error) {
	var sc StatusContext
	err := d.withSession(ctx, func(ctx context.Context, sess Session) error {
		var logBin int64
		if err := sess.QueryRowContext(ctx, statusVarsSQL).Scan(&sc.MaxConnections, &logBin); err != nil {
			return d.callError("read status variables", err)
		}
		var size int64
		switch err := sess.QueryRowContext(ctx, statusInnoDBSQL).Scan(&size); {
		case err == nil:
			sc.BufferPoolSize = size
		case isUnknownSystemVariable(err):
			// The status counters say the same; Summarise reports it.
		default:
			return d.callError("read status variables", err)
		}
		rows, err := varsQuery(ctx, sess.Conn, statusReplicaSQL(d.server))
		switch {
		case isAccessDenied(err):
			sc.Replication = dba.Replication{Role: dba.RoleUnknown}
			sc.Unavailable = append(sc.Unavailable, dba.Unavailable{
				What:   "replication",
				Reason: "no privilege to read replica status (" + replicaPrivilege(d.server) + ")",
			})
		case err != nil:
			return d.callError("read replica status", err)
		default:
			sc.Replication = decodeReplicaStatus(rows, logBin != 0)
		}
		return nil
	})
	return sc, err
}

func replicaPrivilege(s dba.Server) string {
	if s.IsMariaDB() {
		return "MariaDB 10.5.9+ needs REPLICA MONITOR, also spelled SLAVE MONITOR"
	}
	return "MySQL needs REPLICATION CLIENT"
}

func isUnknownSystemVariable(err error) bool {
	var me *gomysql.MySQLError
	return errors.As(err, &me) && me.Number == 1193
}

// decodeReplicaStatus reads SHOW REPLICA/SLAVE STATUS rows by column name
// (MySQL 8.0.22+ says Replica_*/Source_*, MariaDB and older MySQL say
// Slave_*/Master_*). No row means not a replica: a primary when the binary
// log is on, else standalone. Lag is reported only when both replication
// threads run: a stopped replica can show 0 seconds behind while it falls
// further behind every second.
func decodeReplicaStatus(rows []varsRow, logBin bool) dba.Replication {
	if len(rows) == 0 {
		if logBin {
			return dba.Replication{Role: dba.RolePrimary}
		}
		return dba.Replication{Role: dba.RoleStandalone}
	}
	r := rows[0]
	pick := func(names ...string) (string, bool) {
		for _, n := range names {
			if v, ok := r[strings.ToUpper(n)]; ok {
				if v == nil {
					return "", true
				}
				return *v, true
			}
		}
		return "", false
	}
	rep := dba.Replication{Role: dba.RoleReplica}
	host, _ := pick("Source_Host", "Master_Host")
	port, _ := pick("Source_Port", "Master_Port")
	if host != "" {
		rep.Source = host
		if port != "" {
			rep.Source += ":" + port
		}
	}
	rep.IORunning, _ = pick("Replica_IO_Running", "Slave_IO_Running")
	rep.SQLRunning, _ = pick("Replica_SQL_Running", "Slave_SQL_Running")
	for _, col := range []string{"Last_IO_Error", "Last_SQL_Error", "Last_Error"} {
		if e, _ := pick(col); e != "" {
			rep.LastError = e
			break
		}
	}
	lag, hasLag := pick("Seconds_Behind_Source", "Seconds_Behind_Master")
	switch {
	case !strings.EqualFold(rep.IORunning, "Yes") || !strings.EqualFold(rep.SQLRunning, "Yes"):
		rep.Note = fmt.Sprintf("replication is not running (IO thread: %s, SQL thread: %s): the lag is unknown", orUnknown(rep.IORunning), orUnknown(rep.SQLRunning))
	case !hasLag:
		rep.Note = "the replica reports no Seconds_Behind column: the lag is unknown"
	default:
		if n, err := strconv.ParseInt(strings.TrimSpace(lag), 10, 64); err == nil && n >= 0 {
			rep.LagSeconds = &n
		} else {
			rep.Note = "the replica reports no lag value (" + orUnknown(lag) + ")"
		}
	}
	if len(rows) > 1 {
		rep.Note = strings.TrimSpace(rep.Note + fmt.Sprintf(" (%d replication channels; the first is shown)", len(rows)))
	}
	return rep
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
