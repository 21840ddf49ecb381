package dba

import (
	"fmt"
	"strings"
	"time"
)

// ProcessSnapshot is one look at a server's sessions, their InnoDB
// transactions and the lock waits between them, taken in a few round trips.
// The sources are read one after another, so a wait may name a session that
// ended in between; consumers must tolerate that.
type ProcessSnapshot struct {
	Server  Server    `json:"server"`
	TakenAt time.Time `json:"taken_at"`
	// Source names where sessions came from, e.g.
	// "information_schema.PROCESSLIST" or "performance_schema.threads".
	Source string `json:"source"`
	// LockSource names where lock waits came from, empty when none were
	// read (no transaction was waiting, or the source was unavailable).
	LockSource string     `json:"lock_source,omitempty"`
	Sessions   []Session  `json:"sessions"`
	LockWaits  []LockWait `json:"lock_waits"`
	// SelfID is the session mydba used to take the snapshot.
	SelfID   int64    `json:"self_id"`
	Warnings []string `json:"warnings,omitempty"`
}

// Session is one row of the process list, with its transaction if it has
// one open in InnoDB.
type Session struct {
	// ID is the processlist id (what KILL takes).
	ID int64 `json:"id"`
	// ThreadID is the performance_schema thread id, 0 when unknown. MySQL's
	// data_locks name threads by it.
	ThreadID int64  `json:"thread_id,omitempty"`
	User     string `json:"user"`
	// Host is the client as the server shows it, usually host:port.
	Host    string `json:"host"`
	DB      string `json:"db,omitempty"`
	Command string `json:"command"`
	State   string `json:"state,omitempty"`
	// Info is the statement running, empty when idle.
	Info string `json:"info,omitempty"`
	// Time is how long the session has been in its current state (MariaDB
	// reports milliseconds, MySQL whole seconds).
	Time time.Duration `json:"time_ns"`
	// RowsExamined by the running statement, where the server reports it
	// (MariaDB); -1 when unknown.
	RowsExamined   int64        `json:"rows_examined"`
	ConnectionType string       `json:"connection_type,omitempty"`
	Trx            *Transaction `json:"trx,omitempty"`
	// Self marks the session mydba used to take the snapshot.
	Self bool `json:"self,omitempty"`
	// LockRole and BlockedBy come from the lock graph built over the whole
	// snapshot (before any filter), so a blocker hidden by a filter still
	// makes its victims "blocked".
	LockRole  LockRole `json:"lock_role"`
	BlockedBy []string `json:"blocked_by,omitempty"`
}

// Active reports whether the session is doing something: not Sleep and not
// a server daemon.
func (s Session) Active() bool {
	return !strings.EqualFold(s.Command, "Sleep") && !strings.EqualFold(s.Command, "Daemon")
}

// Transaction is a session's open InnoDB transaction (INNODB_TRX).
type Transaction struct {
	ID    string `json:"id"`
	State string `json:"state"`
	// Started is when the transaction began; Age is measured on the server
	// clock at snapshot time, so client clock skew does not matter.
	Started time.Time     `json:"started"`
	Age     time.Duration `json:"age_ns"`
	// Wait is how long the transaction has waited for its current lock
	// request; zero when it is not waiting.
	Wait           time.Duration `json:"wait_ns,omitempty"`
	RowsLocked     int64         `json:"rows_locked"`
	RowsModified   int64         `json:"rows_modified"`
	LockStructs    int64         `json:"lock_structs"`
	TablesLocked   int64         `json:"tables_locked"`
	Isolation      string        `json:"isolation"`
	ReadOnly       bool          `json:"read_only"`
	OperationState string        `json:"operation_state,omitempty"`
}

// Waiting reports whether the transaction waits for a lock.
func (t *Transaction) Waiting() bool { return t != nil && t.State == "LOCK WAIT" }

// LockWait is one "waiter waits for blocker" pair as the server reports it:
// MySQL 8+ performance_schema.data_lock_waits, MariaDB (and MySQL 5.7)
// information_schema.INNODB_LOCK_WAITS. A waiter may have several blockers
// (shared locks, or earlier waiters queued on the same row).
type LockWait struct {
	// WaitingID and BlockingID are processlist ids, 0 when the transaction
	// has no session (a recovered XA transaction, or one that just ended).
	WaitingID     int64  `json:"waiting_id"`
	WaitingTrxID  string `json:"waiting_trx_id"`
	BlockingID    int64  `json:"blocking_id"`
	BlockingTrxID string `json:"blocking_trx_id"`
	// Wait is how long the waiter has waited (from its transaction).
	Wait time.Duration `json:"wait_ns"`
	// LockMode is the mode requested (X, S, X,REC_NOT_GAP, AUTO_INC...);
	// BlockingLockMode the mode held by the blocker.
	LockMode         string `json:"lock_mode"`
	BlockingLockMode string `json:"blocking_lock_mode,omitempty"`
	// LockType is RECORD or TABLE.
	LockType  string `json:"lock_type"`
	Schema    string `json:"schema,omitempty"`
	Table     string `json:"table,omitempty"`
	Partition string `json:"partition,omitempty"`
	Index     string `json:"index,omitempty"`
	// LockData is the locked key as InnoDB prints it, e.g. "1922, 1922".
	LockData string `json:"lock_data,omitempty"`
}

