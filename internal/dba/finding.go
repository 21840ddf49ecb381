package dba

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity grades a finding: info (worth knowing), warning (likely slow or
// fragile), error (likely wrong or destructive).
type Severity string

// Severities, lowest first.
const (
	SeverityInfo    Severity = "info"
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

// Level orders severities: 1 for info up to 3 for error, 0 for anything
// else.
func (s Severity) Level() int {
	switch s {
	case SeverityInfo:
		return 1
	case SeverityWarning:
		return 2
	case SeverityError:
		return 3
	}
	return 0
}

// AtLeast reports whether s is o or more severe.
func (s Severity) AtLeast(o Severity) bool { return s.Level() >= o.Level() }

// ParseSeverity reads a severity name (case-insensitive; "warn" and "err"
// are accepted).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "info":
		return SeverityInfo, nil
	case "warning", "warn":
		return SeverityWarning, nil
	case "error", "err":
		return SeverityError, nil
	}
	return "", fmt.Errorf("%w: severity %q: want info, warning or error", ErrInvalid, s)
}

// Finding is one result of a rule: a stable code the UI, CLI, MCP, AI
// prompts and history all speak in, how bad it is, what in the input shows
// it, why it matters and what to do.
type Finding struct {
	// Code is stable and CamelCase ("SelectStar", "RedundantIndex"); docs
	// list every code.
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	// Evidence is the fragment of the input the rule matched (for SQL, the
	// expression or clause, rebuilt from the parsed statement).
	Evidence string `json:"evidence"`
	// Why says what goes wrong, with the numbers the rule had (row
	// estimates, column types).
	Why string `json:"why"`
	// Fix is concrete: the rewritten condition, the index to add.
	Fix string `json:"fix"`
	// Object names what the finding is about (a table or table.column),
	// empty when it is the whole input.
	Object string `json:"object,omitempty"`
	// Line and Column locate the evidence in the input (1-based); 0 when
	// unknown.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// SortFindings orders findings the same way on every run: most severe
// first, then by position, code, object and evidence.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity.Level(), a.Severity.Level()),
			cmp.Compare(posKey(a.Line), posKey(b.Line)),
			cmp.Compare(posKey(a.Column), posKey(b.Column)),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Object, b.Object),
			cmp.Compare(a.Evidence, b.Evidence),
			cmp.Compare(a.Why, b.Why),
			cmp.Compare(a.Fix, b.Fix),
		)
	})
}

// posKey puts unknown positions (0) after known ones.
func posKey(n int) int {
	if n <= 0 {
		return int(^uint(0) >> 1)
	}
	return n
}

// MaxSeverity is the most severe of fs ("" when fs is empty).
func MaxSeverity(fs []Finding) Severity {
	var m Severity
	for _, f := range fs {
		if f.Severity.Level() > m.Level() {
			m = f.Severity
		}
	}
	return m
}
