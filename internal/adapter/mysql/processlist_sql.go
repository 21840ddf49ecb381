package mysql

import (
	"github.com/mydba/mydba/internal/dba"
)

// rowSource is one SQL source of the process list or lock waits: its
// statement and the name shown to the user (in the snapshot and in
// warnings).
type rowSource struct {
	name string
	sql  string
	// trx reports whether the source joins INNODB_TRX.
	trx bool
}

// The transaction columns every session source returns, computed on the
// server so ages use its clock and time zone. trx_started has one-second
// precision on both flavours.
const trxColumns = `x.trx_id AS trx_id, x.trx_state AS trx_state,
 UNIX_TIMESTAMP(x.trx_started) AS trx_started,
 TIMESTAMPDIFF(SECOND, x.trx_started, NOW()) AS trx_age_s,
 TIMESTAMPDIFF(SECOND, x.trx_wait_started, NOW()) AS trx_wait_s,
 x.trx_rows_locked AS trx_rows_locked, x.trx_rows_modified AS trx_rows_modified,
 x.trx_lock_structs AS trx_lock_structs, x.trx_tables_locked AS trx_tables_locked,
 x.trx_isolation_level AS trx_isolation, x.trx_is_read_only AS trx_read_only,
 x.trx_operation_state AS trx_operation_state`

const noTrxColumns = `NULL AS trx_id, NULL AS trx_state, NULL AS trx_started, NULL AS trx_age_s,
 NULL AS trx_wait_s, NULL AS trx_rows_locked, NULL AS trx_rows_modified, NULL AS trx_lock_structs,
 NULL AS trx_tables_locked, NULL AS trx_isolation, NULL AS trx_read_only, NULL AS trx_operation_state`

// Source names.
const (
	srcISProcesslist = "information_schema.PROCESSLIST"
	srcPSThreads     = "performance_schema.threads"
	srcDataLockWaits = "performance_schema.data_lock_waits"
	srcInnoDBLocks   = "information_schema.INNODB_LOCK_WAITS"
)

// sessionSources lists, best first, where to read sessions on server s.
// The snapshot uses the first that answers with at least one row (its own
// session is always there, so an empty answer means the source is off).
//
//   - MariaDB: information_schema.PROCESSLIST has millisecond TIME_MS and
//     EXAMINED_ROWS, and is not deprecated; its INFO is utf8mb3, which
//     turns emoji into '?', so the statement is read from INFO_BINARY, the
//     bytes as sent. Thread ids come from threadSource.
//   - MySQL 8.0+: performance_schema.threads reads sessions without the
//     global mutex information_schema.PROCESSLIST takes (deprecated since
//     8.0.22) and carries the THREAD_ID that data_locks uses; with
//     performance_schema OFF it is empty and PROCESSLIST is the fallback.
//   - MySQL before 8.0: PROCESSLIST, like the MySQL fallback.
//
// Each list ends with a source without INNODB_TRX, which needs the PROCESS
// privilege: a user without it still sees their own sessions.
func sessionSources(s dba.Server) []rowSource {
	const mariadb = `/* mydba:processlist */ SELECT p.ID AS id, NULL AS thread_id,
 p.USER AS user, p.HOST AS host, p.DB AS db, p.COMMAND AS command, p.STATE AS state,
 p.INFO_BINARY AS info, p.TIME_MS AS time_ms, p.EXAMINED_ROWS AS rows_examined,
 NULL AS connection_type, `
	const plain = `/* mydba:processlist */ SELECT p.ID AS id, NULL AS thread_id,
 p.USER AS user, p.HOST AS host, p.DB AS db, p.COMMAND AS command, p.STATE AS state,
 p.INFO AS info, p.TIME * 1000 AS time_ms, NULL AS rows_examined, NULL AS connection_type, `
	const threads = `/* mydba:processlist */ SELECT t.PROCESSLIST_ID AS id, t.THREAD_ID AS thread_id,
 t.PROCESSLIST_USER AS user, t.PROCESSLIST_HOST AS host, t.PROCESSLIST_DB AS db,
 t.PROCESSLIST_COMMAND AS command, t.PROCESSLIST_STATE AS state, t.PROCESSLIST_INFO AS info,
 t.PROCESSLIST_TIME * 1000 AS time_ms, NULL AS rows_examined, t.CONNECTION_TYPE AS connection_type, `
	const trxJoinP = ` FROM information_schema.PROCESSLIST p
 LEFT JOIN information_schema.INNODB_TRX x ON x.trx_mysql_thread_id = p.ID`
	if s.IsMariaDB() {
		return []rowSource{
			{name: srcISProcesslist, trx: true, sql: mariadb + trxColumns + trxJoinP},
			{name: srcISProcesslist, sql: plain + noTrxColumns + ` FROM information_schema.PROCESSLIST p`},
		}
	}
	fallback := []rowSource{
		{name: srcISProcesslist, trx: true, sql: plain + trxColumns + trxJoinP},
		{name: srcISProcesslist, sql: plain + noTrxColumns + ` FROM information_schema.PROCESSLIST p`},
	}
	if !s.Version.AtLeast(8, 0) {
		return fallback
	}
	return append([]rowSource{{name: srcPSThreads, trx: true, sql: threads + trxColumns +
		` FROM performance_schema.threads t
 LEFT JOIN information_schema.INNODB_TRX x ON x.trx_mysql_thread_id = t.PROCESSLIST_ID
 WHERE t.PROCESSLIST_ID > 0`}}, fallback...)
}

