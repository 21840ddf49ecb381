package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// varsSource is where a server publishes its system variables.
type varsSource int

const (
	// varsMariaDB is information_schema.SYSTEM_VARIABLES (MariaDB 10.1.1+):
	// values, type, range, enum members, read-only flag, scope, default,
	// origin and the server's own description.
	varsMariaDB varsSource = iota + 1
	// varsMySQL8 is performance_schema.variables_info joined with
	// global_variables and session_variables (MySQL 8.0, 8.4): values,
	// source, option file, range and who set it when — no type, no
	// default, no description, no read-only flag. Scope is derived from
	// whether the variable has a global value and a per-thread value.
	varsMySQL8
	// varsMySQL9 adds performance_schema.variables_metadata (MySQL 9.0+):
	// scope, type and description from the server.
	varsMySQL9
)

// The statements. The LIKE argument comes from dba.VariableLike ('!'
// escapes); nothing of the user's is ever spliced into the text.
const (
	varsMariaDBSQL = `/* mydba:vars */ SELECT VARIABLE_NAME, VARIABLE_SCOPE, VARIABLE_TYPE,
 GLOBAL_VALUE, SESSION_VALUE, DEFAULT_VALUE, GLOBAL_VALUE_ORIGIN, GLOBAL_VALUE_PATH,
 NUMERIC_MIN_VALUE, NUMERIC_MAX_VALUE, NUMERIC_BLOCK_SIZE, ENUM_VALUE_LIST, READ_ONLY, VARIABLE_COMMENT
 FROM information_schema.SYSTEM_VARIABLES
 WHERE VARIABLE_NAME LIKE ? ESCAPE '!'
 ORDER BY VARIABLE_NAME`

	// variables_by_thread holds only variables that have a session value,
	// for this session's thread: a row there means session scope. When
	// the Performance Schema does not instrument this thread at all
	// (THREAD_KNOWN = 0) scope cannot be told and is left unknown.
	varsMySQL8SQL = `/* mydba:vars */ SELECT i.VARIABLE_NAME, g.VARIABLE_VALUE AS GLOBAL_VALUE,
 s.VARIABLE_VALUE AS SESSION_VALUE, t.VARIABLE_NAME IS NOT NULL AS HAS_SESSION,
 me.KNOWN AS THREAD_KNOWN,
 i.VARIABLE_SOURCE, i.VARIABLE_PATH, i.MIN_VALUE, i.MAX_VALUE, i.SET_TIME, i.SET_USER, i.SET_HOST
 FROM performance_schema.variables_info i
 LEFT JOIN (SELECT h.THREAD_ID,
   EXISTS (SELECT 1 FROM performance_schema.variables_by_thread x WHERE x.THREAD_ID = h.THREAD_ID) AS KNOWN
   FROM performance_schema.threads h WHERE h.PROCESSLIST_ID = CONNECTION_ID()) me ON TRUE
 LEFT JOIN performance_schema.global_variables g ON g.VARIABLE_NAME = i.VARIABLE_NAME
 LEFT JOIN performance_schema.session_variables s ON s.VARIABLE_NAME = i.VARIABLE_NAME
 LEFT JOIN performance_schema.variables_by_thread t ON t.THREAD_ID = me.THREAD_ID AND t.VARIABLE_NAME = i.VARIABLE_NAME
 WHERE i.VARIABLE_NAME LIKE ? ESCAPE '!'
 ORDER BY i.VARIABLE_NAME`

	varsMySQL9SQL = `/* mydba:vars */ SELECT m.VARIABLE_NAME, m.VARIABLE_SCOPE, m.DATA_TYPE, m.MIN_VALUE, m.MAX_VALUE,
 m.DOCUMENTATION, g.VARIABLE_VALUE AS GLOBAL_VALUE, s.VARIABLE_VALUE AS SESSION_VALUE,
 i.VARIABLE_SOURCE, i.VARIABLE_PATH, i.SET_TIME, i.SET_USER, i.SET_HOST
 FROM performance_schema.variables_metadata m
 LEFT JOIN performance_schema.variables_info i ON i.VARIABLE_NAME = m.VARIABLE_NAME
 LEFT JOIN performance_schema.global_variables g ON g.VARIABLE_NAME = m.VARIABLE_NAME
 LEFT JOIN performance_schema.session_variables s ON s.VARIABLE_NAME = m.VARIABLE_NAME
 WHERE m.VARIABLE_NAME LIKE ? ESCAPE '!'
 ORDER BY m.VARIABLE_NAME`
)

