package workbench

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/dba"
)

// TestExplainable: what may be explained, decided before anything is sent.
func TestExplainable(t *testing.T) {
	tests := []struct {
		sql  string
		kind explainKind
		err  string
	}{
		{"SELECT * FROM t", explainRead, ""},
		{"WITH a AS (SELECT 1) SELECT * FROM a", explainRead, ""},
		{"SELECT 1 UNION SELECT 2", explainRead, ""},
		{"TABLE t", explainRead, ""},
		{"SELECT * FROM t FOR UPDATE", explainLocking, ""},
		{"UPDATE t SET a = 1", explainWrite, ""},
		{"DELETE t FROM t JOIN u ON u.id = t.id", explainWrite, ""},
		{"INSERT INTO t SELECT * FROM u", explainWrite, ""},
		{"REPLACE INTO t VALUES (1)", explainWrite, ""},
		{"EXPLAIN SELECT 1", 0, "give the statement itself"},
		{"ANALYZE FORMAT=JSON SELECT 1", 0, "give the statement itself"},
		{"DROP TABLE t", 0, "EXPLAIN takes SELECT"},
		{"CALL p()", 0, "EXPLAIN takes SELECT"},
		{"SET GLOBAL max_connections = 10", 0, "EXPLAIN takes SELECT"},
		{"SELECT * INTO OUTFILE '/tmp/x' FROM t", 0, "EXPLAIN takes SELECT"},
		{"SHOW TABLES", 0, "EXPLAIN takes SELECT"},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			k, err := explainable(tt.sql)
			if tt.err != "" {
				if err == nil || !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || k != tt.kind {
				t.Errorf("kind %v err %v, want %v", k, err, tt.kind)
			}
		})
	}
}

func TestReadPlanFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "p.txt")
	os.WriteFile(good, []byte("-> Table scan on t  (cost=1 rows=2)\n"), 0o600)
	if p, err := ReadPlanFile(good, nil); err != nil || p.Root == nil || p.Root.Table != "t" {
		t.Errorf("good: %+v %v", p, err)
	}
	if _, err := ReadPlanFile(filepath.Join(dir, "nope"), nil); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	big := filepath.Join(dir, "big.json")
	f, _ := os.Create(big)
	f.Truncate(17 << 20)
	f.Close()
	if _, err := ReadPlanFile(big, nil); !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), "plans are read up to") {
		t.Errorf("big: %v", err)
	}
	if p, err := ReadPlanFile("-", func() ([]byte, error) {
		return []byte(`{"query_block":{"select_id":1,"table":{"message":"No tables used"}}}`), nil
	}); err != nil || p.Format != dba.PlanJSON {
		t.Errorf("stdin: %+v %v", p, err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	if _, err := ReadPlanFile(empty, nil); !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), "plan is empty") {
		t.Errorf("empty: %v", err)
	}
}
