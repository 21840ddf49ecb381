package mysql

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/sqltext"
)

var updateVars = flag.Bool("update-vars", false, "rewrite the system-variable golden files")

func TestVariablesSQLPerVersion(t *testing.T) {
	tests := []struct {
		version, comment string
		want             varsSource
		table            string
	}{
		{"10.6.16-MariaDB", "", varsMariaDB, "information_schema.SYSTEM_VARIABLES"},
		{"10.11.19-MariaDB-0+deb12u1-log", "Debian 12", varsMariaDB, "information_schema.SYSTEM_VARIABLES"},
		{"11.4.2-MariaDB", "", varsMariaDB, "information_schema.SYSTEM_VARIABLES"},
		{"8.0.36", "MySQL Community Server - GPL", varsMySQL8, "performance_schema.variables_info"},
		{"8.0.22-13", "Percona Server (GPL), Release 13", varsMySQL8, "performance_schema.variables_info"},
		{"8.4.3", "MySQL Community Server - GPL", varsMySQL8, "performance_schema.variables_info"},
		{"9.0.1", "MySQL Community Server - GPL", varsMySQL9, "performance_schema.variables_metadata"},
		{"9.7.1", "MySQL Community Server - GPL", varsMySQL9, "performance_schema.variables_metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			s, err := dba.DetectServer(tt.version, tt.comment)
			if err != nil {
				t.Fatal(err)
			}
			q, src := variablesSQL(s)
			if src != tt.want {
				t.Errorf("source = %d, want %d", src, tt.want)
			}
			if !strings.HasPrefix(q, "/* mydba:vars */ ") || !strings.Contains(q, tt.table) || !strings.Contains(q, "LIKE ? ESCAPE '!'") {
				t.Errorf("statement:\n%s", q)
			}
			// The MySQL statements cannot run here; a real parser at least
			// proves them well-formed MySQL and read-only.
			if c := sqltext.NewClassifier().Classify(q); !c.IsRead() {
				t.Errorf("statement does not parse as a read: %+v\n%s", c, q)
			}
		})
	}
}

