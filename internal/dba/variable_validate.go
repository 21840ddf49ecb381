package dba

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// maxVarValueLen bounds a value mydba will propose for a SET; the servers'
// own limits are lower for every variable that matters.
const maxVarValueLen = 65536

// Validate checks newValue for variable meta before anything is sent to a
// server, and returns it normalised the way the SET statement should carry
// it: integers expanded from K/M/G/T/P/E suffixes (which mysqld accepts in
// option files but not in SET), booleans as ON/OFF, enum and set members in
// the server's spelling, doubles without exponent. scope is the value to
// change: ScopeGlobal (SET GLOBAL) or ScopeSession (SET SESSION).
//
// It refuses, with a message naming the variable and the rule: a variable
// that is not dynamic (read-only at runtime), a scope the variable does not
// have, a value of the wrong type, a number outside the server's range or
// not on its block size, an enum or set member the server does not know.
// What the server does not publish (MySQL before 9.0 publishes no type and
// no read-only flag) is not checked here; the server remains the last judge.
// To reset a variable to its default the write path uses SET ... = DEFAULT,
// not a value through Validate.
func Validate(meta VariableMeta, scope VarScope, newValue string) (string, error) {
	name := meta.Name
	if name == "" {
		return "", fmt.Errorf("%w: variable name is empty", ErrInvalid)
	}
	if scope != ScopeGlobal && scope != ScopeSession {
		return "", fmt.Errorf("%w: %s: set the global or the session value, not %q", ErrInvalid, name, scope)
	}
	if meta.Dynamic != nil && !*meta.Dynamic {
		return "", fmt.Errorf("%w: %s is read-only at runtime: set it in the server's option file and restart", ErrInvalid, name)
	}
	switch {
	case scope == ScopeGlobal && meta.Scope == ScopeSession:
		return "", fmt.Errorf("%w: %s is session-only: it has no global value (use SET SESSION)", ErrInvalid, name)
	case scope == ScopeSession && meta.Scope == ScopeGlobal:
		return "", fmt.Errorf("%w: %s is global-only: it has no session value (use SET GLOBAL)", ErrInvalid, name)
	}
	if len(newValue) > maxVarValueLen {
		return "", fmt.Errorf("%w: %s: value is longer than %d bytes", ErrInvalid, name, maxVarValueLen)
	}
	v := strings.TrimSpace(newValue)
	switch meta.Type {
	case VarTypeInt, VarTypeUint:
		return validateInt(meta, v)
	case VarTypeDouble:
		return validateDouble(meta, v)
	case VarTypeBool:
		return validateBool(meta, v)
	case VarTypeEnum:
		return validateEnum(meta, v)
	case VarTypeSet:
		return validateSet(meta, v)
	case VarTypeFlagset:
		return validateFlagset(meta, v)
	case VarTypeString:
		if strings.ContainsRune(newValue, 0) {
			return "", fmt.Errorf("%w: %s: value contains a NUL byte", ErrInvalid, name)
		}
		return newValue, nil
	}
	return validateUnknown(meta, newValue)
}

// sizeShift is the power of 1024 each suffix multiplies by, as mysqld's
// option parser reads them.
func sizeShift(c byte) (uint, bool) {
	switch c {
	case 'k', 'K':
		return 10, true
	case 'm', 'M':
		return 20, true
	case 'g', 'G':
		return 30, true
	case 't', 'T':
		return 40, true
	case 'p', 'P':
		return 50, true
	case 'e', 'E':
		return 60, true
	}
	return 0, false
}

// parseSizedInt reads [+-]digits[K|M|G|T|P|E].
func parseSizedInt(s string) (*big.Int, bool) {
	if s == "" {
		return nil, false
	}
	var shift uint
	if sh, ok := sizeShift(s[len(s)-1]); ok {
		shift, s = sh, s[:len(s)-1]
	}
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" {
		return nil, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return nil, false
		}
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, false
	}
	return n.Lsh(n, shift), true
}