// variablesSQL chooses the statement for the server: SYSTEM_VARIABLES on
// MariaDB, variables_metadata from MySQL 9.0 (where it appeared), and
// variables_info with the value tables before that.
func variablesSQL(s dba.Server) (string, varsSource) {
	switch {
	case s.IsMariaDB():
		return varsMariaDBSQL, varsMariaDB
	case s.Version.AtLeast(9, 0):
		return varsMySQL9SQL, varsMySQL9
	}
	return varsMySQL8SQL, varsMySQL8
}

// Variables lists the system variables whose names match like (a pattern
// from dba.VariableLike) with their value in scope (dba.ScopeGlobal or
// dba.ScopeSession — the session is mydba's own read-only session), the
// metadata the server publishes and where each value was set.
func (d *DB) Variables(ctx context.Context, scope dba.VarScope, like string) ([]dba.Variable, error) {
	if scope != dba.ScopeGlobal && scope != dba.ScopeSession {
		return nil, fmt.Errorf("%w: variables scope %q: want global or session", dba.ErrInvalid, scope)
	}
	query, src := variablesSQL(d.server)
	var out []dba.Variable
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		rows, err := varsQuery(ctx, s.Conn, query, like)
		if err != nil {
			if isAccessDenied(err) {
				return fmt.Errorf("read system variables on %s: %w: %w (the user needs SELECT on performance_schema)", d.target.Address(), dba.ErrAuth, d.callError("read system variables", err))
			}
			return d.callError("read system variables", err)
		}
		for _, r := range rows {
			if v, ok := decodeVariable(src, scope, r); ok {
				out = append(out, v)
			}
		}
		return nil
	})
	// One order on every server: the name columns' collations differ.
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// varsRow is one result row as text by upper-case column name; nil is SQL
// NULL.
type varsRow map[string]*string

func (r varsRow) str(col string) string {
	if v := r[col]; v != nil {
		return *v
	}
	return ""
}

