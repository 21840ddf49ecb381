// Package adapter is the contract between mydba's use cases and a database
// engine: how to connect, and what every engine adapter reports. Concrete
// engines live in sub-packages (adapter/mysql for MySQL and MariaDB).
// Presenters never import this package; the workbench does.
package adapter

import (
	"context"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// ConnectParams is a fully resolved target: option files already merged,
// secrets already fetched. It lives only in memory.
type ConnectParams struct {
	Target   dba.Target
	Password string
	// SSHPassphrase is asked only when the SSH key is encrypted.
	SSHPassphrase func() ([]byte, error)
	// ConnectTimeout bounds dialling, TLS, SSH and the handshake. Default 5s.
	ConnectTimeout time.Duration
	// CallTimeout bounds every statement mydba sends. Default 30s.
	CallTimeout time.Duration
	// MaxOpen caps the connection pool. Default 4.
	MaxOpen int
	// StatementTimeout is the server-side limit on each statement
	// (max_statement_time / max_execution_time). Default CallTimeout; the
	// query runner sets it apart so a script of several statements can run
	// longer than one statement may.
	StatementTimeout time.Duration
	// TemporalAsText returns DATE, DATETIME and TIMESTAMP values as the
	// server's text instead of time.Time, so zero dates ('0000-00-00',
	// '2024-00-15') and fractional digits survive: the query runner and
	// exports need the exact value.
	TemporalAsText bool
}

// Conn is an open, read-only connection pool to one server.
type Conn interface {
	// Server is the flavour and version detected at connect.
	Server() dba.Server
	// Report gathers what a connection test shows.
	Report(ctx context.Context) (dba.ServerReport, error)
	Close() error
}
