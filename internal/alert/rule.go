package alert

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Op is the comparison a rule makes between a value and its threshold.
type Op string

// Comparisons. A rule fires while `value Op threshold` holds.
const (
	OpGT Op = ">"
	OpGE Op = ">="
	OpLT Op = "<"
	OpLE Op = "<="
)

// ParseOp reads a comparison: >, >=, <, <= or their names gt, ge, lt, le
// (handy where a shell or a form mangles angle brackets).
func ParseOp(s string) (Op, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case ">", "gt":
		return OpGT, nil
	case ">=", "ge":
		return OpGE, nil
	case "<", "lt":
		return OpLT, nil
	case "<=", "le":
		return OpLE, nil
	}
	return "", fmt.Errorf("%w: comparison %q: want >, >=, < or <=", dba.ErrInvalid, s)
}

// holds reports whether v op t.
func (o Op) holds(v, t float64) bool {
	switch o {
	case OpGT:
		return v > t
	case OpGE:
		return v >= t
	case OpLT:
		return v < t
	case OpLE:
		return v <= t
	}
	return false
}

// above reports whether the rule fires on high values.
func (o Op) above() bool { return o == OpGT || o == OpGE }

// Severity ranks alerts.
type Severity string

// Severities, least to most urgent.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// ParseSeverity reads info, warning or critical.
func ParseSeverity(s string) (Severity, error) {
	switch v := Severity(strings.ToLower(strings.TrimSpace(s))); v {
	case SeverityInfo, SeverityWarning, SeverityCritical:
		return v, nil
	}
	return "", fmt.Errorf("%w: severity %q: want info, warning or critical", dba.ErrInvalid, s)
}

// CollectorFailed is the pseudo-series of collector health: for every
// collector in the health map it is 1 while the collector fails and 0
// while it works, and a rule on it keeps one alert per collector.
const CollectorFailed = "collector_failed"

// Series names the monitor provides, per profile, in each observation.
// Percentages are 0–100; tmp_disk_ratio is a fraction 0–1.
var knownSeries = []string{
	"qps",
	"tps",
	"connection_usage_pct",
	"buffer_pool_hit_pct",
	"threads_running",
	"longest_trx_seconds",
	"lock_waits",
	"deadlocks_per_s",
	"tmp_disk_ratio",
	"slow_queries_per_s",
	"replication_lag_seconds",
	CollectorFailed,
}

// KnownSeries lists the series a rule may watch (a fresh copy).
func KnownSeries() []string { return append([]string(nil), knownSeries...) }

// Limits on what a rule may say; beyond them a value is a typo.
const (
	maxFor     = 24 * time.Hour
	maxNameLen = 64
)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Rule is one alert rule. It fires when `series Op Threshold` has held at
// every observation for at least For, and resolves once the value is back
// past the clear threshold (Clear, default Threshold) and has stayed there
// for ClearFor.
type Rule struct {
	Name      string  `json:"name"`
	Series    string  `json:"series"`
	Op        Op      `json:"op"`
	Threshold float64 `json:"threshold"`
	// For is how long the condition must hold before the rule fires; 0
	// fires on the first observation that meets it.
	For time.Duration `json:"for_ns"`
	// Clear is the hysteresis threshold: a firing alert resolves only when
	// `value Op Clear` no longer holds (for a > rule, the value falls to
	// Clear or below). Nil means Threshold.
	Clear *float64 `json:"clear,omitempty"`
	// ClearFor is how long the clear condition must hold before the alert
	// resolves; 0 resolves at the first observation that meets it.
	ClearFor time.Duration `json:"clear_for_ns"`
	Severity Severity      `json:"severity"`
	Enabled  bool          `json:"enabled"`
	// Description says what the rule watches, for people.
	Description string `json:"description,omitempty"`
}

// ClearThreshold is the threshold a firing alert must fall back past.
func (r Rule) ClearThreshold() float64 {
	if r.Clear != nil {
		return *r.Clear
	}
	return r.Threshold
}

// Condition is the rule in words: "connection_usage_pct >= 85 for 2m".
func (r Rule) Condition() string {
	s := r.Series + " " + string(r.Op) + " " + FormatValue(r.Threshold)
	if r.For > 0 {
		s += " for " + FormatDuration(r.For)
	}
	return s
}

// ClearCondition says when a firing alert resolves: "below 75 for 5m".
func (r Rule) ClearCondition() string {
	word := "below"
	if !r.Op.above() {
		word = "above"
	}
	if r.Op == OpGT || r.Op == OpLT {
		word += " or at"
	}
	s := word + " " + FormatValue(r.ClearThreshold())
	if r.ClearFor > 0 {
		s += " for " + FormatDuration(r.ClearFor)
	}
	return s
}