// threadSource is a separate read of performance_schema.threads for the
// thread id and connection type (TCP/IP, Socket, SSL/TLS) of each session,
// merged by processlist id, or "" where the session source already has
// them. On MariaDB the tables cannot be joined in SQL: p_s tables have no
// index there, and the nested-loop join over 1,000 sessions took about a
// second on the sandbox, against 2 ms for this read.
func threadSource(s dba.Server) string {
	if !s.IsMariaDB() {
		return ""
	}
	return `/* mydba:processlist */ SELECT PROCESSLIST_ID AS id, THREAD_ID AS thread_id, CONNECTION_TYPE AS connection_type
 FROM performance_schema.threads WHERE PROCESSLIST_ID > 0`
}

// lockWaitSource picks where lock waits are read. MySQL 8.0 removed
// information_schema.INNODB_LOCKS and INNODB_LOCK_WAITS in favour of
// performance_schema.data_locks and data_lock_waits, which name threads by
// performance_schema THREAD_ID (mapped to processlist ids through
// threads). MariaDB kept the information_schema tables, whose
// INNODB_TRX.trx_mysql_thread_id is the processlist id, and whose
// lock_table is one quoted name (`db`.`table`) that decodeLockTable
// splits.
//
// Every join is a LEFT JOIN: the lock tables change while they are read,
// and a wait whose lock row vanished is still a wait.
func lockWaitSource(s dba.Server) rowSource {
	if s.IsMariaDB() || !s.Version.AtLeast(8, 0, 1) {
		return rowSource{name: srcInnoDBLocks, sql: `/* mydba:locks */ SELECT
 w.requesting_trx_id AS waiting_trx_id, rt.trx_mysql_thread_id AS waiting_pid,
 w.blocking_trx_id AS blocking_trx_id, bt.trx_mysql_thread_id AS blocking_pid,
 TIMESTAMPDIFF(SECOND, rt.trx_wait_started, NOW()) AS wait_s,
 rl.lock_mode AS lock_mode, rl.lock_type AS lock_type,
 NULL AS object_schema, rl.lock_table AS object_name, NULL AS partition_name, NULL AS subpartition_name,
 rl.lock_index AS index_name, rl.lock_data AS lock_data, bl.lock_mode AS blocking_lock_mode
 FROM information_schema.INNODB_LOCK_WAITS w
 LEFT JOIN information_schema.INNODB_TRX rt ON rt.trx_id = w.requesting_trx_id
 LEFT JOIN information_schema.INNODB_TRX bt ON bt.trx_id = w.blocking_trx_id
 LEFT JOIN information_schema.INNODB_LOCKS rl ON rl.lock_id = w.requested_lock_id
 LEFT JOIN information_schema.INNODB_LOCKS bl ON bl.lock_id = w.blocking_lock_id`}
	}
	return rowSource{name: srcDataLockWaits, sql: `/* mydba:locks */ SELECT
 w.REQUESTING_ENGINE_TRANSACTION_ID AS waiting_trx_id, rt.PROCESSLIST_ID AS waiting_pid,
 w.BLOCKING_ENGINE_TRANSACTION_ID AS blocking_trx_id, bt.PROCESSLIST_ID AS blocking_pid,
 NULL AS wait_s,
 rl.LOCK_MODE AS lock_mode, rl.LOCK_TYPE AS lock_type,
 rl.OBJECT_SCHEMA AS object_schema, rl.OBJECT_NAME AS object_name,
 rl.PARTITION_NAME AS partition_name, rl.SUBPARTITION_NAME AS subpartition_name,
 rl.INDEX_NAME AS index_name, rl.LOCK_DATA AS lock_data, bl.LOCK_MODE AS blocking_lock_mode
 FROM performance_schema.data_lock_waits w
 LEFT JOIN performance_schema.threads rt ON rt.THREAD_ID = w.REQUESTING_THREAD_ID
 LEFT JOIN performance_schema.threads bt ON bt.THREAD_ID = w.BLOCKING_THREAD_ID
 LEFT JOIN performance_schema.data_locks rl ON rl.ENGINE = w.ENGINE AND rl.ENGINE_LOCK_ID = w.REQUESTING_ENGINE_LOCK_ID
 LEFT JOIN performance_schema.data_locks bl ON bl.ENGINE = w.ENGINE AND bl.ENGINE_LOCK_ID = w.BLOCKING_ENGINE_LOCK_ID`}
}
