package lockgraph

import (
	"cmp"
	"github.com/mydba/mydba/internal/sqltext"
	"slices"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Filter returns the sessions f selects, in their original order. User, DB
// and Command match whole values, case-insensitively; Text is a
// case-insensitive substring of the statement.
func Filter(sessions []dba.Session, f dba.ProcessFilter) []dba.Session {
	text := strings.ToLower(f.Text)
	out := make([]dba.Session, 0, len(sessions))
	for _, s := range sessions {
		switch {
		case s.Self && !f.IncludeSelf,
			f.User != "" && !strings.EqualFold(s.User, f.User),
			f.DB != "" && !strings.EqualFold(s.DB, f.DB),
			f.Command != "" && !strings.EqualFold(s.Command, f.Command),
			f.MinTime > 0 && s.Time < f.MinTime,
			f.Active && !s.Active(),
			text != "" && !strings.Contains(strings.ToLower(s.Info), text):
			continue
		}
		out = append(out, s)
	}
	return out
}

// Sort orders sessions in place by key: durations and counts largest
// first, text A to Z, ties by id; reverse flips the whole order.
func Sort(sessions []dba.Session, key dba.ProcessSortKey, reverse bool) {
	less := func(a, b dba.Session) int {
		var c int
		switch key {
		case dba.SortID:
		case dba.SortUser:
			c = strings.Compare(a.User, b.User)
		case dba.SortHost:
			c = strings.Compare(a.Host, b.Host)
		case dba.SortDB:
			c = strings.Compare(a.DB, b.DB)
		case dba.SortCommand:
			c = strings.Compare(a.Command, b.Command)
		case dba.SortState:
			c = strings.Compare(a.State, b.State)
		case dba.SortTrxAge:
			c = cmp.Compare(trxField(b, func(t *dba.Transaction) time.Duration { return t.Age }), trxField(a, func(t *dba.Transaction) time.Duration { return t.Age }))
		case dba.SortRowsLocked:
			c = cmp.Compare(trxField(b, func(t *dba.Transaction) int64 { return t.RowsLocked }), trxField(a, func(t *dba.Transaction) int64 { return t.RowsLocked }))
		case dba.SortWait:
			c = cmp.Compare(trxField(b, func(t *dba.Transaction) time.Duration { return t.Wait }), trxField(a, func(t *dba.Transaction) time.Duration { return t.Wait }))
		default: // time
			c = cmp.Compare(b.Time, a.Time)
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if reverse {
			c = -c
		}
		return c
	}
	slices.SortStableFunc(sessions, less)
}

func trxField[T cmp.Ordered](s dba.Session, f func(*dba.Transaction) T) T {
	var zero T
	if s.Trx == nil {
		return zero
	}
	return f(s.Trx)
}

// maxGroupIDs bounds the ids listed per group: a group of 900 idle
// connections needs its count, not 900 numbers.
const maxGroupIDs = 20

// GroupValue is the value a session has for a group key.
func GroupValue(s dba.Session, k dba.GroupKey) string {
	switch k {
	case dba.GroupUser:
		return s.User
	case dba.GroupHost:
		return HostWithoutPort(s.Host)
	case dba.GroupDB:
		return s.DB
	case dba.GroupCommand:
		return s.Command
	case dba.GroupState:
		return s.State
	case dba.GroupFingerprint:
		return sqltext.Fingerprint(s.Info)
	case dba.GroupTransaction:
		if s.Trx == nil {
			return "none"
		}
		return s.Trx.State
	case dba.GroupLockRole:
		if s.LockRole == "" {
			return string(dba.LockRoleNone)
		}
		return string(s.LockRole)
	}
	return ""
}

// Group counts sessions by the values of one or two keys. Groups come
// largest first, ties by their values.
func Group(sessions []dba.Session, keys []dba.GroupKey) []dba.ProcessGroup {
	index := map[string]int{}
	groups := []dba.ProcessGroup{}
	for _, s := range sessions {
		vals := make([]string, len(keys))
		for i, k := range keys {
			vals[i] = GroupValue(s, k)
		}
		// \x00 cannot occur in the values mydba reads back from the
		// server as text, so it separates them unambiguously.
		key := strings.Join(vals, "\x00")
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, dba.ProcessGroup{Values: vals, IDs: []int64{}})
		}
		g := &groups[i]
		g.Sessions++
		if s.Active() {
			g.Active++
		}
		if s.Trx != nil {
			g.InTrx++
			g.MaxTrxAge = max(g.MaxTrxAge, s.Trx.Age)
		}
		switch s.LockRole {
		case dba.LockRoleBlocked:
			g.Blocked++
		case dba.LockRoleRoot:
			g.Blocking++
		case dba.LockRoleBoth:
			g.Blocked++
			g.Blocking++
		}
		g.MaxTime = max(g.MaxTime, s.Time)
		g.TotalTime += s.Time
		g.IDs = append(g.IDs, s.ID)
	}
	for i := range groups {
		slices.Sort(groups[i].IDs)
		if len(groups[i].IDs) > maxGroupIDs {
			groups[i].IDs = groups[i].IDs[:maxGroupIDs]
		}
	}
	slices.SortFunc(groups, func(a, b dba.ProcessGroup) int {
		if c := cmp.Compare(b.Sessions, a.Sessions); c != 0 {
			return c
		}
		return slices.Compare(a.Values, b.Values)
	})
	return groups
}
