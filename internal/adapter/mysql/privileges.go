package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// grants is what the connected user holds: global privileges and
// per-schema privileges, upper-case as information_schema spells them.
type grants struct {
	global map[string]bool
	schema map[string]map[string]bool
}

func (g grants) has(priv string) bool { return g.global[priv] || g.global["ALL PRIVILEGES"] }

func (g grants) hasOn(schema, priv string) bool {
	return g.has(priv) || g.schema[schema][priv] || g.schema[schema]["ALL PRIVILEGES"]
}

// splitUser turns CURRENT_USER()'s user@host into its parts; the host is
// after the last '@' because user names may contain '@'.
func splitUser(current string) (user, host string) {
	i := strings.LastIndex(current, "@")
	if i < 0 {
		return current, ""
	}
	return current[:i], current[i+1:]
}

// grantee is the account in GRANT syntax and in information_schema's
// GRANTEE column: 'user'@'host'.
func grantee(current string) string {
	user, host := splitUser(current)
	return "'" + strings.ReplaceAll(user, "'", "''") + "'@'" + strings.ReplaceAll(host, "'", "''") + "'"
}

// privileges reads the user's own grants, plus those of enabled roles, from
// information_schema, which every user may read for themself.
func (d *DB) privileges(ctx context.Context, conn *sql.Conn, current string) (grants, error) {
	g := grants{global: map[string]bool{}, schema: map[string]map[string]bool{}}
	grantees := []any{grantee(current)}
	if d.server.IsMariaDB() {
		roles, err := queryRows(ctx, conn, 1, "/* mydba:conn-test */ SELECT ROLE_NAME FROM information_schema.ENABLED_ROLES WHERE ROLE_NAME IS NOT NULL")
		if err != nil {
			return g, d.callError("read enabled roles", err)
		}
		for _, r := range roles {
			// MariaDB lists role grants under 'role' with no host part.
			grantees = append(grantees, "'"+strings.ReplaceAll(r[0], "'", "''")+"'")
		}
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(grantees)), ",")
	global, err := queryRows(ctx, conn, 1, "/* mydba:conn-test */ SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE IN ("+ph+")", grantees...)
	if err != nil {
		return g, d.callError("read privileges", err)
	}
	for _, r := range global {
		g.global[strings.ToUpper(r[0])] = true
	}
	schema, err := queryRows(ctx, conn, 2, "/* mydba:conn-test */ SELECT TABLE_SCHEMA, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE IN ("+ph+")", grantees...)
	if err != nil {
		return g, d.callError("read privileges", err)
	}
	for _, r := range schema {
		if g.schema[r[0]] == nil {
			g.schema[r[0]] = map[string]bool{}
		}
		g.schema[r[0]][strings.ToUpper(r[1])] = true
	}
	return g, nil
}

// queryRows reads a small result of n string columns.
func queryRows(ctx context.Context, conn *sql.Conn, n int, q string, args ...any) ([][]string, error) {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]string, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// feature is one thing mydba does and the privileges that allow it on a
// given server. any lists alternatives: holding one of them is enough.
type feature struct {
	name string
	kind string
	// ok reports whether the grants allow the feature.
	ok func(grants) bool
	// need is the privilege to grant when it is missing, in the server's
	// spelling, and on is the object ("*.*" or "schema.*").
	need, on string
	note     string
}

