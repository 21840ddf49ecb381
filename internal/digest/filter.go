package digest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/parse"
	"github.com/mydba/mydba/internal/sqltext"
)

// Filter is one condition of --filter: ATTRIBUTE OPERATOR VALUE. It is a
// small, closed language evaluated by comparisons (no code is compiled or
// run), unlike pt-query-digest's Perl --filter:
//
//	db=shop   user!=root   host~^10\.   fingerprint~orders   id=59A74D08
//	query_time>1   query_time>=250ms   rows_examined>10000   full_scan=yes
//
// Text attributes (db, user, host, query, fingerprint) take = and != (exact)
// and ~ and !~ (a Go regular expression, RE2: linear time, no
// backtracking). id takes = and != and matches a prefix of the query ID,
// with or without "0x". Numeric attributes (every slow-log attribute by its
// snake_case name, and thread_id) take = != < <= > >=; query_time and
// lock_time also accept durations ("250ms"), Yes/No attributes yes and no.
// An event that did not log a numeric attribute matches no comparison on
// it, not even !=.
type Filter struct {
	text string
	kind filterKind
	attr parse.SlowAttr
	op   string
	num  float64
	str  string
	re   *regexp.Regexp
}

type filterKind uint8

const (
	fDB filterKind = iota
	fUser
	fHost
	fQuery
	fFingerprint
	fID
	fThreadID
	fNumeric
)

// filterTextAttrs are the non-numeric attributes, for help and suggestions.
func filterTextAttrs() []string {
	return []string{"db", "user", "host", "query", "fingerprint", "id", "thread_id"}
}

// FilterAttributes lists every attribute --filter knows.
func FilterAttributes() []string {
	out := filterTextAttrs()
	for a := parse.SlowAttr(0); a < parse.NumSlowAttrs; a++ {
		out = append(out, a.String())
	}
	return out
}

// ParseFilter parses one condition.
func ParseFilter(s string) (Filter, error) {
	f := Filter{text: strings.TrimSpace(s)}
	t := f.text
	i := 0
	for i < len(t) && (t[i] >= 'a' && t[i] <= 'z' || t[i] >= 'A' && t[i] <= 'Z' || t[i] >= '0' && t[i] <= '9' || t[i] == '_') {
		i++
	}
	name := strings.ToLower(t[:i])
	rest := strings.TrimLeft(t[i:], " ")
	for _, op := range []string{">=", "<=", "!=", "!~", "==", "=", ">", "<", "~"} {
		if strings.HasPrefix(rest, op) {
			f.op = op
			rest = rest[len(op):]
			break
		}
	}
	if f.op == "==" {
		f.op = "="
	}
	if name == "" || f.op == "" {
		return f, fmt.Errorf("%w: filter %q: want ATTRIBUTE OPERATOR VALUE, e.g. db=shop or query_time>1 (operators = != < <= > >= ~ !~)", dba.ErrInvalid, s)
	}
	val := unquote(strings.TrimSpace(rest))
	textOp := f.op == "=" || f.op == "!=" || f.op == "~" || f.op == "!~"
	switch name {
	case "db", "database", "schema":
		f.kind = fDB
	case "user":
		f.kind = fUser
	case "host":
		f.kind = fHost
	case "query", "sample":
		f.kind = fQuery
	case "fingerprint", "fp":
		f.kind = fFingerprint
	case "id", "query_id":
		f.kind = fID
		if f.op != "=" && f.op != "!=" {
			return f, fmt.Errorf("%w: filter %q: id takes = or != (a prefix of the query ID)", dba.ErrInvalid, s)
		}
		f.str = strings.ToUpper(strings.TrimPrefix(strings.TrimPrefix(val, "0x"), "0X"))
		if f.str == "" || strings.Trim(f.str, "0123456789ABCDEF") != "" {
			return f, fmt.Errorf("%w: filter %q: a query ID is hexadecimal", dba.ErrInvalid, s)
		}
		return f, nil
	case "thread_id":
		f.kind = fThreadID
	default:
		a, ok := parse.SlowAttrByName(name)
		if !ok {
			hint := ""
			if sug := dba.Suggest(name, FilterAttributes()); len(sug) > 0 {
				hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(sug, ", "))
			}
			return f, fmt.Errorf("%w: filter %q: unknown attribute %q%s; known: %s", dba.ErrInvalid, s, name, hint, strings.Join(FilterAttributes(), " "))
		}
		f.kind, f.attr = fNumeric, a
	}
	if f.kind == fNumeric || f.kind == fThreadID {
		if f.op == "~" || f.op == "!~" {
			return f, fmt.Errorf("%w: filter %q: %s is a number; use = != < <= > >=", dba.ErrInvalid, s, name)
		}
		n, err := parseFilterNumber(f.kind, f.attr, val)
		if err != nil {
			return f, fmt.Errorf("%w: filter %q: %w", dba.ErrInvalid, s, err)
		}
		f.num = n
		return f, nil
	}
	if !textOp {
		return f, fmt.Errorf("%w: filter %q: %s is text; use = != ~ !~", dba.ErrInvalid, s, name)
	}
	f.str = val
	if f.op == "~" || f.op == "!~" {
		re, err := regexp.Compile(val)
		if err != nil {
			return f, fmt.Errorf("%w: filter %q: bad regular expression: %w", dba.ErrInvalid, s, err)
		}
		f.re = re
	}
	return f, nil
}

