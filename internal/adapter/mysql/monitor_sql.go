package mysql

import (
	"github.com/mydba/mydba/internal/dba"
)

// The monitor's statements. Every one is tagged /* mydba:monitor */ so a
// DBA recognises the sampling in the process list and the slow log, and
// none takes user input.
const (
	// SHOW GLOBAL STATUS needs no privilege, exists on every version and,
	// unlike performance_schema.global_status, works with the Performance
	// Schema off. Sent without parameters: MySQL refuses some SHOW
	// statements as prepared statements.
	monitorStatusSQL = "/* mydba:monitor */ SHOW GLOBAL STATUS"
	// SHOW GLOBAL VARIABLES likewise needs no privilege.
	monitorVariablesSQL = "/* mydba:monitor */ SHOW GLOBAL VARIABLES"
	// monitorTrxSQL summarises InnoDB transactions on the server, with its
	// clock: how many, the oldest's age, how many wait for a row lock and
	// the longest wait. INNODB_TRX has the same columns on MySQL 5.7-9.x
	// and MariaDB 10.x-11.x; it needs the PROCESS privilege.
	monitorTrxSQL = `/* mydba:monitor */ SELECT COUNT(*) AS trx,
 IFNULL(MAX(TIMESTAMPDIFF(SECOND, trx_started, NOW())), 0) AS longest_s,
 IFNULL(SUM(trx_state = 'LOCK WAIT'), 0) AS lock_waits,
 IFNULL(MAX(CASE WHEN trx_state = 'LOCK WAIT' THEN TIMESTAMPDIFF(SECOND, trx_wait_started, NOW()) END), 0) AS longest_wait_s
 FROM information_schema.INNODB_TRX`
	monitorPFSSQL    = "/* mydba:monitor */ SELECT @@performance_schema"
	monitorLogBinSQL = "/* mydba:monitor */ SELECT @@log_bin"
)

// monitorInnoDBMetricsSQL reads the enabled InnoDB metrics counters. The
// column saying a counter is enabled is ENABLED (1/0) from MariaDB 10.5;
// MariaDB 10.4 and earlier and every MySQL call it STATUS ('enabled').
// Disabled counters are left out: their COUNT is frozen.
func monitorInnoDBMetricsSQL(s dba.Server) string {
	if s.IsMariaDB() && s.Version.AtLeast(10, 5) {
		return "/* mydba:monitor */ SELECT NAME, COUNT FROM information_schema.INNODB_METRICS WHERE ENABLED = 1"
	}
	return "/* mydba:monitor */ SELECT NAME, COUNT FROM information_schema.INNODB_METRICS WHERE STATUS = 'enabled'"
}

// monitorSessionSQL summarises the sessions by command and state, on the
// server, so a thousand sessions cost a few rows on the wire:
//
//   - MariaDB: information_schema.PROCESSLIST, not deprecated there, with
//     millisecond TIME_MS.
//   - MySQL 8.0+: performance_schema.threads, which reads sessions without
//     the global mutex information_schema.PROCESSLIST takes (deprecated
//     from 8.0.22); it is empty with the Performance Schema off, and
//     monitorSessionFallbackSQL is then used.
//   - MySQL before 8.0: PROCESSLIST.
//
// A user without the PROCESS privilege sees only their own sessions in
// either source.
func monitorSessionSQL(s dba.Server) string {
	switch {
	case s.IsMariaDB():
		return `/* mydba:monitor */ SELECT COMMAND AS command, IFNULL(STATE, '') AS state, COUNT(*) AS n, MAX(TIME_MS) / 1000 AS max_s
 FROM information_schema.PROCESSLIST GROUP BY COMMAND, STATE`
	case s.Version.AtLeast(8, 0):
		return `/* mydba:monitor */ SELECT PROCESSLIST_COMMAND AS command, IFNULL(PROCESSLIST_STATE, '') AS state, COUNT(*) AS n, MAX(PROCESSLIST_TIME) AS max_s
 FROM performance_schema.threads WHERE PROCESSLIST_ID IS NOT NULL GROUP BY PROCESSLIST_COMMAND, PROCESSLIST_STATE`
	}
	return monitorSessionFallbackSQL
}

// monitorSessionFallbackSQL is information_schema.PROCESSLIST with
// whole-second TIME, on every version.
const monitorSessionFallbackSQL = `/* mydba:monitor */ SELECT COMMAND AS command, IFNULL(STATE, '') AS state, COUNT(*) AS n, MAX(TIME) AS max_s
 FROM information_schema.PROCESSLIST GROUP BY COMMAND, STATE`

// monitorReplicaSQL is the replica status statement: the REPLICA spelling
// from MySQL 8.0.22 and MariaDB 10.5.1, SLAVE before.
func monitorReplicaSQL(s dba.Server) string {
	if (s.IsMariaDB() && s.Version.AtLeast(10, 5, 1)) || (!s.IsMariaDB() && s.Version.AtLeast(8, 0, 22)) {
		return "/* mydba:monitor */ SHOW REPLICA STATUS"
	}
	return "/* mydba:monitor */ SHOW SLAVE STATUS"
}