// features lists, per server, what mydba needs. These are the grants the
// documentation (docs/privileges.md) asks for; a test checks the sandbox's
// least-privilege user lacks none of the read ones.
func features(s dba.Server) []feature {
	anyOf := func(privs ...string) func(grants) bool {
		return func(g grants) bool {
			for _, p := range privs {
				if g.has(p) {
					return true
				}
			}
			return false
		}
	}
	fs := []feature{
		{name: "browse schemas and tables, preview data, run read queries", kind: dba.FeatureRead, ok: anyOf("SELECT"), need: "SELECT", on: "*.*",
			note: "may be narrowed to the schemas you work on plus performance_schema"},
		{name: "list every schema", kind: dba.FeatureRead, ok: anyOf("SHOW DATABASES"), need: "SHOW DATABASES", on: "*.*"},
		{name: "see every session, transactions, lock waits and InnoDB status", kind: dba.FeatureRead, ok: anyOf("PROCESS"), need: "PROCESS", on: "*.*"},
		{name: "view definitions", kind: dba.FeatureRead, ok: anyOf("SHOW VIEW"), need: "SHOW VIEW", on: "*.*"},
		{name: "statement digests, waits and stages (performance_schema)", kind: dba.FeatureRead,
			ok: func(g grants) bool { return g.hasOn("performance_schema", "SELECT") }, need: "SELECT", on: "performance_schema.*"},
	}
	if s.IsMariaDB() {
		fs = append(fs,
			feature{name: "replication status of this server", kind: dba.FeatureRead, ok: anyOf("SLAVE MONITOR", "REPLICA MONITOR", "SUPER"), need: "SLAVE MONITOR", on: "*.*"},
			feature{name: "binary log status", kind: dba.FeatureRead, ok: anyOf("BINLOG MONITOR", "REPLICATION CLIENT", "SUPER"), need: "BINLOG MONITOR", on: "*.*"},
		)
		routine := feature{name: "stored routine definitions", kind: dba.FeatureRead, need: "SELECT", on: "mysql.proc",
			ok: func(g grants) bool { return g.has("SELECT") || g.hasOn("mysql", "SELECT") }}
		if s.Version.AtLeast(11, 3) {
			routine.ok = func(g grants) bool { return g.has("SELECT") || g.has("SHOW CREATE ROUTINE") }
			routine.need, routine.on = "SHOW CREATE ROUTINE", "*.*"
		}
		fs = append(fs, routine)
		kill := []string{"CONNECTION ADMIN"}
		if !s.Version.AtLeast(11, 0) {
			// Before 11.0 SUPER still implied the privileges split out of it.
			kill = append(kill, "SUPER")
		}
		fs = append(fs,
			feature{name: "kill other users' queries and connections", kind: dba.FeatureWrite, ok: anyOf(kill...), need: "CONNECTION ADMIN", on: "*.*"},
			feature{name: "change global variables", kind: dba.FeatureWrite, ok: anyOf("SUPER"), need: "SUPER", on: "*.*",
				note: "SUPER is broad; grant it only to the account used for changes"},
		)
	} else {
		fs = append(fs,
			feature{name: "replication and binary log status", kind: dba.FeatureRead, ok: anyOf("REPLICATION CLIENT", "SUPER"), need: "REPLICATION CLIENT", on: "*.*"},
			feature{name: "stored routine definitions", kind: dba.FeatureRead, ok: anyOf("SELECT", "SHOW_ROUTINE"), need: "SHOW_ROUTINE", on: "*.*"},
			feature{name: "kill other users' queries and connections", kind: dba.FeatureWrite, ok: anyOf("CONNECTION_ADMIN", "SUPER"), need: "CONNECTION_ADMIN", on: "*.*"},
			feature{name: "change global variables", kind: dba.FeatureWrite, ok: anyOf("SYSTEM_VARIABLES_ADMIN", "SUPER"), need: "SYSTEM_VARIABLES_ADMIN", on: "*.*"},
		)
	}
	fs = append(fs,
		feature{name: "trigger definitions", kind: dba.FeatureOptional, ok: anyOf("TRIGGER"), need: "TRIGGER", on: "*.*",
			note: "TRIGGER also allows creating and dropping triggers; without it trigger bodies are hidden"},
		feature{name: "event definitions", kind: dba.FeatureOptional, ok: anyOf("EVENT"), need: "EVENT", on: "*.*",
			note: "EVENT also allows creating and dropping events; without it event bodies are hidden"},
	)
	return fs
}

func missingPrivileges(s dba.Server, current string, g grants) []dba.PrivilegeGap {
	gaps := []dba.PrivilegeGap{}
	for _, f := range features(s) {
		if f.ok(g) {
			continue
		}
		gaps = append(gaps, dba.PrivilegeGap{
			Feature: f.name,
			Kind:    f.kind,
			Missing: []string{f.need},
			Grant:   fmt.Sprintf("GRANT %s ON %s TO %s;", f.need, f.on, grantee(current)),
			Note:    f.note,
		})
	}
	return gaps
}
