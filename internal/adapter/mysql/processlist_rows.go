package mysql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// resultRow is one row of a result set by column name: the live scanner
// and the fixture reader (mysql -B output) both produce it, so the same
// decoders run on the sandbox and on captured MySQL output.
type resultRow struct {
	cols map[string]int
	vals []*string // nil is SQL NULL
}

func (r resultRow) str(name string) string {
	if p := r.get(name); p != nil {
		return *p
	}
	return ""
}

func (r resultRow) get(name string) *string {
	i, ok := r.cols[name]
	if !ok || i >= len(r.vals) {
		return nil
	}
	return r.vals[i]
}

// num reads an integer column; NULL reads as def. Decimal text (TIME_MS,
// UNIX_TIMESTAMP) is truncated.
func (r resultRow) num(name string, def int64) (int64, error) {
	p := r.get(name)
	if p == nil || *p == "" {
		return def, nil
	}
	if n, err := strconv.ParseInt(*p, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(*p, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f > math.MaxInt64 || f < math.MinInt64 {
		return def, fmt.Errorf("column %s: %q is not a number", name, *p)
	}
	return int64(f), nil
}

// decodeSession turns one row of a session source into a Session.
func decodeSession(r resultRow) (dba.Session, error) {
	var s dba.Session
	var err error
	if s.ID, err = r.num("id", 0); err != nil {
		return s, err
	}
	if s.ThreadID, err = r.num("thread_id", 0); err != nil {
		return s, err
	}
	ms, err := r.num("time_ms", 0)
	if err != nil {
		return s, err
	}
	s.Time = clampDuration(ms, time.Millisecond)
	if s.RowsExamined, err = r.num("rows_examined", -1); err != nil {
		return s, err
	}
	s.User, s.Host, s.DB = r.str("user"), r.str("host"), r.str("db")
	s.Command, s.State, s.Info = r.str("command"), r.str("state"), r.str("info")
	s.ConnectionType = r.str("connection_type")
	s.LockRole = dba.LockRoleNone
	if r.get("trx_id") == nil {
		return s, nil
	}
	t := &dba.Transaction{
		ID:             r.str("trx_id"),
		State:          r.str("trx_state"),
		Isolation:      r.str("trx_isolation"),
		OperationState: r.str("trx_operation_state"),
	}
	started, err := r.num("trx_started", 0)
	if err != nil {
		return s, err
	}
	if started > 0 {
		t.Started = time.Unix(started, 0).UTC()
	}
	age, err := r.num("trx_age_s", 0)
	if err != nil {
		return s, err
	}
	wait, err := r.num("trx_wait_s", 0)
	if err != nil {
		return s, err
	}
	// A clock step on the server can make NOW() earlier than a start.
	t.Age, t.Wait = clampDuration(max(age, 0), time.Second), clampDuration(max(wait, 0), time.Second)
	for _, f := range []struct {
		col string
		dst *int64
	}{
		{"trx_rows_locked", &t.RowsLocked},
		{"trx_rows_modified", &t.RowsModified},
		{"trx_lock_structs", &t.LockStructs},
		{"trx_tables_locked", &t.TablesLocked},
	} {
		if *f.dst, err = r.num(f.col, 0); err != nil {
			return s, err
		}
	}
	ro, err := r.num("trx_read_only", 0)
	if err != nil {
		return s, err
	}
	t.ReadOnly = ro != 0
	s.Trx = t
	return s, nil
}

// clampDuration is n units, saturating instead of overflowing on absurd
// input.
func clampDuration(n int64, unit time.Duration) time.Duration {
	if n > int64(math.MaxInt64/unit) {
		return math.MaxInt64
	}
	if n < int64(math.MinInt64/unit) {
		return math.MinInt64
	}
	return time.Duration(n) * unit
}

// decodeLockWait turns one row of a lock-wait source into a LockWait.
// MySQL names the locked object in separate columns; MariaDB (and MySQL
// 5.7) in one quoted lock_table that decodeLockTable splits.
func decodeLockWait(r resultRow) (dba.LockWait, error) {
	var w dba.LockWait
	var err error
	if w.WaitingID, err = r.num("waiting_pid", 0); err != nil {
		return w, err
	}
	if w.BlockingID, err = r.num("blocking_pid", 0); err != nil {
		return w, err
	}
	wait, err := r.num("wait_s", 0)
	if err != nil {
		return w, err
	}
	w.Wait = clampDuration(max(wait, 0), time.Second)
	w.WaitingTrxID, w.BlockingTrxID = r.str("waiting_trx_id"), r.str("blocking_trx_id")
	w.LockMode, w.BlockingLockMode, w.LockType = r.str("lock_mode"), r.str("blocking_lock_mode"), r.str("lock_type")
	w.Index, w.LockData = r.str("index_name"), r.str("lock_data")
	if r.get("object_schema") != nil {
		w.Schema, w.Table = r.str("object_schema"), r.str("object_name")
		w.Partition = r.str("partition_name")
		if sp := r.str("subpartition_name"); sp != "" {
			w.Partition += "." + sp
		}
	} else {
		w.Schema, w.Table, w.Partition = decodeLockTable(r.str("object_name"))
	}
	return w, nil
}

// decodeLockTable splits INNODB_LOCKS.lock_table, which InnoDB prints as
// `schema`.`table` with backticks doubled inside names, followed for a
// partition by /* Partition `p0` */ (or "Partition `p0`, Subpartition
// `s0`"). Unquoted forms (schema/table, schema.table) from older servers
// are split at the first separator. Anything else is returned whole as the
// table name.
func decodeLockTable(s string) (schema, table, partition string) {
	rest := strings.TrimSpace(s)
	if !strings.HasPrefix(rest, "`") {
		if i := strings.IndexAny(rest, "./"); i > 0 {
			return rest[:i], rest[i+1:], ""
		}
		return "", rest, ""
	}
	first, after, ok := readQuoted(rest)
	if !ok {
		return "", s, ""
	}
	if !strings.HasPrefix(after, ".`") {
		return "", first, partitionOf(after)
	}
	second, after, ok := readQuoted(after[1:])
	if !ok {
		return "", s, ""
	}
	return first, second, partitionOf(after)
}

// readQuoted reads one backtick-quoted name at the start of s and returns
// it unquoted with the text after it.
func readQuoted(s string) (name, rest string, ok bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '`' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '`' {
			b.WriteByte('`')
			i++
			continue
		}
		return b.String(), s[i+1:], true
	}
	return "", s, false
}

// partitionOf reads the partition comment after a table name.
func partitionOf(s string) string {
	var parts []string
	for _, label := range []string{"Partition `", "Subpartition `"} {
		i := strings.Index(s, label)
		if i < 0 {
			continue
		}
		name, _, ok := readQuoted(s[i+len(label)-1:])
		if ok {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, ".")
}