// Object names the locked table and index for display:
// schema.table (index), with names quoted in backticks where they are not
// plain identifiers, so the text can be pasted back into SQL.
func (w LockWait) Object() string {
	var b strings.Builder
	if w.Schema != "" {
		b.WriteString(displayIdent(w.Schema) + ".")
	}
	b.WriteString(displayIdent(w.Table))
	if w.Partition != "" {
		b.WriteString(" partition " + w.Partition)
	}
	if w.Index != "" {
		b.WriteString(" (" + w.Index + ")")
	}
	return b.String()
}

// displayIdent quotes a name unless it is letters, digits, _ and $ only
// (and not all digits).
func displayIdent(s string) string {
	plain, digits := s != "", true
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
			digits = false
		default:
			plain = false
		}
	}
	if plain && !digits {
		return s
	}
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// LockRole is a session's place in the lock graph.
type LockRole string

// Lock roles. A root blocker blocks others and waits for nobody; "both"
// waits and is waited for (the middle of a chain, or a cycle).
const (
	LockRoleNone    LockRole = "none"
	LockRoleRoot    LockRole = "root"
	LockRoleBlocked LockRole = "blocked"
	LockRoleBoth    LockRole = "both"
)

// LockGraph is who waits for whom, built from a snapshot's lock waits.
// Nodes are keyed by ID: the processlist id in decimal, or "trx:<id>" for a
// transaction without a session.
type LockGraph struct {
	Nodes []LockNode `json:"nodes"`
	// Edges are the distinct waiter→blocker pairs with the lock details of
	// the first report of each pair.
	Edges []LockEdge `json:"edges"`
	// Roots are the root blockers, the worst first.
	Roots []string `json:"roots"`
	// Cycles are sets of nodes that wait for each other (a deadlock InnoDB
	// has not resolved yet), each sorted.
	Cycles   [][]string `json:"cycles,omitempty"`
	MaxDepth int        `json:"max_depth"`
}

// LockNode is one session or transaction that waits or blocks.
type LockNode struct {
	ID      string   `json:"id"`
	Session int64    `json:"session,omitempty"`
	TrxID   string   `json:"trx_id,omitempty"`
	Role    LockRole `json:"role"`
	// BlockedBy are the direct blockers; Blocking the direct waiters.
	BlockedBy []string `json:"blocked_by,omitempty"`
	Blocking  []string `json:"blocking,omitempty"`
	// RootBlockers are the root blockers this node waits for, directly or
	// through others.
	RootBlockers []string `json:"root_blockers,omitempty"`
	// Depth is the longest chain of waits from a root blocker to this node:
	// 0 for a root, 1 for its direct waiters, and so on.
	Depth int `json:"depth"`
	// Waiters counts every node waiting for this one, directly or not.
	Waiters int `json:"waiters"`
	// Wait is how long this node has waited for its lock.
	Wait    time.Duration `json:"wait_ns,omitempty"`
	InCycle bool          `json:"in_cycle,omitempty"`
}

// LockEdge is "From waits for To".
type LockEdge struct {
	From string   `json:"from"`
	To   string   `json:"to"`
	Lock LockWait `json:"lock"`
}

// LockTreeLine is one line of the indented lock view: root blockers first,
// then who they block, depth-first. A node blocked by several others is
// listed under each; Repeat marks the later listings, whose subtree is not
// repeated.
type LockTreeLine struct {
	ID     string `json:"id"`
	Parent string `json:"parent,omitempty"`
	Level  int    `json:"level"`
	Repeat bool   `json:"repeat,omitempty"`
}

// ProcessFilter selects sessions. Zero values select everything (except
// mydba's own session, unless IncludeSelf).
type ProcessFilter struct {
	User    string        `json:"user,omitempty"`
	DB      string        `json:"db,omitempty"`
	Command string        `json:"command,omitempty"`
	MinTime time.Duration `json:"min_time_ns,omitempty"`
	// Text is a case-insensitive substring of the running statement.
	Text string `json:"text,omitempty"`
	// Active drops idle sessions (Sleep) and daemons.
	Active      bool `json:"active,omitempty"`
	IncludeSelf bool `json:"include_self,omitempty"`
}