func parseFilterNumber(kind filterKind, a parse.SlowAttr, v string) (float64, error) {
	if v == "" {
		return 0, fmt.Errorf("missing value")
	}
	if kind == fNumeric && a.IsBool() {
		switch strings.ToLower(v) {
		case "yes", "true", "1":
			return 1, nil
		case "no", "false", "0":
			return 0, nil
		}
		return 0, fmt.Errorf("%s is yes or no, not %q", a, v)
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		return n, nil
	}
	if kind == fNumeric && (a == parse.SlowQueryTime || a == parse.SlowLockTime) {
		if d, err := time.ParseDuration(v); err == nil {
			return d.Seconds(), nil
		}
		return 0, fmt.Errorf("%q is not a number of seconds or a duration like 250ms", v)
	}
	return 0, fmt.Errorf("%q is not a number", v)
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// String is the condition as given.
func (f *Filter) String() string { return f.text }

// match evaluates the condition on an event (after inheritance) and its
// fingerprint.
func (f *Filter) match(e *parse.SlowEvent, fp []byte) bool {
	switch f.kind {
	case fDB:
		return f.matchText(e.DB)
	case fUser:
		return f.matchText(e.User)
	case fHost:
		return f.matchText(e.Host)
	case fQuery:
		return f.matchText(e.Query)
	case fFingerprint:
		return f.matchText(fp)
	case fID:
		id := sqltext.ID(bytesString(fp))
		return strings.HasPrefix(id, f.str) == (f.op == "=")
	case fThreadID:
		return compare(float64(e.ThreadID), f.op, f.num)
	}
	v, ok := e.Value(f.attr)
	return ok && compare(v, f.op, f.num)
}

func (f *Filter) matchText(b []byte) bool {
	switch f.op {
	case "=":
		return string(b) == f.str
	case "!=":
		return string(b) != f.str
	case "~":
		return f.re.Match(b)
	default: // "!~"
		return !f.re.Match(b)
	}
}

func compare(v float64, op string, n float64) bool {
	switch op {
	case "=":
		return v == n
	case "!=":
		return v != n
	case "<":
		return v < n
	case "<=":
		return v <= n
	case ">":
		return v > n
	default: // ">="
		return v >= n
	}
}

// ParseTime reads --since and --until: RFC 3339 ("2024-05-10T17:00:00Z"),
// a date and time in loc ("2024-05-10 17:00", "2024-05-10"), or a duration
// back from now ("24h", "90m", "7d").
func ParseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if loc == nil {
		loc = time.UTC
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseFloat(days, 64); err == nil && n >= 0 {
			return now.Add(-time.Duration(n * 24 * float64(time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%w: time %q: want RFC 3339 (2024-05-10T17:00:00Z), a date and time (2024-05-10 17:00) or a duration back from now (24h, 7d)", dba.ErrInvalid, s)
}
