package dba

import (
	"errors"
	"math/big"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	yes, no := true, false
	maxConn := VariableMeta{Name: "max_connections", Type: VarTypeUint, Scope: ScopeGlobal, Dynamic: &yes, Min: "10", Max: "100000"}
	pool := VariableMeta{Name: "innodb_buffer_pool_size", Type: VarTypeUint, Scope: ScopeGlobal, Dynamic: &yes, Min: "2097152", Max: "18446744073701163008", BlockSize: "1048576"}
	uint64Var := VariableMeta{Name: "sql_select_limit", Type: VarTypeUint, Scope: ScopeBoth, Dynamic: &yes, Min: "0", Max: "18446744073709551615"}
	signed := VariableMeta{Name: "performance_schema_digests_size", Type: VarTypeInt, Scope: ScopeGlobal, Dynamic: &yes, Min: "-1", Max: "1048576"}
	unbounded := VariableMeta{Name: "some_int", Type: VarTypeInt, Scope: ScopeGlobal}
	unboundedU := VariableMeta{Name: "some_uint", Type: VarTypeUint, Scope: ScopeGlobal}
	lqt := VariableMeta{Name: "long_query_time", Type: VarTypeDouble, Scope: ScopeBoth, Dynamic: &yes, Min: "0", Max: "31536000"}
	ps := VariableMeta{Name: "performance_schema", Type: VarTypeBool, Scope: ScopeGlobal, Dynamic: &no}
	slow := VariableMeta{Name: "slow_query_log", Type: VarTypeBool, Scope: ScopeBoth, Dynamic: &yes}
	bf := VariableMeta{Name: "binlog_format", Type: VarTypeEnum, Scope: ScopeBoth, Dynamic: &yes, Allowed: []string{"MIXED", "STATEMENT", "ROW"}}
	bfMySQL := VariableMeta{Name: "binlog_format", Type: VarTypeEnum, Scope: ScopeBoth}
	sqlMode := VariableMeta{Name: "sql_mode", Type: VarTypeSet, Scope: ScopeBoth, Dynamic: &yes, Allowed: []string{"REAL_AS_FLOAT", "ANSI_QUOTES", "STRICT_TRANS_TABLES", "NO_ENGINE_SUBSTITUTION"}}
	optSwitch := VariableMeta{Name: "optimizer_switch", Type: VarTypeFlagset, Scope: ScopeBoth, Dynamic: &yes, Allowed: []string{"index_merge", "mrr", "default"}}
	pseudo := VariableMeta{Name: "pseudo_thread_id", Type: VarTypeUint, Scope: ScopeSession, Dynamic: &yes, Min: "0", Max: "4294967295"}
	str := VariableMeta{Name: "init_connect", Type: VarTypeString, Scope: ScopeGlobal, Dynamic: &yes}
	mysql8 := VariableMeta{Name: "max_connections", Min: "1", Max: "100000"}
	mysql8str := VariableMeta{Name: "init_connect"}

	tests := []struct {
		name    string
		meta    VariableMeta
		scope   VarScope
		value   string
		want    string
		wantErr string
	}{
		{"int", maxConn, ScopeGlobal, "500", "500", ""},
		{"int trimmed", maxConn, ScopeGlobal, "  500 ", "500", ""},
		{"int plus sign", maxConn, ScopeGlobal, "+500", "500", ""},
		{"int at min", maxConn, ScopeGlobal, "10", "10", ""},
		{"int at max", maxConn, ScopeGlobal, "100000", "100000", ""},
		{"int below min", maxConn, ScopeGlobal, "9", "", "9 is below the minimum 10"},
		{"int above max", maxConn, ScopeGlobal, "100001", "", "100001 is above the maximum 100000"},
		{"int negative unsigned", maxConn, ScopeGlobal, "-1", "", "negative"},
		{"int suffix K", maxConn, ScopeGlobal, "1k", "1024", ""},
		{"int suffix above max", maxConn, ScopeGlobal, "1M", "", "1048576 is above the maximum 100000"},
		{"int fraction", maxConn, ScopeGlobal, "1.5", "", "not a whole number"},
		{"int fraction suffix", maxConn, ScopeGlobal, "1.5G", "", "not a whole number"},
		{"int two signs", maxConn, ScopeGlobal, "--5", "", "not a whole number"},
		{"int empty", maxConn, ScopeGlobal, "", "", "not a whole number"},
		{"int word", maxConn, ScopeGlobal, "many", "", "not a whole number"},
		{"int hex", maxConn, ScopeGlobal, "0x10", "", "not a whole number"},
		{"size G", pool, ScopeGlobal, "1G", "1073741824", ""},
		{"size T within max", pool, ScopeGlobal, "2T", "2199023255552", ""},
		{"size not on block", pool, ScopeGlobal, "1000000000", "", "not a multiple of 1048576; the server would round it down to 999292928 (use 999292928 or 1000341504)"},
		{"size below min", pool, ScopeGlobal, "1M", "", "below the minimum 2097152"},
		{"uint64 max", uint64Var, ScopeSession, "18446744073709551615", "18446744073709551615", ""},
		{"uint64 overflow", uint64Var, ScopeSession, "18446744073709551616", "", "above the maximum"},
		{"uint64 via E suffix", uint64Var, ScopeSession, "15E", "17293822569102704640", ""},
		{"uint64 16E overflows", uint64Var, ScopeSession, "16E", "", "above the maximum"},
		{"signed -1", signed, ScopeGlobal, "-1", "-1", ""},
		{"signed below", signed, ScopeGlobal, "-2", "", "below the minimum -1"},
		{"unbounded int64 max", unbounded, ScopeGlobal, "9223372036854775807", "9223372036854775807", ""},
		{"unbounded int64 overflow", unbounded, ScopeGlobal, "9223372036854775808", "", "does not fit"},
		{"unbounded uint64 overflow", unboundedU, ScopeGlobal, "18446744073709551616", "", "does not fit"},
		{"double", lqt, ScopeGlobal, "0.5", "0.5", ""},
		{"double int", lqt, ScopeGlobal, "10", "10", ""},
		{"double exponent", lqt, ScopeGlobal, "1e3", "1000", ""},
		{"double negative", lqt, ScopeGlobal, "-0.1", "", "below the minimum 0"},
		{"double too big", lqt, ScopeGlobal, "31536000.5", "", "above the maximum 31536000"},
		{"double NaN", lqt, ScopeGlobal, "NaN", "", "not a decimal number"},
		{"double Inf", lqt, ScopeGlobal, "inf", "", "not a decimal number"},
		{"double hex", lqt, ScopeGlobal, "0x1p3", "", "not a decimal number"},
		{"double suffix", lqt, ScopeGlobal, "1K", "", "not a decimal number"},
		{"bool ON", slow, ScopeGlobal, "on", "ON", ""},
		{"bool 1", slow, ScopeGlobal, "1", "ON", ""},
		{"bool TRUE", slow, ScopeSession, "True", "ON", ""},
		{"bool 0", slow, ScopeGlobal, "0", "OFF", ""},
		{"bool FALSE", slow, ScopeGlobal, "false", "OFF", ""},
		{"bool YES refused", slow, ScopeGlobal, "yes", "", "not a boolean"},
		{"bool 2 refused", slow, ScopeGlobal, "2", "", "not a boolean"},
		{"read-only", ps, ScopeGlobal, "OFF", "", "performance_schema is read-only at runtime"},
		{"enum", bf, ScopeGlobal, "row", "ROW", ""},
		{"enum position", bf, ScopeGlobal, "2", "ROW", ""},
		{"enum position out of range", bf, ScopeGlobal, "3", "", "not a position from 0 to 2"},
		{"enum typo suggests", bf, ScopeGlobal, "ROWS", "", `did you mean "ROW"?`},
		{"enum empty", bf, ScopeGlobal, "", "", "the value is empty"},
		{"enum without members (MySQL)", bfMySQL, ScopeGlobal, "row", "row", ""},
		{"set", sqlMode, ScopeGlobal, "no_engine_substitution,strict_trans_tables", "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION", ""},
		{"set duplicates and spaces", sqlMode, ScopeGlobal, " ANSI_QUOTES , ansi_quotes,", "ANSI_QUOTES", ""},
		{"set empty is valid", sqlMode, ScopeSession, "", "", ""},
		{"set unknown member", sqlMode, ScopeGlobal, "STRICT_TRANS_TABLE", "", `"STRICT_TRANS_TABLE" is not a member of this set`},
		{"flagset", optSwitch, ScopeSession, "MRR=ON, index_merge=off", "mrr=on,index_merge=off", ""},
		{"flagset default", optSwitch, ScopeSession, "default", "default", ""},
		{"flagset bad state", optSwitch, ScopeSession, "mrr=yes", "", "not flag=on"},
		{"flagset unknown flag", optSwitch, ScopeSession, "mrx=on", "", `unknown flag "mrx" (did you mean "mrr"?)`},
		{"flagset empty", optSwitch, ScopeSession, "", "", "the value is empty"},
		{"session-only globally", pseudo, ScopeGlobal, "1", "", "session-only"},
		{"session-only in session", pseudo, ScopeSession, "1", "1", ""},
		{"global-only in session", maxConn, ScopeSession, "500", "", "global-only"},
		{"bad target scope", maxConn, ScopeBoth, "500", "", "set the global or the session value"},
		{"string kept as is", str, ScopeGlobal, " SET NAMES utf8mb4 ", " SET NAMES utf8mb4 ", ""},
		{"string NUL", str, ScopeGlobal, "a\x00b", "", "NUL byte"},
		{"too long", str, ScopeGlobal, strings.Repeat("x", 65537), "", "longer than 65536 bytes"},
		{"mysql 8 range without type", mysql8, ScopeGlobal, "2K", "2048", ""},
		{"mysql 8 range below", mysql8, ScopeGlobal, "0", "", "below the minimum 1"},
		{"mysql 8 range word", mysql8, ScopeGlobal, "lots", "", "not a number (the server publishes a range from 1 to 100000)"},
		{"mysql 8 no metadata", mysql8str, ScopeGlobal, "anything at all", "anything at all", ""},
		{"no name", VariableMeta{}, ScopeGlobal, "1", "", "variable name is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Validate(tt.meta, tt.scope, tt.value)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Validate = %q, want error %q", got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("error %q, want %q (ErrInvalid)", err, tt.wantErr)
				}
				if got != "" {
					t.Errorf("a refused value came back as %q", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if got != tt.want {
				t.Errorf("Validate = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzValidate: whatever the value and metadata, Validate does not panic,
// an accepted value passes again unchanged (normalising is idempotent), and
// an accepted number lies within the published range.
func FuzzValidate(f *testing.F) {
	f.Add("uint", "10", "100000", "1048576", "MIXED,ROW", "1M")
	f.Add("int", "-1", "", "", "", "-5")
	f.Add("double", "0", "31536000", "", "", "1e3")
	f.Add("bool", "", "", "", "", "TRUE")
	f.Add("enum", "", "", "", "MIXED,STATEMENT,ROW", "1")
	f.Add("set", "", "", "", "A,B,C", "c,a,")
	f.Add("flagset", "", "", "", "x,y,default", "Y=on,default")
	f.Add("", "1", "100", "", "", "7K")
	f.Add("string", "", "", "", "", "x")
	f.Fuzz(func(t *testing.T, typ, lo, hi, block, allowed, value string) {
		meta := VariableMeta{Name: "v", Type: VarType(typ), Min: lo, Max: hi, BlockSize: block}
		if allowed != "" {
			meta.Allowed = strings.Split(allowed, ",")
		}
		got, err := Validate(meta, ScopeGlobal, value)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not ErrInvalid: %v", err)
			}
			return
		}
		again, err := Validate(meta, ScopeGlobal, got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", value, got, again, err)
		}
		if meta.Type.IsNumeric() {
			x, ok := new(big.Rat).SetString(got)
			if !ok {
				t.Fatalf("numeric result %q does not parse", got)
			}
			if l, ok := new(big.Rat).SetString(lo); ok && x.Cmp(l) < 0 {
				t.Fatalf("%q below min %q", got, lo)
			}
			if h, ok := new(big.Rat).SetString(hi); ok && x.Cmp(h) > 0 {
				t.Fatalf("%q above max %q", got, hi)
			}
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	yes := true
	metas := []struct {
		meta  VariableMeta
		value string
	}{
		{VariableMeta{Name: "innodb_buffer_pool_size", Type: VarTypeUint, Scope: ScopeGlobal, Dynamic: &yes, Min: "2097152", Max: "18446744073701163008", BlockSize: "1048576"}, "8G"},
		{VariableMeta{Name: "sql_mode", Type: VarTypeSet, Scope: ScopeBoth, Dynamic: &yes, Allowed: []string{"REAL_AS_FLOAT", "ANSI_QUOTES", "STRICT_TRANS_TABLES", "NO_ENGINE_SUBSTITUTION"}}, "strict_trans_tables,no_engine_substitution"},
		{VariableMeta{Name: "long_query_time", Type: VarTypeDouble, Scope: ScopeBoth, Dynamic: &yes, Min: "0", Max: "31536000"}, "0.25"},
	}
	for b.Loop() {
		for _, m := range metas {
			if _, err := Validate(m.meta, ScopeGlobal, m.value); err != nil {
				b.Fatal(err)
			}
		}
	}
}
