package workbench

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

func TestVariables(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	ctx := context.Background()
	req := sandboxRequest(t, dbtest.EnvLeastPriv, dbtest.LeastPriv)
	t.Run("changed only", func(t *testing.T) {
		res, err := w.Variables(ctx, req, VariablesRequest{Changed: true})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, v := range res.Variables {
			if v.Changed == "" {
				t.Errorf("%s is unchanged", v.Name)
			}
			seen[v.Name] = true
		}
		for _, n := range []string{"long_query_time", "slow_query_log", "performance_schema", "server_id"} {
			if !seen[n] {
				t.Errorf("%s missing from --changed", n)
			}
		}
		if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "FILE privilege") {
			t.Errorf("notes %q", res.Notes)
		}
	})
	t.Run("session scope", func(t *testing.T) {
		res, err := w.Variables(ctx, req, VariablesRequest{Scope: dba.ScopeSession, Pattern: "pseudo_thread"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Variables) != 1 || res.Variables[0].Scope != dba.ScopeSession {
			t.Errorf("%+v", res.Variables)
		}
	})
	tests := []struct {
		name    string
		q       VariablesRequest
		target  error
		message string
	}{
		{"typo suggests", VariablesRequest{Pattern: "max_conections"}, dba.ErrNotFound, `did you mean "max_connections"`},
		{"session-only asked globally", VariablesRequest{Pattern: "pseudo_thread_id"}, dba.ErrNotFound, "it is a session-only variable (use --session)"},
		{"global-only asked in session", VariablesRequest{Scope: dba.ScopeSession, Pattern: "max_connections"}, dba.ErrNotFound, "it is a global-only variable (use --global)"},
		{"control character", VariablesRequest{Pattern: "max\x00"}, dba.ErrInvalid, "control character"},
		{"bad scope", VariablesRequest{Scope: "both"}, dba.ErrInvalid, "want global or session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.Variables(ctx, req, tt.q)
			if !errors.Is(err, tt.target) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %v, want %v with %q", err, tt.target, tt.message)
			}
		})
	}
}

// Bad input is refused before any connection: nothing listens on port 1.
func TestVariablesBadInputDoesNotConnect(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	_, err := w.Variables(context.Background(), ConnRequest{DSN: "mysql://u@127.0.0.1:1/", Timeout: time.Second}, VariablesRequest{Pattern: strings.Repeat("x", 201)})
	if !errors.Is(err, dba.ErrInvalid) {
		t.Errorf("err = %v", err)
	}
}
