package workbench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/mydba/mydba/internal/dba"
)

// VariablesRequest selects system variables.
type VariablesRequest struct {
	// Scope is dba.ScopeGlobal (the default) or dba.ScopeSession.
	Scope dba.VarScope
	// Pattern is a LIKE pattern when it contains %; otherwise the exact
	// name of a variable selects that variable alone, and anything else is
	// a substring of the names (see dba.VariableLike). Empty lists every
	// variable.
	Pattern string
	// Changed keeps only variables changed from their default (see
	// dba.ChangeOf).
	Changed bool
}

// VariablesResult is the variables of one server with what the server
// could and could not say about them.
type VariablesResult struct {
	Server      dba.Server     `json:"server"`
	Scope       dba.VarScope   `json:"scope"`
	Pattern     string         `json:"pattern,omitempty"`
	ChangedOnly bool           `json:"changed_only"`
	Variables   []dba.Variable `json:"variables"`
	// Notes say what the server does not publish, so an empty field is
	// never mistaken for "none".
	Notes []string `json:"notes,omitempty"`
}

// Variables lists a server's system variables with their metadata. The
// pattern goes to the server as a statement parameter; bad input is refused
// before connecting. A pattern that matches no variable at all is
// dba.ErrNotFound with the closest names.
func (w *Workbench) Variables(ctx context.Context, r ConnRequest, q VariablesRequest) (VariablesResult, error) {
	if q.Scope == dba.ScopeUnknown {
		q.Scope = dba.ScopeGlobal
	}
	if q.Scope != dba.ScopeGlobal && q.Scope != dba.ScopeSession {
		return VariablesResult{}, fmt.Errorf("%w: variables scope %q: want global or session", dba.ErrInvalid, q.Scope)
	}
	like, err := dba.VariableLike(q.Pattern)
	if err != nil {
		return VariablesResult{}, err
	}
	// System variable names are ASCII on both servers; a pattern with
	// anything else matches nothing (and MariaDB's utf8mb3 name column
	// would refuse to compare it with a 4-byte character).
	for _, c := range q.Pattern {
		if c > unicode.MaxASCII {
			return VariablesResult{}, fmt.Errorf("%w: no %s variable matches %q: variable names are ASCII", dba.ErrNotFound, q.Scope, q.Pattern)
		}
	}
	if r.CallTimeout <= 0 {
		r.CallTimeout = r.Timeout
	}
	db, _, err := w.open(ctx, r)
	if err != nil {
		return VariablesResult{}, err
	}
	defer db.Close()
	res := VariablesResult{Server: db.Server(), Scope: q.Scope, Pattern: q.Pattern, ChangedOnly: q.Changed, Variables: []dba.Variable{}}
	vars, err := db.Variables(ctx, q.Scope, like)
	if err != nil {
		return res, err
	}
	if len(vars) == 0 && like != "%" {
		return res, w.noVariable(ctx, db, q)
	}
	// A pattern that is exactly a variable's name means that variable,
	// not every name containing it (max_connections, not also
	// extra_max_connections).
	if !strings.Contains(q.Pattern, "%") {
		exact := strings.ToLower(strings.TrimSpace(q.Pattern))
		for _, v := range vars {
			if v.Name == exact {
				vars = []dba.Variable{v}
				break
			}
		}
	}
	hiddenPath := false
	for _, v := range vars {
		if v.Origin == "CONFIG" && v.OriginPath == "" {
			hiddenPath = true
		}
		if q.Changed && v.Changed == "" {
			continue
		}
		res.Variables = append(res.Variables, v)
	}
	res.Notes = variableNotes(res.Server, q.Scope, hiddenPath)
	return res, nil
}

// variablesLister is the one adapter call noVariable needs.
type variablesLister interface {
	Variables(ctx context.Context, scope dba.VarScope, like string) ([]dba.Variable, error)
}

// noVariable builds the not-found error: the variable may exist in the
// other scope (a session-only variable asked for globally), else the
// closest names.
func (w *Workbench) noVariable(ctx context.Context, db variablesLister, q VariablesRequest) error {
	want := strings.ToLower(strings.Trim(q.Pattern, "%"))
	var names []string
	seen := map[string]bool{}
	for _, scope := range []dba.VarScope{dba.ScopeGlobal, dba.ScopeSession} {
		all, err := db.Variables(ctx, scope, "%")
		if err != nil {
			break
		}
		for _, v := range all {
			if scope != q.Scope && v.Name == want {
				return fmt.Errorf("%w: %s has no %s value: it is a %s-only variable (use --%s)", dba.ErrNotFound, v.Name, q.Scope, scope, scope)
			}
			if !seen[v.Name] {
				seen[v.Name] = true
				names = append(names, v.Name)
			}
		}
	}
	msg := fmt.Sprintf("no %s variable matches %q", q.Scope, q.Pattern)
	if s := dba.Suggest(want, names); len(s) > 0 {
		s = s[:min(len(s), 3)]
		for i := range s {
			s[i] = strconv.Quote(s[i])
		}
		msg += " (did you mean " + strings.Join(s, ", ") + "?)"
	}
	return fmt.Errorf("%w: %s", dba.ErrNotFound, msg)
}

// variableNotes says what this server does not publish.
func variableNotes(s dba.Server, scope dba.VarScope, hiddenPath bool) []string {
	var notes []string
	switch {
	case s.IsMariaDB():
		if hiddenPath {
			notes = append(notes, "option file paths are hidden: MariaDB shows GLOBAL_VALUE_PATH only to users with the FILE privilege")
		}
	case s.Version.AtLeast(9, 0):
		notes = append(notes, "MySQL publishes no default value and no read-only flag for system variables: \"changed\" means set by an option file, the command line, SET or SET PERSIST (source not COMPILED)")
	default:
		notes = append(notes, "MySQL 8 publishes no type, default value, description or read-only flag for system variables: \"changed\" means set by an option file, the command line, SET or SET PERSIST (source not COMPILED); MySQL 9 adds types and descriptions")
	}
	if scope == dba.ScopeSession {
		notes = append(notes, "session values are those of mydba's own read-only session, not of your application's sessions")
	}
	return notes
}
