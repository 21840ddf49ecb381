package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var analyzeRowsRE = regexp.MustCompile(`about [0-9]+ rows`)

// analyzeScript touches most rules and needs no server.
const analyzeScript = `SELECT * FROM orders o, customers c WHERE DATE(o.created_at) = '2024-01-01';
SELECT customer_id, status, COUNT(*) FROM orders GROUP BY customer_id ORDER BY RAND() LIMIT 20000, 10;
DELETE FROM orders;
SELECT id FROM products WHERE name LIKE 'lamp%'`

func TestAnalyzeOutputs(t *testing.T) {
	c := newCLI(t)
	golden(t, "analyze-table", c.ok("", "analyze", analyzeScript))
	golden(t, "analyze-json", c.ok("", "analyze", "-o", "json", analyzeScript))
	golden(t, "analyze-csv", c.ok("", "analyze", "-o", "csv", analyzeScript))
}

func TestAnalyzeSchemaAwareCLI(t *testing.T) {
	c, dsn := queryCLI(t)
	script := "SELECT * FROM order_items;\nSELECT id FROM customers WHERE email = 42;\nSELECT id FROM orders WHERE DATE(created_at) = '2024-01-01'"
	out := c.ok("", "analyze", "--dsn", dsn, script)
	// Row estimates move with the engine's sampling: mask them.
	golden(t, "analyze-schema", analyzeRowsRE.ReplaceAllString(out, "about N rows"))
	out = c.ok("", "analyze", "--dsn", strings.TrimSuffix(dsn, "/shop"), "--database", "shop", "-o", "json", "SELECT id FROM customers WHERE email = 42")
	if !strings.Contains(out, `"code": "ImplicitConversion"`) || !strings.Contains(out, `"schema_aware": true`) {
		t.Errorf("--database shop:\n%s", out)
	}
}

func TestAnalyzeInputsAndExitCodes(t *testing.T) {
	c := newCLI(t)
	file := filepath.Join(t.TempDir(), "m.sql")
	if err := os.WriteFile(file, []byte("UPDATE orders SET status = 'x';\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{name: "findings alone exit 0", args: []string{"analyze", "DELETE FROM t"}, stdout: "error    DeleteWithoutWhere at 1:1 (t)"},
		{name: "fail on warning", args: []string{"analyze", "--fail-on", "warning", "SELECT * FROM t"}, code: 1, stdout: "SelectStar", stderr: "1 finding at warning or above (--fail-on warning)"},
		{name: "fail on error passes warnings", args: []string{"analyze", "--fail-on", "error", "SELECT * FROM t"}, stdout: "SelectStar"},
		{name: "fail on info without findings", args: []string{"analyze", "--fail-on", "info", "SELECT id FROM t WHERE id = 1"}, stdout: "no findings"},
		{name: "file", args: []string{"analyze", "-f", file, "--fail-on", "error"}, code: 1, stdout: "UpdateWithoutWhere", stderr: "1 finding at error or above"},
		{name: "stdin", stdin: "SELECT a FROM t UNION SELECT a FROM u", args: []string{"analyze"}, stdout: "info     UnionWithoutAll"},
		{name: "not parsed", args: []string{"analyze", "SELEC 1"}, stdout: "NotAnalyzed"},
		{name: "bad severity", args: []string{"analyze", "--fail-on", "fatal", "SELECT 1"}, code: exitUsage, stderr: `severity "fatal": want info, warning or error`},
		{name: "database without connection", args: []string{"analyze", "--database", "shop", "SELECT 1"}, code: exitUsage, stderr: "--database needs a connection"},
		{name: "negative threshold", args: []string{"analyze", "--large-rows", "-1", "SELECT 1"}, code: exitUsage, stderr: "--large-rows"},
		{name: "empty", stdin: "  \n", args: []string{"analyze"}, code: exitUsage, stderr: "no SQL"},
		{name: "argument and file", args: []string{"analyze", "-f", file, "SELECT 1"}, code: exitUsage, stderr: "not both"},
		{name: "missing file", args: []string{"analyze", "-f", file + ".nope"}, code: exitUsage, stderr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(tt.stdin, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
		})
	}
}