func validateInt(meta VariableMeta, v string) (string, error) {
	n, ok := parseSizedInt(v)
	if !ok {
		return "", fmt.Errorf("%w: %s: %q is not a whole number (a size suffix K, M, G, T, P or E is allowed)", ErrInvalid, meta.Name, v)
	}
	if meta.Type == VarTypeUint && n.Sign() < 0 {
		return "", fmt.Errorf("%w: %s: %s is negative; the variable is unsigned", ErrInvalid, meta.Name, n)
	}
	if err := checkRange(meta, new(big.Rat).SetInt(n), n.String()); err != nil {
		return "", err
	}
	// Without a published range, the type's own width is the range (a
	// published one is the server's word and wins).
	if meta.Min == "" && meta.Max == "" {
		limit := new(big.Int).SetUint64(math.MaxUint64)
		low := new(big.Int)
		if meta.Type == VarTypeInt {
			limit.SetInt64(math.MaxInt64)
			low.SetInt64(math.MinInt64)
		}
		if n.Cmp(limit) > 0 || n.Cmp(low) < 0 {
			return "", fmt.Errorf("%w: %s: %s does not fit the variable's %s type", ErrInvalid, meta.Name, n, meta.Type)
		}
	}
	if bs, ok := new(big.Int).SetString(meta.BlockSize, 10); ok && bs.Cmp(big.NewInt(1)) > 0 {
		if rem := new(big.Int).Mod(n, bs); rem.Sign() != 0 {
			down := new(big.Int).Sub(n, rem)
			up := new(big.Int).Add(down, bs)
			return "", fmt.Errorf("%w: %s: %s is not a multiple of %s; the server would round it down to %s (use %s or %s)", ErrInvalid, meta.Name, n, bs, down, down, up)
		}
	}
	return n.String(), nil
}

// checkRange compares x with the published Min and Max; shown is how the
// value is printed in the message.
func checkRange(meta VariableMeta, x *big.Rat, shown string) error {
	if lo, ok := new(big.Rat).SetString(meta.Min); ok && meta.Min != "" && x.Cmp(lo) < 0 {
		return fmt.Errorf("%w: %s: %s is below the minimum %s", ErrInvalid, meta.Name, shown, meta.Min)
	}
	if hi, ok := new(big.Rat).SetString(meta.Max); ok && meta.Max != "" && x.Cmp(hi) > 0 {
		return fmt.Errorf("%w: %s: %s is above the maximum %s", ErrInvalid, meta.Name, shown, meta.Max)
	}
	return nil
}

func validateDouble(meta VariableMeta, v string) (string, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(v, "xXpP_") {
		return "", fmt.Errorf("%w: %s: %q is not a decimal number", ErrInvalid, meta.Name, v)
	}
	out := strconv.FormatFloat(f, 'f', -1, 64)
	r, _ := new(big.Rat).SetString(out)
	if err := checkRange(meta, r, out); err != nil {
		return "", err
	}
	return out, nil
}

func validateBool(meta VariableMeta, v string) (string, error) {
	// Only the spellings both servers accept in SET; YES/NO are refused
	// by them.
	switch strings.ToUpper(v) {
	case "ON", "1", "TRUE":
		return "ON", nil
	case "OFF", "0", "FALSE":
		return "OFF", nil
	}
	return "", fmt.Errorf("%w: %s: %q is not a boolean: want ON, OFF, 1, 0, TRUE or FALSE", ErrInvalid, meta.Name, v)
}

// member finds v among allowed, case-insensitively, and returns the
// server's spelling.
func member(allowed []string, v string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(a, v) {
			return a, true
		}
	}
	return "", false
}

func notMember(meta VariableMeta, v, what string) error {
	msg := fmt.Sprintf("%s: %q is not %s: want one of %s", meta.Name, v, what, strings.Join(meta.Allowed, ", "))
	if s := Suggest(v, meta.Allowed); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return fmt.Errorf("%w: %s", ErrInvalid, msg)
}

