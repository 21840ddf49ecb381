package collect

import (
	"context"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Source is the server a scheduler reads. Each collector needs more than
// this and asks for it by type assertion to its own small interface, so a
// source that lacks a capability makes that collector unavailable, not the
// program fail to build.
type Source interface {
	Server() dba.Server
}

// Collector reads one source of a server.
type Collector interface {
	// Name is the collector's stable name: the key of its health, its
	// configuration section and its /metrics label.
	Name() string
	// Supports says whether the server's flavour and version have the
	// source, and if not, why.
	Supports(s dba.Server) (ok bool, why string)
	// Interval and Timeout are the defaults; configuration overrides them.
	Interval() time.Duration
	Timeout() time.Duration
	// Collect reads once. An error wrapping dba.ErrUnavailable means the
	// source is off or not readable with the user's privileges.
	Collect(ctx context.Context, src Source) (dba.Reading, error)
}

// missing is the error of a collector whose source cannot serve it.
func missing(name string) error {
	return &sourceError{name: name}
}

type sourceError struct{ name string }

func (e *sourceError) Error() string {
	return "the connection offers no " + e.name + " reader"
}

func (e *sourceError) Unwrap() error { return dba.ErrUnavailable }
