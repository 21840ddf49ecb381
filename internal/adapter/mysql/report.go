package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/dba"
)

// Report gathers what `mydba conn test` shows: identity, role, uptime,
// instrumentation and the privileges mydba's features need.
func (d *DB) Report(ctx context.Context) (dba.ServerReport, error) {
	r := dba.ServerReport{
		Server:      d.server,
		Series:      d.server.Series(),
		Address:     d.target.Address(),
		ConnectTime: d.connectTime,
		Missing:     []dba.PrivilegeGap{},
	}
	if !d.server.Supported() {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s is older than mydba supports (MySQL 8.0+, MariaDB 10.6+); some features will fail", r.Series))
	}
	// One session for the whole report: session status (TLS) must be read
	// on the same session.
	err := d.withSession(ctx, func(ctx context.Context, conn Session) error {
		return d.report(ctx, conn.Conn, &r)
	})
	return r, err
}

func (d *DB) report(ctx context.Context, conn *sql.Conn, r *dba.ServerReport) error {
	var readOnly, perfSchema, logBin int64
	err := conn.QueryRowContext(ctx, `/* mydba:conn-test */ SELECT @@server_id, @@hostname, @@read_only,
		@@performance_schema, @@log_bin, CURRENT_USER()`).Scan(&r.ServerID, &r.Hostname, &readOnly, &perfSchema, &logBin, &r.CurrentUser)
	if err != nil {
		return d.callError("report", err)
	}
	r.ReadOnly, r.PerformanceSchema = readOnly != 0, perfSchema != 0
	status, err := showStatus(ctx, conn, "GLOBAL", "Uptime")
	if err != nil {
		return d.callError("report", err)
	}
	if n, err := strconv.ParseInt(status["Uptime"], 10, 64); err == nil {
		r.Uptime = time.Duration(n) * time.Second
	}
	sess, err := showStatus(ctx, conn, "SESSION", "Ssl_cipher", "Ssl_version")
	if err != nil {
		return d.callError("report", err)
	}
	if c := sess["Ssl_cipher"]; c != "" {
		r.TLS = strings.TrimSpace(sess["Ssl_version"] + " " + c)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "/* mydba:conn-test */ SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'sys'").Scan(&n); err != nil {
		return d.callError("report", err)
	}
	r.SysSchema = n > 0

	role, err := d.role(ctx, conn, logBin != 0)
	if err != nil {
		return err
	}
	r.Role = role
	if !r.PerformanceSchema {
		r.Warnings = append(r.Warnings, "performance_schema is OFF: statement digests, waits and stages are unavailable (set performance_schema=ON in the server config and restart)")
	}
	privs, err := d.privileges(ctx, conn, r.CurrentUser)
	if err != nil {
		return err
	}
	r.Missing = missingPrivileges(d.server, r.CurrentUser, privs)
	return nil
}

// replicaStatusSQL picks the statement for the replica's own status: the
// REPLICA spelling exists from MySQL 8.0.22 and MariaDB 10.5.1.
func replicaStatusSQL(s dba.Server) string {
	if (s.IsMariaDB() && s.Version.AtLeast(10, 5, 1)) || (!s.IsMariaDB() && s.Version.AtLeast(8, 0, 22)) {
		return "/* mydba:conn-test */ SHOW REPLICA STATUS"
	}
	return "/* mydba:conn-test */ SHOW SLAVE STATUS"
}

func (d *DB) role(ctx context.Context, conn *sql.Conn, logBin bool) (string, error) {
	rows, err := conn.QueryContext(ctx, replicaStatusSQL(d.server))
	if isAccessDenied(err) {
		return "unknown (no privilege to read replica status)", nil
	}
	if err != nil {
		return "", d.callError("read replica status", err)
	}
	defer rows.Close()
	replica := rows.Next()
	if err := rows.Err(); err != nil {
		return "", d.callError("read replica status", err)
	}
	switch {
	case replica:
		return "replica", nil
	case logBin:
		return "primary", nil
	}
	return "standalone", nil
}

func showStatus(ctx context.Context, conn *sql.Conn, scope string, names ...string) (map[string]string, error) {
	ph := strings.TrimSuffix(strings.Repeat("?,", len(names)), ",")
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	rows, err := conn.QueryContext(ctx, "/* mydba:conn-test */ SHOW "+scope+" STATUS WHERE Variable_name IN ("+ph+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

func isAccessDenied(err error) bool {
	var me *gomysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1142, 1143, 1227, 1044, 1370:
		return true
	}
	return false
}

// callError maps a failed statement to a user-facing error.
func (d *DB) callError(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s on %s: %w after %s", op, d.target.Address(), dba.ErrTimeout, d.callTimeout)
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return fmt.Errorf("%s on %s: server error %d: %s", op, d.target.Address(), me.Number, me.Message)
	}
	return fmt.Errorf("%s on %s: %w", op, d.target.Address(), err)
}
