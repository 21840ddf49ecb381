// Package mycnf reads MySQL and MariaDB option files (my.cnf, ~/.my.cnf) and
// the obfuscated login-path file ~/.mylogin.cnf written by
// mysql_config_editor, with the servers' own rules for groups, quoting,
// escapes, comments and !include/!includedir, which generic ini libraries
// get wrong.
//
// It is pure code over files and bytes: no network, no connection. It
// imports only the standard library, and nothing in mydba is imported from
// here. Option values are often passwords, so no error produced by this
// package ever contains one.
package mycnf

import (
	"fmt"
	"strings"
)

// Option is one option line of an option file.
type Option struct {
	// Group is the lower-cased name of the [group] the option is in.
	Group string
	// Key is normalised: lower-case, '_' turned into '-', leading "loose-"
	// removed, so "Loose_Max_Allowed_Packet" is "max-allowed-packet".
	Key string
	// Value has quotes removed and escapes applied. It is empty for a bare
	// key (a boolean switch such as "skip-ssl").
	Value string
	// HasValue tells "key=" (true, empty value) from a bare "key" (false).
	HasValue bool
	// File and Line say where the option was read, for messages.
	File string
	Line int
}

// Options is the content of one option file and of everything it includes,
// in reading order. The zero value is empty and ready to use.
type Options struct {
	groups []string // distinct group names, in order of first appearance
	opts   []Option // every option in reading order
}

// Groups returns the distinct group names (lower-cased) in the order they
// first appear, including groups that hold no option.
func (o *Options) Groups() []string {
	return append([]string(nil), o.groups...)
}

// All returns every option in reading order.
func (o *Options) All() []Option {
	return append([]Option(nil), o.opts...)
}

// Group returns the merged options of the named groups (case-insensitive).
// As in the servers, the group names only select options: options are
// applied in reading order, so the one read last wins, whichever of the
// named groups it is in. A bare key maps to "".
func (o *Options) Group(names ...string) map[string]string {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[strings.ToLower(strings.TrimSpace(n))] = true
	}
	out := map[string]string{}
	for _, op := range o.opts {
		if want[op.Group] {
			out[op.Key] = op.Value
		}
	}
	return out
}

func (o *Options) addGroup(name string) {
	for _, g := range o.groups {
		if g == name {
			return
		}
	}
	o.groups = append(o.groups, name)
}

// Error is a problem at a line of an option file. Its message never quotes
// the line, because the line may hold a password.
type Error struct {
	File string
	Line int
	Msg  string
	// Err is the underlying cause, such as the failure of an included file.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }
