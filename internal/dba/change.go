package dba

import "time"

// ChangeFacts is what the engine says about a statement before it runs.
type ChangeFacts struct {
	// Explain is the server's EXPLAIN of the statement, as text rows.
	Explain []string `json:"explain,omitempty"`
	// Rows is how many rows the statement would touch; -1 when unknown.
	Rows int64 `json:"rows"`
	// RowsExact is false when Rows is the optimizer's estimate.
	RowsExact bool   `json:"rows_exact"`
	RowsNote  string `json:"rows_note,omitempty"`
	// Replicated: the statement goes to the binary log (log_bin and
	// sql_log_bin on), so replicas will apply it too.
	Replicated bool `json:"replicated"`
	// Transactional: every table written is on a transactional engine, so
	// the statement can run in a transaction and be rolled back.
	Transactional bool `json:"transactional"`
	// Notes are other things the engine wants the user to know.
	Notes []string `json:"notes,omitempty"`
}

// TxMode is how Execute runs a statement.
type TxMode int

// Transaction modes.
const (
	// NoTx: the statement commits implicitly (DDL, accounts, admin).
	NoTx TxMode = iota
	// TxCommit: BEGIN, statement, check, COMMIT.
	TxCommit
	// TxRollback: BEGIN, statement, ROLLBACK — to see what it would do.
	TxRollback
)

// ChangeResult is what executing a statement did.
type ChangeResult struct {
	RowsAffected int64         `json:"rows_affected"`
	Duration     time.Duration `json:"duration_ns"`
	// RolledBack is set when the transaction was rolled back (asked for,
	// or the affected rows broke the policy).
	RolledBack bool     `json:"rolled_back,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
}