// ProcessSortKey orders sessions.
type ProcessSortKey string

// Sort keys. Durations and counts sort largest first, text A to Z.
const (
	SortTime       ProcessSortKey = "time"
	SortID         ProcessSortKey = "id"
	SortUser       ProcessSortKey = "user"
	SortHost       ProcessSortKey = "host"
	SortDB         ProcessSortKey = "db"
	SortCommand    ProcessSortKey = "command"
	SortState      ProcessSortKey = "state"
	SortTrxAge     ProcessSortKey = "trx_age"
	SortRowsLocked ProcessSortKey = "rows_locked"
	SortWait       ProcessSortKey = "wait"
)

// SortKeys lists the accepted sort keys.
func SortKeys() []ProcessSortKey {
	return []ProcessSortKey{SortTime, SortID, SortUser, SortHost, SortDB, SortCommand, SortState, SortTrxAge, SortRowsLocked, SortWait}
}

// ParseSortKey accepts a sort key ("" means time).
func ParseSortKey(s string) (ProcessSortKey, error) {
	k := strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, "-", "_")))
	if k == "" {
		return SortTime, nil
	}
	keys := SortKeys()
	names := make([]string, len(keys))
	for i, v := range keys {
		if string(v) == k {
			return v, nil
		}
		names[i] = string(v)
	}
	return "", unknownChoice("sort key", s, names)
}

// GroupKey is a session attribute sessions can be grouped by.
type GroupKey string

// Group keys. Host is without the client port; fingerprint is the
// statement with literals replaced; transaction is the InnoDB transaction
// state ("none" without one); lock_role is the role in the lock graph.
const (
	GroupUser        GroupKey = "user"
	GroupHost        GroupKey = "host"
	GroupDB          GroupKey = "db"
	GroupCommand     GroupKey = "command"
	GroupState       GroupKey = "state"
	GroupFingerprint GroupKey = "fingerprint"
	GroupTransaction GroupKey = "transaction"
	GroupLockRole    GroupKey = "lock_role"
)

// GroupKeys lists the accepted group keys.
func GroupKeys() []GroupKey {
	return []GroupKey{GroupUser, GroupHost, GroupDB, GroupCommand, GroupState, GroupFingerprint, GroupTransaction, GroupLockRole}
}

// ParseGroupKeys reads a comma-separated list of one or two group keys.
// An empty string means no grouping.
func ParseGroupKeys(s string) ([]GroupKey, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	all := GroupKeys()
	names := make([]string, len(all))
	for i, k := range all {
		names[i] = string(k)
	}
	var keys []GroupKey
	for _, part := range strings.Split(s, ",") {
		p := strings.ToLower(strings.TrimSpace(strings.ReplaceAll(part, "-", "_")))
		switch p {
		case "trx":
			p = string(GroupTransaction)
		case "lock", "role":
			p = string(GroupLockRole)
		}
		var found GroupKey
		for _, k := range all {
			if string(k) == p {
				found = k
			}
		}
		if found == "" {
			return nil, unknownChoice("group key", part, names)
		}
		for _, k := range keys {
			if k == found {
				return nil, fmt.Errorf("%w: group key %q given twice", ErrInvalid, part)
			}
		}
		keys = append(keys, found)
	}
	if len(keys) > 2 {
		return nil, fmt.Errorf("%w: group by one or two keys, not %d", ErrInvalid, len(keys))
	}
	return keys, nil
}

func unknownChoice(what, got string, names []string) error {
	hint := ""
	if s := Suggest(got, names); len(s) > 0 {
		hint = fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return fmt.Errorf("%w: unknown %s %q%s; want one of %s", ErrInvalid, what, got, hint, strings.Join(names, ", "))
}

// ProcessGroup is sessions sharing one or two attribute values.
type ProcessGroup struct {
	// Values are the group's key values, in the order of the keys.
	Values   []string `json:"values"`
	Sessions int      `json:"sessions"`
	Active   int      `json:"active"`
	InTrx    int      `json:"in_trx"`
	Blocked  int      `json:"blocked"`
	Blocking int      `json:"blocking"`
	// MaxTime and TotalTime are over the sessions' Time.
	MaxTime   time.Duration `json:"max_time_ns"`
	TotalTime time.Duration `json:"total_time_ns"`
	MaxTrxAge time.Duration `json:"max_trx_age_ns"`
	// IDs are the sessions in the group, at most 20 (the first by id).
	IDs []int64 `json:"ids"`
}
