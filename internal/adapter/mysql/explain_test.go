package mysql

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// TestExplainSQL: the statement that returns a plan, per flavour and
// version (MySQL 8.x cannot run here; the choice is a pure function).
func TestExplainSQL(t *testing.T) {
	server := func(f dba.Flavor, maj, min, patch int) dba.Server {
		return dba.Server{Flavor: f, Version: dba.Version{Major: maj, Minor: min, Patch: patch}}
	}
	tests := []struct {
		name    string
		s       dba.Server
		analyze bool
		want    string
		err     string
	}{
		{"MariaDB 10.6 explain", server(dba.FlavorMariaDB, 10, 6, 16), false, "EXPLAIN FORMAT=JSON ", ""},
		{"MariaDB 10.11 analyze", server(dba.FlavorMariaDB, 10, 11, 6), true, "ANALYZE FORMAT=JSON ", ""},
		{"MariaDB 11.4 analyze", server(dba.FlavorMariaDB, 11, 4, 2), true, "ANALYZE FORMAT=JSON ", ""},
		{"MySQL 8.0.17 explain", server(dba.FlavorMySQL, 8, 0, 17), false, "EXPLAIN FORMAT=JSON ", ""},
		{"MySQL 8.0.17 analyze", server(dba.FlavorMySQL, 8, 0, 17), true, "", "needs MySQL 8.0.18 or later"},
		{"MySQL 8.0.18 analyze", server(dba.FlavorMySQL, 8, 0, 18), true, "EXPLAIN ANALYZE ", ""},
		{"MySQL 8.0.31 analyze", server(dba.FlavorMySQL, 8, 0, 31), true, "EXPLAIN ANALYZE ", ""},
		{"MySQL 8.0.32 analyze", server(dba.FlavorMySQL, 8, 0, 32), true, "EXPLAIN ANALYZE FORMAT=TREE ", ""},
		{"MySQL 8.4 analyze", server(dba.FlavorMySQL, 8, 4, 0), true, "EXPLAIN ANALYZE FORMAT=TREE ", ""},
		{"MySQL 9.5 explain", server(dba.FlavorMySQL, 9, 5, 0), false, "EXPLAIN FORMAT=JSON ", ""},
		{"MySQL 9.5 analyze", server(dba.FlavorMySQL, 9, 5, 0), true, "EXPLAIN ANALYZE FORMAT=TREE ", ""},
		{"MySQL 5.7 analyze", server(dba.FlavorMySQL, 5, 7, 44), true, "", "needs MySQL 8.0.18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExplainSQL(tt.s, tt.analyze)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, dba.ErrInvalid) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestExplainErrors: a failing statement, and ANALYZE past its time
// limit, come back as the error kinds users see; the session is killed
// on the server.
func TestExplainErrors(t *testing.T) {
	p := params(dbtest.LeastPriv(t))
	p.StatementTimeout = time.Second
	db := open(t, p)
	ctx := context.Background()
	if _, err := db.Explain(ctx, "SELECT * FROM no_such_table", false); !errors.Is(err, dba.ErrNotFound) || !strings.Contains(err.Error(), "could not explain") {
		t.Errorf("unknown table: %v", err)
	}
	if _, err := db.Explain(ctx, "SELECT FROM", false); !errors.Is(err, dba.ErrInvalid) {
		t.Errorf("syntax error: %v", err)
	}
	start := time.Now()
	if _, err := db.Explain(ctx, "SELECT SLEEP(10)", true); !errors.Is(err, dba.ErrTimeout) {
		t.Errorf("analyze past the limit: %v", err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("took %v", took)
	}
	// The read session is read-only: ANALYZE of a read cannot write.
	out, err := db.Explain(ctx, "SELECT 1", true)
	if err != nil || !strings.Contains(out, "r_total_time_ms") {
		t.Errorf("analyze: %v %s", err, out)
	}
}