func validateEnum(meta VariableMeta, v string) (string, error) {
	if v == "" {
		return "", fmt.Errorf("%w: %s: the value is empty", ErrInvalid, meta.Name)
	}
	if len(meta.Allowed) == 0 {
		// The server did not publish the members (MySQL): it checks.
		return v, nil
	}
	if m, ok := member(meta.Allowed, v); ok {
		return m, nil
	}
	// The servers also take an enum by its 0-based position.
	if i, err := strconv.Atoi(v); err == nil {
		if i >= 0 && i < len(meta.Allowed) {
			return meta.Allowed[i], nil
		}
		return "", fmt.Errorf("%w: %s: %d is not a position from 0 to %d in %s", ErrInvalid, meta.Name, i, len(meta.Allowed)-1, strings.Join(meta.Allowed, ", "))
	}
	return "", notMember(meta, v, "a value of this enum")
}

func validateSet(meta VariableMeta, v string) (string, error) {
	if len(meta.Allowed) == 0 {
		return v, nil
	}
	chosen := map[string]bool{}
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		m, ok := member(meta.Allowed, item)
		if !ok {
			return "", notMember(meta, item, "a member of this set")
		}
		chosen[m] = true
	}
	// The server stores a set in its declared order; so does mydba, so a
	// proposal shows what the server will report back.
	out := make([]string, 0, len(chosen))
	for _, a := range meta.Allowed {
		if chosen[a] {
			out = append(out, a)
		}
	}
	return strings.Join(out, ","), nil
}

func validateFlagset(meta VariableMeta, v string) (string, error) {
	if v == "" {
		return "", fmt.Errorf("%w: %s: the value is empty: give flag=on|off|default pairs or default", ErrInvalid, meta.Name)
	}
	var flags []string
	for _, a := range meta.Allowed {
		if !strings.EqualFold(a, "default") {
			flags = append(flags, a)
		}
	}
	var out []string
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if strings.EqualFold(item, "default") {
			out = append(out, "default")
			continue
		}
		flag, state, ok := strings.Cut(item, "=")
		flag, state = strings.TrimSpace(flag), strings.ToLower(strings.TrimSpace(state))
		if !ok || flag == "" || (state != "on" && state != "off" && state != "default") {
			return "", fmt.Errorf("%w: %s: %q is not flag=on, flag=off or flag=default", ErrInvalid, meta.Name, item)
		}
		if len(flags) > 0 {
			m, ok := member(flags, flag)
			if !ok {
				msg := fmt.Sprintf("%s: unknown flag %q", meta.Name, flag)
				if s := Suggest(flag, flags); len(s) > 0 {
					msg += fmt.Sprintf(" (did you mean %q?)", s[0])
				}
				return "", fmt.Errorf("%w: %s", ErrInvalid, msg)
			}
			flag = m
		}
		out = append(out, flag+"="+state)
	}
	return strings.Join(out, ","), nil
}

// validateUnknown handles a variable whose type the server does not
// publish. A published numeric range still says the value is a number.
func validateUnknown(meta VariableMeta, raw string) (string, error) {
	if meta.Min == "" && meta.Max == "" {
		return raw, nil
	}
	v := strings.TrimSpace(raw)
	if n, ok := parseSizedInt(v); ok {
		if err := checkRange(meta, new(big.Rat).SetInt(n), n.String()); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(v, "xXpP_") {
		return "", fmt.Errorf("%w: %s: %q is not a number (the server publishes a range from %s to %s)", ErrInvalid, meta.Name, v, meta.Min, meta.Max)
	}
	out := strconv.FormatFloat(f, 'f', -1, 64)
	r, _ := new(big.Rat).SetString(out)
	if err := checkRange(meta, r, out); err != nil {
		return "", err
	}
	return out, nil
}