// Validate checks a rule is usable: a known series, a comparison, finite
// thresholds, durations within a day, and a clear threshold on the side
// that gives hysteresis rather than flapping.
func (r Rule) Validate() error {
	if !nameRE.MatchString(r.Name) || len(r.Name) > maxNameLen {
		return fmt.Errorf("%w: rule name %q: want lower-case letters, digits and _ (at most %d), starting with a letter", dba.ErrInvalid, r.Name, maxNameLen)
	}
	if err := checkSeries(r.Series); err != nil {
		return fmt.Errorf("rule %s: %w", r.Name, err)
	}
	if r.Op != OpGT && r.Op != OpGE && r.Op != OpLT && r.Op != OpLE {
		return fmt.Errorf("rule %s: %w: comparison %q: want >, >=, < or <=", r.Name, dba.ErrInvalid, r.Op)
	}
	if !finite(r.Threshold) {
		return fmt.Errorf("rule %s: %w: threshold must be a finite number", r.Name, dba.ErrInvalid)
	}
	for _, d := range []struct {
		what string
		v    time.Duration
	}{{"for", r.For}, {"clear_for", r.ClearFor}} {
		if d.v < 0 || d.v > maxFor {
			return fmt.Errorf("rule %s: %w: %s %s: want from 0s to %s", r.Name, dba.ErrInvalid, d.what, d.v, FormatDuration(maxFor))
		}
	}
	if r.Clear != nil {
		c := *r.Clear
		switch {
		case !finite(c):
			return fmt.Errorf("rule %s: %w: clear threshold must be a finite number", r.Name, dba.ErrInvalid)
		case r.Op.above() && c > r.Threshold:
			return fmt.Errorf("rule %s: %w: clear threshold %s is above the threshold %s: a %s rule clears at or below it", r.Name, dba.ErrInvalid, FormatValue(c), FormatValue(r.Threshold), r.Op)
		case !r.Op.above() && c < r.Threshold:
			return fmt.Errorf("rule %s: %w: clear threshold %s is below the threshold %s: a %s rule clears at or above it", r.Name, dba.ErrInvalid, FormatValue(c), FormatValue(r.Threshold), r.Op)
		}
	}
	if r.Severity != SeverityInfo && r.Severity != SeverityWarning && r.Severity != SeverityCritical {
		return fmt.Errorf("rule %s: %w: severity %q: want info, warning or critical", r.Name, dba.ErrInvalid, r.Severity)
	}
	return nil
}

func checkSeries(s string) error {
	for _, k := range knownSeries {
		if s == k {
			return nil
		}
	}
	msg := fmt.Sprintf("unknown series %q", s)
	if sug := dba.Suggest(s, knownSeries); len(sug) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", sug[0])
	}
	return fmt.Errorf("%w: %s; known series: %s", dba.ErrInvalid, msg, strings.Join(knownSeries, ", "))
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Spec is a rule as written in a configuration file. Every field but Name
// is optional: a spec named like a default rule changes only the fields
// it sets; a spec with a new name defines a rule and must set Series, Op
// and Threshold.
type Spec struct {
	Name      string
	Series    *string
	Op        *string
	Threshold *float64
	// For is a duration: "2m", "90s", "0s".
	For *string
	// Clear is a clear threshold ("75"), a clear-after duration ("5m"), or
	// both ("75 for 5m"); "" removes an inherited clear threshold and
	// duration.
	Clear    *string
	Severity *string
	Enabled  *bool
}