// readVarsFixture reads a tab-separated fixture with a header line; the
// text NULL is SQL NULL.
func readVarsFixture(t *testing.T, name string) []varsRow {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "variables", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var header []string
	var rows []varsRow
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = fields
			continue
		}
		if len(fields) != len(header) {
			t.Fatalf("%s: %d fields, header has %d: %q", name, len(fields), len(header), sc.Text())
		}
		r := varsRow{}
		for i, h := range header {
			if fields[i] != "NULL" {
				v := fields[i]
				r[h] = &v
			} else {
				r[h] = nil
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func varsGolden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", "variables", name+".golden.json")
	if *updateVars {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Decode -update-vars to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestDecodeVariablesFixtures(t *testing.T) {
	fixtures := []struct {
		file string
		src  varsSource
	}{
		{"mariadb-10.11-system-variables.tsv", varsMariaDB},
		{"mysql-8.0-variables.tsv", varsMySQL8},
		{"mysql-9.7-variables.tsv", varsMySQL9},
	}
	for _, fx := range fixtures {
		for _, scope := range []dba.VarScope{dba.ScopeGlobal, dba.ScopeSession} {
			name := strings.TrimSuffix(fx.file, ".tsv") + "-" + string(scope)
			t.Run(name, func(t *testing.T) {
				var got []dba.Variable
				for _, r := range readVarsFixture(t, fx.file) {
					if v, ok := decodeVariable(fx.src, scope, r); ok {
						got = append(got, v)
					}
				}
				varsGolden(t, name, got)
			})
		}
	}
}

// TestDecodeVariablesFacts pins the facts the golden files carry, so a
// careless -update-vars cannot bless a regression.
func TestDecodeVariablesFacts(t *testing.T) {
	find := func(t *testing.T, file string, src varsSource, scope dba.VarScope, name string) (dba.Variable, bool) {
		t.Helper()
		for _, r := range readVarsFixture(t, file) {
			if v, ok := decodeVariable(src, scope, r); ok && v.Name == name {
				return v, true
			}
		}
		return dba.Variable{}, false
	}
	maria := "mariadb-10.11-system-variables.tsv"
	tests := []struct {
		name  string
		file  string
		src   varsSource
		scope dba.VarScope
		vname string
		check func(t *testing.T, v dba.Variable)
	}{
		{"mariadb max_connections", maria, varsMariaDB, dba.ScopeGlobal, "max_connections", func(t *testing.T, v dba.Variable) {
			want := dba.VariableMeta{Name: "max_connections", Type: dba.VarTypeUint, ServerType: "BIGINT UNSIGNED", Scope: dba.ScopeGlobal, Dynamic: new(true), Min: "10", Max: "100000", Default: new("151"), Description: "The number of simultaneous clients allowed"}
			if diff := cmp.Diff(want, v.VariableMeta); diff != "" {
				t.Error(diff)
			}
			if *v.Value != "2000" || v.Origin != "CONFIG" || v.Changed != dba.ChangeSet || !strings.HasSuffix(v.OriginPath, "/my.cnf") {
				t.Errorf("value %q origin %q %q changed %q", *v.Value, v.Origin, v.OriginPath, v.Changed)
			}
		}},
		{"mariadb performance_schema is read-only", maria, varsMariaDB, dba.ScopeGlobal, "performance_schema", func(t *testing.T, v dba.Variable) {
			if v.Dynamic == nil || *v.Dynamic || v.Type != dba.VarTypeBool || v.Allowed != nil {
				t.Errorf("%+v", v.VariableMeta)
			}
		}},
		{"mariadb server_id set to its default is changed", maria, varsMariaDB, dba.ScopeGlobal, "server_id", func(t *testing.T, v dba.Variable) {
			if v.Changed != dba.ChangeSet {
				t.Errorf("changed = %q", v.Changed)
			}
		}},
		{"mariadb back_log auto-sized differs", maria, varsMariaDB, dba.ScopeGlobal, "back_log", func(t *testing.T, v dba.Variable) {
			if v.Changed != dba.ChangeDiffers || v.Origin != "AUTO" {
				t.Errorf("changed = %q origin %q", v.Changed, v.Origin)
			}
		}},
		{"mariadb tmpdir computed path is not a change", maria, varsMariaDB, dba.ScopeGlobal, "tmpdir", func(t *testing.T, v dba.Variable) {
			if v.Changed != "" {
				t.Errorf("changed = %q", v.Changed)
			}
		}},
		{"mariadb innodb_buffer_pool_size block size", maria, varsMariaDB, dba.ScopeGlobal, "innodb_buffer_pool_size", func(t *testing.T, v dba.Variable) {
			if v.BlockSize != "1048576" || v.Max != "18446744073701163008" {
				t.Errorf("%+v", v.VariableMeta)
			}
		}},
		{"mariadb sql_mode is a set", maria, varsMariaDB, dba.ScopeGlobal, "sql_mode", func(t *testing.T, v dba.Variable) {
			if v.Type != dba.VarTypeSet || len(v.Allowed) < 20 || v.Changed != "" {
				t.Errorf("type %q, %d members, changed %q", v.Type, len(v.Allowed), v.Changed)
			}
		}},
		{"mariadb pseudo_thread_id only in session view", maria, varsMariaDB, dba.ScopeSession, "pseudo_thread_id", func(t *testing.T, v dba.Variable) {
			if v.Scope != dba.ScopeSession || v.Value == nil || v.Origin != "" {
				t.Errorf("%+v", v)
			}
		}},
		{"mysql 8.0 persisted max_connections", "mysql-8.0-variables.tsv", varsMySQL8, dba.ScopeGlobal, "max_connections", func(t *testing.T, v dba.Variable) {
			if v.Scope != dba.ScopeGlobal || v.Type != dba.VarTypeUnknown || v.Dynamic != nil || v.Default != nil || v.Min != "1" || v.Max != "100000" || v.Changed != dba.ChangeSet || v.Origin != "PERSISTED" {
				t.Errorf("%+v", v)
			}
		}},
		{"mysql 8.0 zero range means none", "mysql-8.0-variables.tsv", varsMySQL8, dba.ScopeGlobal, "event_scheduler", func(t *testing.T, v dba.Variable) {
			if v.Min != "" || v.Max != "" {
				t.Errorf("range %q..%q", v.Min, v.Max)
			}
		}},
		{"mysql 8.0 set by and when", "mysql-8.0-variables.tsv", varsMySQL8, dba.ScopeGlobal, "innodb_io_capacity", func(t *testing.T, v dba.Variable) {
			if v.SetBy != "root@localhost" || v.SetTime == nil || v.SetTime.Format("2006-01-02 15:04:05.000000") != "2021-12-15 17:22:59.475477" {
				t.Errorf("set by %q at %v", v.SetBy, v.SetTime)
			}
		}},
		{"mysql 8.0 compiled is unchanged", "mysql-8.0-variables.tsv", varsMySQL8, dba.ScopeGlobal, "innodb_fast_shutdown", func(t *testing.T, v dba.Variable) {
			if v.Changed != "" {
				t.Errorf("changed = %q", v.Changed)
			}
		}},
		{"mysql 8.0 session-only", "mysql-8.0-variables.tsv", varsMySQL8, dba.ScopeSession, "pseudo_thread_id", func(t *testing.T, v dba.Variable) {
			if v.Scope != dba.ScopeSession || *v.Value != "8" {
				t.Errorf("%+v", v)
			}
		}},
		{"mysql 9 types and scope", "mysql-9.7-variables.tsv", varsMySQL9, dba.ScopeGlobal, "max_connections", func(t *testing.T, v dba.Variable) {
			if v.Type != dba.VarTypeUint || v.ServerType != "Integer" || v.Scope != dba.ScopeGlobal || v.Dynamic != nil {
				t.Errorf("%+v", v.VariableMeta)
			}
		}},
		{"mysql 9 enum without members", "mysql-9.7-variables.tsv", varsMySQL9, dba.ScopeGlobal, "binlog_format", func(t *testing.T, v dba.Variable) {
			if v.Type != dba.VarTypeEnum || v.Scope != dba.ScopeBoth || v.Allowed != nil {
				t.Errorf("%+v", v.VariableMeta)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := find(t, tt.file, tt.src, tt.scope, tt.vname)
			if !ok {
				t.Fatalf("%s not decoded in %s scope", tt.vname, tt.scope)
			}
			tt.check(t, v)
		})
	}
	for _, scope := range []dba.VarScope{dba.ScopeGlobal} {
		if _, ok := find(t, maria, varsMariaDB, scope, "pseudo_thread_id"); ok {
			t.Error("session-only pseudo_thread_id listed in the global view")
		}
	}
	if _, ok := find(t, maria, varsMariaDB, dba.ScopeSession, "max_connections"); ok {
		t.Error("global-only max_connections listed in the session view")
	}
}

// FuzzDecodeVariable feeds arbitrary column text: decoding never panics and
// a decoded variable has a lower-case name and a value in the scope asked.
func FuzzDecodeVariable(f *testing.F) {
	f.Add("MAX_CONNECTIONS", "GLOBAL", "BIGINT UNSIGNED", "2000", "151", "CONFIG", "10", "100000", "1", "NO", "0", "2021-12-15 17:22:59.475477")
	f.Add("sql_mode", "SESSION", "SET", "A,B", "", "COMPILE-TIME", "", "", "", "YES", "1", "")
	f.Add("x", "SESSION_ONLY", "Integer", "", "8", "DYNAMIC", "-5", "x", "0", "", "", "bad time")
	f.Fuzz(func(t *testing.T, name, scope, typ, global, def, origin, lo, hi, block, ro, has, setTime string) {
		r := varsRow{}
		set := func(k, v string) {
			if v != "" {
				r[k] = &v
			}
		}
		for _, kv := range [][2]string{
			{"VARIABLE_NAME", name}, {"VARIABLE_SCOPE", scope}, {"VARIABLE_TYPE", typ}, {"DATA_TYPE", typ},
			{"GLOBAL_VALUE", global}, {"SESSION_VALUE", global}, {"DEFAULT_VALUE", def}, {"GLOBAL_VALUE_ORIGIN", origin},
			{"VARIABLE_SOURCE", origin}, {"NUMERIC_MIN_VALUE", lo}, {"MIN_VALUE", lo}, {"NUMERIC_MAX_VALUE", hi}, {"MAX_VALUE", hi},
			{"NUMERIC_BLOCK_SIZE", block}, {"ENUM_VALUE_LIST", def}, {"READ_ONLY", ro}, {"HAS_SESSION", has}, {"THREAD_KNOWN", has},
			{"SET_TIME", setTime}, {"SET_USER", origin}, {"SET_HOST", typ},
		} {
			set(kv[0], kv[1])
		}
		for _, src := range []varsSource{varsMariaDB, varsMySQL8, varsMySQL9} {
			for _, sc := range []dba.VarScope{dba.ScopeGlobal, dba.ScopeSession} {
				v, ok := decodeVariable(src, sc, r)
				if !ok {
					continue
				}
				if v.Name != strings.ToLower(v.Name) {
					t.Fatalf("name %q not lower-case", v.Name)
				}
				if v.Value == nil && r["GLOBAL_VALUE"] != nil {
					t.Fatalf("lost the value of %q", name)
				}
				// Whatever the server said, Validate must not panic on it.
				_, _ = dba.Validate(v.VariableMeta, sc, global)
			}
		}
	})
}

func TestVariablesSandbox(t *testing.T) {
	db := open(t, params(dbtest.LeastPriv(t)))
	ctx := context.Background()
	get := func(t *testing.T, scope dba.VarScope, pattern string) []dba.Variable {
		t.Helper()
		like, err := dba.VariableLike(pattern)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := db.Variables(ctx, scope, like)
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	one := func(t *testing.T, name string) dba.Variable {
		t.Helper()
		for _, v := range get(t, dba.ScopeGlobal, name) {
			if v.Name == name {
				return v
			}
		}
		t.Fatalf("%s not found", name)
		return dba.Variable{}
	}
	t.Run("known variables", func(t *testing.T) {
		mc := one(t, "max_connections")
		if mc.Type != dba.VarTypeUint || mc.Min != "10" || mc.Max != "100000" || mc.Dynamic == nil || !*mc.Dynamic || mc.Scope != dba.ScopeGlobal || *mc.Value != "2000" {
			t.Errorf("max_connections: %+v", mc)
		}
		bp := one(t, "innodb_buffer_pool_size")
		if *bp.Value != "268435456" || bp.Type != dba.VarTypeUint || bp.Default == nil {
			t.Errorf("innodb_buffer_pool_size: %+v", bp)
		}
		ps := one(t, "performance_schema")
		if ps.Dynamic == nil || *ps.Dynamic || ps.Type != dba.VarTypeBool {
			t.Errorf("performance_schema: %+v", ps.VariableMeta)
		}
		sm := one(t, "sql_mode")
		if sm.Type != dba.VarTypeSet || len(sm.Allowed) == 0 || sm.Scope != dba.ScopeBoth {
			t.Errorf("sql_mode: %+v", sm.VariableMeta)
		}
		bf := one(t, "binlog_format")
		if bf.Type != dba.VarTypeEnum || !cmp.Equal(bf.Allowed, []string{"MIXED", "STATEMENT", "ROW"}) {
			t.Errorf("binlog_format: %+v", bf.VariableMeta)
		}
	})
	t.Run("changed by the sandbox config", func(t *testing.T) {
		// The least-privilege user sees where a value came from but not the
		// option file's path: MariaDB shows GLOBAL_VALUE_PATH only to users
		// with the FILE privilege. Root sees it.
		root := open(t, params(dbtest.Primary(t)))
		for _, c := range []struct {
			name     string
			db       *DB
			wantPath bool
		}{{"least privilege", db, false}, {"root", root, true}} {
			vs, err := c.db.Variables(ctx, dba.ScopeGlobal, "%")
			if err != nil {
				t.Fatal(err)
			}
			changed := map[string]dba.Variable{}
			for _, v := range vs {
				if v.Changed != "" {
					changed[v.Name] = v
				}
			}
			for _, name := range []string{"long_query_time", "slow_query_log", "performance_schema", "server_id", "max_connections"} {
				v, ok := changed[name]
				if !ok {
					t.Errorf("%s: %s not listed as changed", c.name, name)
					continue
				}
				if v.Origin != "CONFIG" || v.Changed != dba.ChangeSet || strings.HasSuffix(v.OriginPath, "my.cnf") != c.wantPath {
					t.Errorf("%s: %s: origin %q %q changed %q", c.name, name, v.Origin, v.OriginPath, v.Changed)
				}
			}
			if _, ok := changed["autocommit"]; ok {
				t.Errorf("%s: autocommit at its default listed as changed", c.name)
			}
		}
	})
	t.Run("patterns", func(t *testing.T) {
		names := func(vs []dba.Variable) []string {
			var out []string
			for _, v := range vs {
				out = append(out, v.Name)
			}
			return out
		}
		tests := []struct {
			pattern string
			want    []string
		}{
			{"ax_connections", []string{"extra_max_connections", "max_connections"}},
			{"MAX_CONNECTIONS", []string{"extra_max_connections", "max_connections"}},
			{"max\\_connections", nil},
			{"max_conn", []string{"extra_max_connections", "max_connect_errors", "max_connections"}},
			{"max%connections", []string{"max_connections", "max_user_connections"}},
			{"max_conn%", []string{"max_connect_errors", "max_connections"}},
			{"no_such_variable", nil},
			{"'; SELECT 1; --", nil},
			{"100%!", nil},
		}
		for _, tt := range tests {
			if diff := cmp.Diff(tt.want, names(get(t, dba.ScopeGlobal, tt.pattern))); diff != "" {
				t.Errorf("pattern %q (-want +got):\n%s", tt.pattern, diff)
			}
		}
	})
	t.Run("session scope is mydba's own session", func(t *testing.T) {
		got := map[string]string{}
		for _, v := range get(t, dba.ScopeSession, "") {
			if v.Value != nil {
				got[v.Name] = *v.Value
			}
		}
		if got["transaction_read_only"] != "ON" && got["tx_read_only"] != "ON" {
			t.Errorf("session view does not show the read-only session: %q %q", got["transaction_read_only"], got["tx_read_only"])
		}
		if _, ok := got["max_connections"]; ok {
			t.Error("global-only max_connections in the session view")
		}
	})
	t.Run("validate against the server's metadata", func(t *testing.T) {
		tests := []struct {
			name, value string
			scope       dba.VarScope
			want        string
			wantErr     string
		}{
			{"max_connections", "5", dba.ScopeGlobal, "", "below the minimum 10"},
			{"max_connections", "1K", dba.ScopeGlobal, "1024", ""},
			{"max_connections", "500", dba.ScopeSession, "", "global-only"},
			{"performance_schema", "OFF", dba.ScopeGlobal, "", "read-only at runtime"},
			{"pseudo_thread_id", "1", dba.ScopeGlobal, "", "session-only"},
			{"binlog_format", "row", dba.ScopeGlobal, "ROW", ""},
			{"sql_mode", "no_engine_substitution, strict_trans_tables", dba.ScopeSession, "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION", ""},
			{"innodb_buffer_pool_size", "300M", dba.ScopeGlobal, "314572800", ""},
			{"innodb_buffer_pool_size", "1000000000", dba.ScopeGlobal, "", "not a multiple of 1048576"},
			{"long_query_time", "0.5", dba.ScopeGlobal, "0.5", ""},
			{"slow_query_log", "true", dba.ScopeGlobal, "ON", ""},
		}
		metas := map[string]dba.VariableMeta{}
		for _, v := range get(t, dba.ScopeGlobal, "") {
			metas[v.Name] = v.VariableMeta
		}
		for _, v := range get(t, dba.ScopeSession, "") {
			if _, ok := metas[v.Name]; !ok {
				metas[v.Name] = v.VariableMeta
			}
		}
		for _, tt := range tests {
			meta, ok := metas[tt.name]
			if !ok {
				t.Fatalf("no metadata for %s", tt.name)
			}
			got, err := dba.Validate(meta, tt.scope, tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, dba.ErrInvalid) {
					t.Errorf("Validate(%s, %q) err = %v, want %q", tt.name, tt.value, err, tt.wantErr)
				}
				continue
			}
			if err != nil || got != tt.want {
				t.Errorf("Validate(%s, %q) = %q, %v; want %q", tt.name, tt.value, got, err, tt.want)
			}
		}
	})
}