// varsQuery runs a statement and returns every row as text. Times come
// back as "YYYY-MM-DD hh:mm:ss.ffffff" whatever the protocol.
func varsQuery(ctx context.Context, conn *sql.Conn, query string, args ...any) ([]varsRow, error) {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []varsRow
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(varsRow, len(cols))
		for i, c := range cols {
			r[strings.ToUpper(c)] = varsText(vals[i])
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func varsText(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		s = string(x)
	case string:
		s = x
	case time.Time:
		s = x.Format("2006-01-02 15:04:05.999999")
	case int64:
		s = strconv.FormatInt(x, 10)
	case uint64:
		s = strconv.FormatUint(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		s = "0"
		if x {
			s = "1"
		}
	default:
		s = fmt.Sprint(x)
	}
	return &s
}

// decodeVariable turns one row of the source's statement into a Variable
// with its value in scope; ok is false when the variable has no value in
// that scope (a session-only variable in the global view and the reverse).
// It is the pure half of Variables, tested on fixtures of each source.
func decodeVariable(src varsSource, scope dba.VarScope, r varsRow) (dba.Variable, bool) {
	var v dba.Variable
	v.Name = strings.ToLower(r.str("VARIABLE_NAME"))
	switch src {
	case varsMariaDB:
		decodeMariaDBVariable(&v, r)
	case varsMySQL8:
		decodeMySQLVariable(&v, r)
		switch {
		case r["GLOBAL_VALUE"] == nil && r["SESSION_VALUE"] != nil:
			v.Scope = dba.ScopeSession
		case r.str("THREAD_KNOWN") != "1":
			v.Scope = dba.ScopeUnknown
		case r.str("HAS_SESSION") == "1":
			v.Scope = dba.ScopeBoth
		default:
			v.Scope = dba.ScopeGlobal
		}
		// variables_info shows 0 and 0 for a variable without a range.
		if isZero(v.Min) && isZero(v.Max) {
			v.Min, v.Max = "", ""
		}
	case varsMySQL9:
		decodeMySQLVariable(&v, r)
		v.Scope = dba.ParseVarScope(r.str("VARIABLE_SCOPE"))
		v.ServerType = r.str("DATA_TYPE")
		v.Type = dba.ParseVarType(v.ServerType)
		// MySQL has one "Integer" type; a range that starts at zero or
		// above is what unsigned means for validation.
		if lo, ok := new(big.Int).SetString(v.Min, 10); v.Type == dba.VarTypeInt && ok && lo.Sign() >= 0 {
			v.Type = dba.VarTypeUint
		}
		v.Description = r.str("DOCUMENTATION")
	default:
		return v, false
	}
	switch {
	case scope == dba.ScopeGlobal && (v.Scope.HasGlobal() || (v.Scope == dba.ScopeUnknown && r["GLOBAL_VALUE"] != nil)):
		v.Value = r["GLOBAL_VALUE"]
	case scope == dba.ScopeSession && (v.Scope.HasSession() || (v.Scope == dba.ScopeUnknown && r["SESSION_VALUE"] != nil)):
		v.Value = r["SESSION_VALUE"]
		if src == varsMariaDB {
			// GLOBAL_VALUE_ORIGIN is the global value's; the session
			// value's origin is not published.
			v.Origin, v.OriginPath = "", ""
		}
	default:
		return v, false
	}
	v.Changed = dba.ChangeOf(v)
	return v, true
}

func decodeMariaDBVariable(v *dba.Variable, r varsRow) {
	v.Scope = dba.ParseVarScope(r.str("VARIABLE_SCOPE"))
	v.ServerType = r.str("VARIABLE_TYPE")
	v.Type = dba.ParseVarType(v.ServerType)
	switch strings.ToUpper(r.str("READ_ONLY")) {
	case "NO":
		v.Dynamic = new(true)
	case "YES":
		v.Dynamic = new(false)
	}
	v.Min, v.Max = r.str("NUMERIC_MIN_VALUE"), r.str("NUMERIC_MAX_VALUE")
	if bs := r.str("NUMERIC_BLOCK_SIZE"); bs != "" && bs != "1" && bs != "0" {
		v.BlockSize = bs
	}
	if list := r.str("ENUM_VALUE_LIST"); list != "" && v.Type != dba.VarTypeBool {
		v.Allowed = strings.Split(list, ",")
	}
	v.Default = r["DEFAULT_VALUE"]
	v.Description = r.str("VARIABLE_COMMENT")
	v.Origin = r.str("GLOBAL_VALUE_ORIGIN")
	v.OriginPath = r.str("GLOBAL_VALUE_PATH")
}

func decodeMySQLVariable(v *dba.Variable, r varsRow) {
	v.Min, v.Max = r.str("MIN_VALUE"), r.str("MAX_VALUE")
	v.Origin = r.str("VARIABLE_SOURCE")
	v.OriginPath = r.str("VARIABLE_PATH")
	if t, err := time.ParseInLocation("2006-01-02 15:04:05.999999", r.str("SET_TIME"), time.UTC); err == nil {
		v.SetTime = &t
	}
	if u := r.str("SET_USER"); u != "" {
		v.SetBy = u
		if h := r.str("SET_HOST"); h != "" {
			v.SetBy += "@" + h
		}
	}
}

func isZero(s string) bool {
	r, ok := new(big.Rat).SetString(s)
	return s == "" || (ok && r.Sign() == 0)
}
