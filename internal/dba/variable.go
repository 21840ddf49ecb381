package dba

import (
	"fmt"
	"math/big"
	"strings"
	"time"
)

// VarScope says where a system variable lives and, for a change, which
// value is meant.
type VarScope string

// Scopes. ScopeUnknown is a server that does not say (MySQL before 9.0
// without a session of its own to compare against).
const (
	ScopeUnknown VarScope = ""
	// ScopeGlobal is one server-wide value (SET GLOBAL only).
	ScopeGlobal VarScope = "global"
	// ScopeSession is a per-session value with no global counterpart
	// (SET SESSION only).
	ScopeSession VarScope = "session"
	// ScopeBoth is a global default that each session may override.
	ScopeBoth VarScope = "both"
)

// ParseVarScope reads a scope as the servers and users spell it: GLOBAL,
// SESSION (MariaDB's "both"), SESSION ONLY, SESSION_ONLY, BOTH.
func ParseVarScope(s string) VarScope {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "GLOBAL":
		return ScopeGlobal
	case "SESSION", "BOTH":
		// The servers call a variable with both values "SESSION".
		return ScopeBoth
	case "SESSION ONLY", "SESSION_ONLY":
		return ScopeSession
	}
	return ScopeUnknown
}

// HasGlobal reports whether the scope has a global value.
func (s VarScope) HasGlobal() bool { return s == ScopeGlobal || s == ScopeBoth }

// HasSession reports whether the scope has a session value.
func (s VarScope) HasSession() bool { return s == ScopeSession || s == ScopeBoth }

// VarType is the kind of value a system variable holds.
type VarType string

// Types. VarTypeUnknown is a server that does not publish types (MySQL
// before 9.0).
const (
	VarTypeUnknown VarType = ""
	VarTypeInt     VarType = "int"
	VarTypeUint    VarType = "uint"
	VarTypeDouble  VarType = "double"
	VarTypeBool    VarType = "bool"
	VarTypeEnum    VarType = "enum"
	VarTypeSet     VarType = "set"
	// VarTypeFlagset is a list of name=on|off pairs (optimizer_switch).
	VarTypeFlagset VarType = "flagset"
	VarTypeString  VarType = "string"
)

// ParseVarType maps the server's type names — MariaDB's VARIABLE_TYPE
// ("BIGINT UNSIGNED", "FLAGSET") and MySQL 9's DATA_TYPE ("Integer",
// "Numeric") — to a VarType.
func ParseVarType(s string) VarType {
	u := strings.ToUpper(strings.TrimSpace(s))
	switch {
	case u == "":
		return VarTypeUnknown
	case strings.HasSuffix(u, " UNSIGNED"):
		return VarTypeUint
	case u == "BIGINT" || u == "INT" || u == "MEDIUMINT" || u == "SMALLINT" || u == "TINYINT" || u == "INTEGER":
		return VarTypeInt
	case u == "DOUBLE" || u == "NUMERIC" || u == "DECIMAL" || u == "FLOAT":
		return VarTypeDouble
	case u == "BOOLEAN" || u == "BOOL":
		return VarTypeBool
	case u == "ENUM" || u == "ENUMERATION":
		return VarTypeEnum
	case u == "SET":
		return VarTypeSet
	case u == "FLAGSET":
		return VarTypeFlagset
	case u == "VARCHAR" || u == "STRING" || u == "CHAR" || u == "TEXT":
		return VarTypeString
	}
	return VarTypeUnknown
}

// IsNumeric reports whether values of the type are numbers.
func (t VarType) IsNumeric() bool {
	return t == VarTypeInt || t == VarTypeUint || t == VarTypeDouble
}

// VariableMeta is what a server publishes about one system variable: the
// input of Validate. Fields the server does not publish stay empty (nil for
// Dynamic and Default) so nobody mistakes "unknown" for "no".
type VariableMeta struct {
	Name string `json:"name"`
	// Type is normalised; ServerType is the server's own word for it.
	Type       VarType  `json:"type,omitempty"`
	ServerType string   `json:"server_type,omitempty"`
	Scope      VarScope `json:"scope,omitempty"`
	// Dynamic is whether SET can change the variable at runtime; nil when
	// the server does not say (MySQL).
	Dynamic *bool `json:"dynamic,omitempty"`
	// Min and Max bound numeric values, as the server prints them (exact
	// decimal text: uint64 maxima do not fit a float).
	Min string `json:"min,omitempty"`
	Max string `json:"max,omitempty"`
	// BlockSize: the server rounds numeric values down to a multiple of it.
	BlockSize string `json:"block_size,omitempty"`
	// Allowed lists the members of an enum, set or flagset.
	Allowed []string `json:"allowed,omitempty"`
	// Default is the compiled-in default; nil when the server does not
	// publish defaults (MySQL) or has none (MariaDB NULL).
	Default     *string `json:"default,omitempty"`
	Description string  `json:"description,omitempty"`
}

