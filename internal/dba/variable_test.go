package dba

import (
	"errors"
	"testing"
)

func TestParseVarTypeAndScope(t *testing.T) {
	types := map[string]VarType{
		"BIGINT UNSIGNED": VarTypeUint, "INT UNSIGNED": VarTypeUint, "BIGINT": VarTypeInt, "INT": VarTypeInt,
		"Integer": VarTypeInt, "DOUBLE": VarTypeDouble, "Numeric": VarTypeDouble, "BOOLEAN": VarTypeBool, "Boolean": VarTypeBool,
		"ENUM": VarTypeEnum, "Enumeration": VarTypeEnum, "SET": VarTypeSet, "Set": VarTypeSet, "FLAGSET": VarTypeFlagset,
		"VARCHAR": VarTypeString, "String": VarTypeString, "": VarTypeUnknown, "BLOB": VarTypeUnknown,
	}
	for in, want := range types {
		if got := ParseVarType(in); got != want {
			t.Errorf("ParseVarType(%q) = %q, want %q", in, got, want)
		}
	}
	scopes := map[string]VarScope{
		"GLOBAL": ScopeGlobal, "SESSION": ScopeBoth, "SESSION ONLY": ScopeSession, "SESSION_ONLY": ScopeSession, "both": ScopeBoth, "": ScopeUnknown, "x": ScopeUnknown,
	}
	for in, want := range scopes {
		if got := ParseVarScope(in); got != want {
			t.Errorf("ParseVarScope(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSameValue(t *testing.T) {
	tests := []struct {
		typ  VarType
		a, b string
		want bool
	}{
		{VarTypeDouble, "10", "10.000000", true},
		{VarTypeDouble, "0.000000", "10.000000", false},
		{VarTypeUint, "18446744073709551615", "18446744073709551615", true},
		{VarTypeUint, "18446744073709551615", "18446744073709551614", false},
		{VarTypeInt, "-1", "-1.0", true},
		{VarTypeBool, "ON", "1", true},
		{VarTypeBool, "on", "TRUE", true},
		{VarTypeBool, "OFF", "ON", false},
		{VarTypeBool, "ON", "maybe", false},
		{VarTypeEnum, "row", "ROW", true},
		{VarTypeEnum, "ROW", "MIXED", false},
		{VarTypeSet, "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION", "no_engine_substitution, strict_trans_tables", true},
		{VarTypeSet, "A,B", "A", false},
		{VarTypeSet, "", "", true},
		{VarTypeFlagset, "a=on,b=off", "b=off,a=on", true},
		{VarTypeString, "/tmp", "/tmp/", false},
		{VarTypeString, " x ", "x", true},
		{VarTypeUnknown, "1", "ON", true},
		{VarTypeUnknown, "100", "100.0", true},
		{VarTypeUnknown, "a,b", "b,a", true},
		{VarTypeUnknown, "abc", "abd", false},
	}
	for _, tt := range tests {
		if got := SameValue(tt.typ, tt.a, tt.b); got != tt.want {
			t.Errorf("SameValue(%s, %q, %q) = %v, want %v", tt.typ, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestChangeOf(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		v    Variable
		want string
	}{
		{"config equal to default", Variable{VariableMeta: VariableMeta{Type: VarTypeUint, Default: s("1")}, Value: s("1"), Origin: "CONFIG"}, ChangeSet},
		{"sql", Variable{VariableMeta: VariableMeta{Type: VarTypeUint, Default: s("1")}, Value: s("2"), Origin: "SQL"}, ChangeSet},
		{"mysql persisted", Variable{Value: s("200"), Origin: "PERSISTED"}, ChangeSet},
		{"mysql compiled", Variable{Value: s("151"), Origin: "COMPILED"}, ""},
		{"auto-sized", Variable{VariableMeta: VariableMeta{Type: VarTypeUint, Default: s("150")}, Value: s("450"), Origin: "AUTO"}, ChangeDiffers},
		{"auto equal", Variable{VariableMeta: VariableMeta{Type: VarTypeDouble, Default: s("10")}, Value: s("10.000000"), Origin: "AUTO"}, ""},
		{"computed path with empty default", Variable{VariableMeta: VariableMeta{Type: VarTypeString, Default: s("")}, Value: s("/tmp"), Origin: "COMPILE-TIME"}, ""},
		{"no default published", Variable{VariableMeta: VariableMeta{Type: VarTypeString}, Value: s("x"), Origin: "COMPILE-TIME"}, ""},
		{"no value", Variable{VariableMeta: VariableMeta{Default: s("0")}, Origin: "COMPILE-TIME"}, ""},
		{"bool spelled differently", Variable{VariableMeta: VariableMeta{Type: VarTypeBool, Default: s("ON")}, Value: s("1"), Origin: "COMPILE-TIME"}, ""},
	}
	for _, tt := range tests {
		if got := ChangeOf(tt.v); got != tt.want {
			t.Errorf("%s: ChangeOf = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestVariableLike(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"", "%", false},
		{"   ", "%", false},
		{"buffer_pool", "%buffer!_pool%", false},
		{"innodb%", "innodb%", false},
		{"max_conn%", "max_conn%", false},
		{"50%!", "50%!!", false},
		{"a!b", "%a!!b%", false},
		{"100!%", "100!!%", false},
		{"'; DROP TABLE x; --", "%'; DROP TABLE x; --%", false},
		{"tab\there", "", true},
		{string(make([]byte, 201)), "", true},
	}
	for _, tt := range tests {
		got, err := VariableLike(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("VariableLike(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("VariableLike(%q) error is not ErrInvalid: %v", tt.in, err)
		}
	}
}
