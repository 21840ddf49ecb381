package views

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mydba/mydba/internal/dba"
)

// Formatting shared by the process list, variables, status and audit
// pages: pure functions of the use cases' values.

// opsDuration prints a duration compactly, as `mydba ps` does: 850ms,
// 12s, 4m05s, 2h03m, 3d04h.
func opsDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int64(d/time.Minute), int64(d%time.Minute/time.Second))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int64(d/time.Hour), int64(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%02dh", int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour))
}

// opsLine folds whitespace and cuts s at n runes with an ellipsis.
func opsLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// sessionStatement is what a session runs; an idle session holding a
// transaction open says so, because that is the classic root blocker.
func sessionStatement(s dba.Session, n int) string {
	if s.Info == "" && s.Trx != nil && !s.Active() {
		return "(idle in transaction)"
	}
	return opsLine(s.Info, n)
}

// sessionTrxAge is a transaction's age, "–" without one.
func sessionTrxAge(t *dba.Transaction) string {
	if t == nil {
		return "–"
	}
	return opsDuration(t.Age)
}

// sessionTrxDetail is a transaction's state and row counts, "" when there is
// nothing worth saying.
func sessionTrxDetail(t *dba.Transaction) string {
	if t == nil {
		return ""
	}
	var parts []string
	if t.State != "" && t.State != "RUNNING" {
		parts = append(parts, strings.ToLower(t.State))
	}
	if t.RowsLocked > 0 || t.RowsModified > 0 {
		parts = append(parts, fmt.Sprintf("%d locked, %d modified", t.RowsLocked, t.RowsModified))
	}
	return strings.Join(parts, " · ")
}

// sessionTrxClass flags transactions open long enough to hurt: undo history
// and locks pile up behind them.
func sessionTrxClass(t *dba.Transaction) string {
	switch {
	case t == nil:
		return ""
	case t.Age >= 5*time.Minute:
		return "age-bad"
	case t.Age >= 30*time.Second:
		return "age-warn"
	}
	return ""
}

// sessionLockText is a session's lock role in words.
func sessionLockText(s dba.Session) string {
	waits := "waits for " + strings.Join(s.BlockedBy, ", ")
	switch s.LockRole {
	case dba.LockRoleRoot:
		return "root blocker"
	case dba.LockRoleBlocked:
		return waits
	case dba.LockRoleBoth:
		return waits + "; blocking"
	}
	return ""
}

// killVals is the form of a kill request for hx-vals: the safety dialog's
// fields, as JSON (htmx parses it without eval).
func killVals(id int64, query bool) string {
	q := "0"
	if query {
		q = "1"
	}
	b, _ := json.Marshal(map[string]string{"kind": "kill", "id": strconv.FormatInt(id, 10), "query": q})
	return string(b)
}

// statusRate prints a per-second rate; nil is "n/a" (not measured), never 0.
func statusRate(v *float64) string {
	if v == nil {
		return "n/a"
	}
	switch a := *v; {
	case a >= 100:
		return strconv.FormatFloat(a, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(a, 'f', 1, 64)
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

// statusPct prints a percentage; nil is "n/a".
func statusPct(v *float64, digits int) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', digits, 64) + "%"
}

// opsNumAttr is a number for a data attribute; "" for nil so scripts can
// tell "not measured" from 0.
func opsNumAttr(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// statusUptime prints an uptime in days and clock time.
func statusUptime(d time.Duration) string {
	d = d.Round(time.Second)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	if days > 0 {
		return fmt.Sprintf("%dd %s", days, d)
	}
	return d.String()
}

// statusReplication is the replication role and, on a replica, its lag and
// threads.
func statusReplication(r dba.Replication) string {
	if r.Role != dba.RoleReplica {
		return dashIfEmpty(r.Role)
	}
	s := "replica"
	if r.Source != "" {
		s += " of " + r.Source
	}
	if r.LagSeconds != nil {
		s += fmt.Sprintf(", %ds behind", *r.LagSeconds)
	}
	s += fmt.Sprintf(" (IO thread %s, SQL thread %s)", dashIfEmpty(r.IORunning), dashIfEmpty(r.SQLRunning))
	return s
}

// varValueText is a variable's value; NULL for none.
func varValueText(v *string) string {
	if v == nil {
		return "NULL"
	}
	return *v
}

// varDefaultText is a variable's compiled default: "–" when the server does
// not publish one, "" shown as a pair of quotes so it is visible.
func varDefaultText(v dba.Variable) string {
	if v.Default == nil {
		return "–"
	}
	if *v.Default == "" {
		return `""`
	}
	return *v.Default
}

// varTypeText is the normalised type; the server's own word for it goes
// in a tooltip (varServerType).
func varTypeText(m dba.VariableMeta) string {
	if m.Type == "" {
		return dashIfEmpty(strings.ToLower(m.ServerType))
	}
	return string(m.Type)
}

// varServerType is the server's name for a variable's type.
func varServerType(m dba.VariableMeta) string {
	if m.ServerType == "" {
		return ""
	}
	return "server type: " + strings.ToLower(m.ServerType)
}

// varRangeText is a numeric range or the allowed values.
func varRangeText(m dba.VariableMeta) string {
	switch {
	case m.Min != "" || m.Max != "":
		r := dashIfEmpty(m.Min) + " … " + dashIfEmpty(m.Max)
		if m.BlockSize != "" && m.BlockSize != "0" && m.BlockSize != "1" {
			r += " (multiple of " + m.BlockSize + ")"
		}
		return r
	case len(m.Allowed) > 0:
		return strings.Join(m.Allowed, ", ")
	}
	return ""
}

// varDynamicText says whether SET can change a variable; "?" when the
// server does not say.
func varDynamicText(d *bool) string {
	switch {
	case d == nil:
		return "?"
	case *d:
		return "yes"
	}
	return "no"
}

// varChangedText explains Variable.Changed.
func varChangedText(c string) string {
	switch c {
	case dba.ChangeSet:
		return "set"
	case dba.ChangeDiffers:
		return "differs"
	}
	return ""
}

// varEditable reports whether the page offers to change a variable's global
// value: it has one and the server does not say it is read-only. The gate
// and dba.Validate still decide; this only avoids offering what cannot
// work.
func varEditable(v dba.Variable) bool {
	if v.Dynamic != nil && !*v.Dynamic {
		return false
	}
	return v.Scope == dba.ScopeUnknown || v.Scope.HasGlobal()
}

// varInputValue is the value to start an edit from.
func varInputValue(v dba.Variable) string {
	if v.Value == nil {
		return ""
	}
	return *v.Value
}

// opsTime prints a time in the local zone of the mydba process, as the
// CLI does (the UI runs on the user's own machine).
func opsTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Local().Format(time.DateTime)
}

// opsClock is the time of day of a sample.
func opsClock(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Local().Format(time.TimeOnly)
}

// opsMillis is a time for scripts.
func opsMillis(t time.Time) string {
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func opsQueryEscape(s string) string { return url.QueryEscape(s) }