// ParseRule applies a spec on top of base (the default rule of the same
// name, or the zero Rule for a new one) and validates the result. A new
// rule is enabled, with severity warning, unless the spec says otherwise.
func ParseRule(base Rule, s Spec) (Rule, error) {
	r := base
	isNew := base.Name == ""
	r.Name = strings.TrimSpace(s.Name)
	if r.Name == "" {
		return Rule{}, fmt.Errorf("%w: an alert rule needs a name", dba.ErrInvalid)
	}
	if !nameRE.MatchString(r.Name) || len(r.Name) > maxNameLen {
		return Rule{}, fmt.Errorf("%w: rule name %q: want lower-case letters, digits and _ (at most %d), starting with a letter", dba.ErrInvalid, r.Name, maxNameLen)
	}
	if isNew {
		var missing []string
		if s.Series == nil {
			missing = append(missing, "series")
		}
		if s.Op == nil {
			missing = append(missing, "op")
		}
		if s.Threshold == nil {
			missing = append(missing, "threshold")
		}
		if len(missing) > 0 {
			return Rule{}, fmt.Errorf("rule %s: %w: a new rule needs %s (it is not one of the default rules: %s)", r.Name, dba.ErrInvalid,
				strings.Join(missing, ", "), strings.Join(defaultNames(), ", "))
		}
		r.Enabled, r.Severity = true, SeverityWarning
	}
	if s.Series != nil {
		r.Series = strings.TrimSpace(*s.Series)
		if err := checkSeries(r.Series); err != nil {
			return Rule{}, fmt.Errorf("rule %s: %w", r.Name, err)
		}
	}
	if s.Op != nil {
		op, err := ParseOp(*s.Op)
		if err != nil {
			return Rule{}, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		r.Op = op
	}
	if s.Threshold != nil {
		r.Threshold = *s.Threshold
	}
	if s.For != nil {
		d, err := parseDuration(*s.For)
		if err != nil {
			return Rule{}, fmt.Errorf("rule %s: for: %w", r.Name, err)
		}
		r.For = d
	}
	if s.Clear != nil {
		c, after, err := ParseClear(*s.Clear)
		if err != nil {
			return Rule{}, fmt.Errorf("rule %s: clear: %w", r.Name, err)
		}
		r.Clear, r.ClearFor = c, after
	} else if s.Threshold != nil && !isNew && r.Clear != nil && !clearFits(r.Op, r.Threshold, *r.Clear) {
		// A default's clear threshold that no longer fits a threshold the
		// user moved past it would make the rule invalid; the user did
		// not ask for that clear threshold, so fall back to the new one.
		r.Clear = nil
	}
	if s.Severity != nil {
		sev, err := ParseSeverity(*s.Severity)
		if err != nil {
			return Rule{}, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		r.Severity = sev
	}
	if s.Enabled != nil {
		r.Enabled = *s.Enabled
	}
	if !isNew && r.Series != base.Series {
		// The default's words describe another series now.
		r.Description = ""
	}
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	return r, nil
}

func clearFits(op Op, threshold, clear float64) bool {
	if op.above() {
		return clear <= threshold
	}
	return clear >= threshold
}

// ParseClear reads a rule's clear setting: a threshold ("75", "0.5"), a
// duration ("5m"), or a threshold and a duration ("75 for 5m"). "" means
// neither: the alert clears at its threshold, at once.
func ParseClear(s string) (*float64, time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, 0, nil
	}
	bad := fmt.Errorf("%w: %q: want a threshold (75), a duration (5m) or both (75 for 5m)", dba.ErrInvalid, s)
	fields := strings.Fields(s)
	switch {
	case len(fields) == 1:
		if v, ok := parseNumber(fields[0]); ok {
			return &v, 0, nil
		}
		if d, err := parseDuration(fields[0]); err == nil {
			return nil, d, nil
		}
		return nil, 0, bad
	case len(fields) == 3 && strings.EqualFold(fields[1], "for"):
		v, ok := parseNumber(fields[0])
		if !ok {
			return nil, 0, bad
		}
		d, err := parseDuration(fields[2])
		if err != nil {
			return nil, 0, fmt.Errorf("%w (%w)", bad, err)
		}
		return &v, d, nil
	}
	return nil, 0, bad
}

// parseNumber accepts finite decimal numbers only: no hex, no Inf, no
// NaN, no underscores, so a duration such as "5m" is never a number.
func parseNumber(s string) (float64, bool) {
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(v) {
		return 0, false
	}
	return v, true
}

// parseDuration reads a Go duration ("2m", "1h30m", "0s"; a bare "0" too)
// within 0 to a day.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%w: duration %q: want for example 90s, 2m or 1h", dba.ErrInvalid, s)
	}
	if d < 0 || d > maxFor {
		return 0, fmt.Errorf("%w: duration %q: want from 0s to %s", dba.ErrInvalid, s, FormatDuration(maxFor))
	}
	return d, nil
}

// Spec writes a rule back as a spec; ParseRule(Rule{}, r.Spec()) gives r
// again (without its description).
func (r Rule) Spec() Spec {
	series, op, forS, sev := r.Series, string(r.Op), r.For.String(), string(r.Severity)
	th, en := r.Threshold, r.Enabled
	var clear string
	if r.Clear != nil {
		clear = strconv.FormatFloat(*r.Clear, 'g', -1, 64)
		if r.ClearFor > 0 {
			clear += " for " + r.ClearFor.String()
		}
	} else if r.ClearFor > 0 {
		clear = r.ClearFor.String()
	}
	return Spec{Name: r.Name, Series: &series, Op: &op, Threshold: &th, For: &forS, Clear: &clear, Severity: &sev, Enabled: &en}
}

// FormatValue prints a threshold or a value compactly: 85, 0.25, 1.5e+06.
func FormatValue(v float64) string {
	if finite(v) && v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	if math.Abs(v) >= 0.01 && math.Abs(v) < 1e6 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// FormatDuration prints a duration without zero units: 2m, 1h30m, 45s.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	s := d.String()
	s = strings.Replace(s, "m0s", "m", 1)
	s = strings.Replace(s, "h0m", "h", 1)
	return s
}
