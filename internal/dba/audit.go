package dba

import "time"

// AuditEntry is one record of the safety gate's audit log.
type AuditEntry struct {
	ID        int64         `json:"id"`
	Time      time.Time     `json:"time"`
	Actor     string        `json:"actor"`
	Source    string        `json:"source"`
	Profile   string        `json:"profile"`
	Env       Env           `json:"env"`
	Statement string        `json:"statement"`
	Class     string        `json:"class"`
	Risk      string        `json:"risk"`
	Plan      string        `json:"plan"`
	Verdict   string        `json:"verdict"`
	Confirmed bool          `json:"confirmed"`
	TypedName bool          `json:"typed_name"`
	Reason    string        `json:"reason,omitempty"`
	Status    string        `json:"status"`
	Rows      int64         `json:"rows"`
	Duration  time.Duration `json:"duration_ns"`
	Error     string        `json:"error,omitempty"`
}

// AuditFilter selects audit records.
type AuditFilter struct {
	Text    string
	Profile string
	Status  string
	Since   time.Time
	Limit   int
}

// VariableChange is a variable set through the gate, with the value it had
// before, for undo.
type VariableChange struct {
	ID       int64     `json:"id"`
	Time     time.Time `json:"time"`
	Profile  string    `json:"profile"`
	Name     string    `json:"name"`
	Scope    string    `json:"scope"`
	OldValue string    `json:"old_value"`
	NewValue string    `json:"new_value"`
}