// Variable is one system variable with its value in the scope asked for,
// its metadata, and where the value came from.
type Variable struct {
	VariableMeta
	// Value is nil when the variable has no value in the scope shown.
	Value *string `json:"value"`
	// Origin is where the value was set, in the server's own words:
	// MariaDB GLOBAL_VALUE_ORIGIN (COMPILE-TIME, CONFIG, COMMAND-LINE, AUTO,
	// SQL, ENVIRONMENT) or MySQL VARIABLE_SOURCE (COMPILED, GLOBAL, SERVER,
	// EXPLICIT, EXTRA, USER, LOGIN, COMMAND_LINE, PERSISTED, DYNAMIC).
	Origin string `json:"origin,omitempty"`
	// OriginPath is the option file that set it, when one did.
	OriginPath string `json:"origin_path,omitempty"`
	// SetTime and SetBy say when and by whom it was last set (MySQL).
	SetTime *time.Time `json:"set_time,omitempty"`
	SetBy   string     `json:"set_by,omitempty"`
	// Changed is empty for a variable at its default, else ChangeSet or
	// ChangeDiffers.
	Changed string `json:"changed,omitempty"`
}

// Change reasons for Variable.Changed.
const (
	// ChangeSet is a value set on purpose: option file, command line,
	// SET, SET PERSIST — even when it equals the default.
	ChangeSet = "set"
	// ChangeDiffers is a value the server chose itself (auto-sized at
	// startup, derived from another variable) that differs from the
	// compiled default.
	ChangeDiffers = "differs"
)

// isExplicitOrigin reports whether an origin means someone set the value.
func isExplicitOrigin(origin string) bool {
	switch strings.ToUpper(strings.TrimSpace(origin)) {
	// MariaDB GLOBAL_VALUE_ORIGIN
	case "CONFIG", "COMMAND-LINE", "SQL", "ENVIRONMENT":
		return true
	// MySQL VARIABLE_SOURCE
	case "GLOBAL", "SERVER", "EXPLICIT", "EXTRA", "USER", "LOGIN", "COMMAND_LINE", "PERSISTED", "DYNAMIC":
		return true
	}
	return false
}

// ChangeOf says whether v is changed from its default and how. An origin
// that names an explicit setting wins ("set", even when the value equals the
// default: a DBA wants to see what the config pins). Otherwise the value is
// compared with the published default with SameValue; string variables
// whose default is empty are skipped, because MariaDB prints an empty
// default for paths and names it computes at startup.
func ChangeOf(v Variable) string {
	if isExplicitOrigin(v.Origin) {
		return ChangeSet
	}
	if v.Value == nil || v.Default == nil {
		return ""
	}
	if *v.Default == "" && (v.Type == VarTypeString || v.Type == VarTypeUnknown) {
		return ""
	}
	if SameValue(v.Type, *v.Value, *v.Default) {
		return ""
	}
	return ChangeDiffers
}

// SameValue compares two values of a variable of type t the way the server
// means them: numbers numerically ("10" = "10.000000"), booleans by truth
// ("ON" = "1" = "true"), enums case-insensitively, sets and flagsets as
// unordered collections. Unknown types try each rule that parses both.
func SameValue(t VarType, a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if strings.EqualFold(a, b) {
		return true
	}
	switch t {
	case VarTypeInt, VarTypeUint, VarTypeDouble:
		return sameNumber(a, b)
	case VarTypeBool:
		x, ok1 := parseBool(a)
		y, ok2 := parseBool(b)
		return ok1 && ok2 && x == y
	case VarTypeSet, VarTypeFlagset:
		return sameMembers(a, b)
	case VarTypeEnum, VarTypeString:
		return false
	}
	if sameNumber(a, b) {
		return true
	}
	x, ok1 := parseBool(a)
	y, ok2 := parseBool(b)
	if ok1 && ok2 {
		return x == y
	}
	return strings.Contains(a, ",") && sameMembers(a, b)
}

func sameNumber(a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// parseBool reads the spellings servers accept for a boolean.
func parseBool(s string) (bool, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "ON", "1", "TRUE", "YES":
		return true, true
	case "OFF", "0", "FALSE", "NO":
		return false, true
	}
	return false, false
}

func sameMembers(a, b string) bool {
	x, y := memberSet(a), memberSet(b)
	if len(x) != len(y) {
		return false
	}
	for k := range x {
		if !y[k] {
			return false
		}
	}
	return true
}

func memberSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, m := range strings.Split(s, ",") {
		if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
			out[m] = true
		}
	}
	return out
}

// VariableLike turns a user's PATTERN into the argument of
// `VARIABLE_NAME LIKE ? ESCAPE '!'`. A pattern with % is a LIKE pattern as in
// SHOW VARIABLES LIKE ('_' matches any one character); any other pattern is
// a substring, matched literally. Matching is case-insensitive on both
// servers (their name columns use case-insensitive collations). An empty
// pattern matches everything.
func VariableLike(pattern string) (string, error) {
	p := strings.TrimSpace(pattern)
	if len(p) > 200 {
		return "", fmt.Errorf("%w: variable pattern is longer than 200 characters", ErrInvalid)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("%w: variable pattern %q contains a control character", ErrInvalid, pattern)
		}
	}
	if p == "" {
		return "%", nil
	}
	if strings.Contains(p, "%") {
		// '!' is the escape character of the statement; a literal one in
		// the user's pattern must be doubled.
		return strings.ReplaceAll(p, "!", "!!"), nil
	}
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return "%" + r.Replace(p) + "%", nil
}
