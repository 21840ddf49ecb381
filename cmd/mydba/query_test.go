package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/dbtest"
)

// queryCLI is a CLI with the sandbox's least-privilege user's password in
// the environment, and its --dsn.
func queryCLI(t *testing.T) (*cli, string) {
	t.Helper()
	d := dbtest.LeastPriv(t)
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = d.Password
	return c, "mysql://" + d.Target.User + "@" + d.Target.Address() + "/shop"
}

var (
	durationRE = regexp.MustCompile(`in [0-9]+(\.[0-9]+)?(ms|s|m[0-9.]+s)`)
	jsonTimeRE = regexp.MustCompile(`"(duration_ns|started)": ("[^"]*"|[0-9]+)`)
	serverRE   = regexp.MustCompile(`(?s)"server": \{.*?\n  \}`)
)

func maskQuery(s string) string {
	s = durationRE.ReplaceAllString(s, "in DURATION")
	s = jsonTimeRE.ReplaceAllString(s, `"$1": "MASKED"`)
	return serverRE.ReplaceAllString(s, `"server": "MASKED"`)
}

// The goldens use literal values and sequences only, so they do not
// depend on the sample data.
const goldenScript = `SELECT 1 AS id, NULL AS n, '' AS empty, 'tab\there' AS tab, 'line
break' AS nl, 0xCAFE AS bin, b'101' + 0 AS bits, 12345678901234 AS big, 1.50 AS decimal_value, 'ü ☕ 😀' AS text;
USE shop;
SET @greeting := 'hello';
SELECT @greeting AS greeting, DATABASE() AS db;
SELECT seq FROM seq_1_to_10`

func TestQueryOutputs(t *testing.T) {
	c, dsn := queryCLI(t)
	golden(t, "query-table", maskQuery(c.ok("", "query", "--dsn", dsn, "--max-rows", "4", goldenScript)))
	golden(t, "query-json", maskQuery(c.ok("", "query", "--dsn", dsn, "--max-rows", "4", "-o", "json", goldenScript)))
	r := c.run("", "query", "--dsn", dsn, "--max-rows", "4", "--format", "csv", goldenScript)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, "query-csv", r.stdout)
	if !strings.Contains(r.stderr, "warning: statement 5: truncated at --max-rows 4") {
		t.Errorf("csv output does not warn of the truncation on stderr: %q", r.stderr)
	}
}

func TestQueryInputs(t *testing.T) {
	c, dsn := queryCLI(t)
	script := filepath.Join(t.TempDir(), "script.sql")
	os.WriteFile(script, []byte("-- a script\nDELIMITER //\nSELECT 'from a file' AS src//\nDELIMITER ;\nSELECT 2 AS two;\n"), 0o600)
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  []string
	}{
		{"argument", "", []string{"SELECT 'arg' AS src"}, []string{"arg\n1 row in"}},
		{"stdin piped", "SELECT 'piped' AS src", nil, []string{"piped\n1 row in"}},
		{"stdin with -f -", "SELECT 'dash' AS src;", []string{"-f", "-"}, []string{"dash\n"}},
		{"file with DELIMITER", "", []string{"-f", script}, []string{"from a file", "-- statement 2, line 5: SELECT 2 AS two"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := c.ok(tt.stdin, append([]string{"query", "--dsn", dsn}, tt.args...)...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestQueryExport(t *testing.T) {
	c, dsn := queryCLI(t)
	dir := t.TempDir()
	q := "SELECT seq AS id, CONCAT('it''s ', seq) AS label, IF(seq % 2, NULL, '') AS maybe FROM seq_1_to_3"
	for _, f := range []string{"csv", "json", "ndjson", "sql"} {
		t.Run(f, func(t *testing.T) {
			out := filepath.Join(dir, "out."+f)
			args := []string{"query", "--dsn", dsn, "--export", f, "--out", out, q}
			if f == "sql" {
				args = append(args, "--table", "shop.labels")
			}
			r := c.run("", args...)
			if r.code != 0 || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q: %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "mydba: exported 3 rows to "+out) {
				t.Errorf("stderr: %q", r.stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "query-export-"+f, string(b))
		})
	}
	// To stdout, capped on request.
	r := c.run("", "query", "--dsn", dsn, "--export", "ndjson", "--max-rows", "2", "SELECT seq FROM seq_1_to_5")
	if r.code != 0 || r.stdout != "{\"seq\":\"1\"}\n{\"seq\":\"2\"}\n" || !strings.Contains(r.stderr, "export truncated at 2 rows") {
		t.Errorf("capped export: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	// Streams uncapped by default even past the display cap.
	r = c.run("", "query", "--dsn", dsn, "--export", "csv", "SELECT seq FROM seq_1_to_5000")
	if r.code != 0 || strings.Count(r.stdout, "\r\n") != 5001 {
		t.Errorf("export: exit %d, %d lines", r.code, strings.Count(r.stdout, "\r\n"))
	}
}

func TestQueryBadInput(t *testing.T) {
	c, dsn := queryCLI(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "keep.csv")
	os.WriteFile(existing, []byte("old content\n"), 0o600)
	fresh := filepath.Join(dir, "fresh.csv")
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"write refused", "", []string{"DELETE FROM customers"}, exitUsage, "statement 1 (line 1: DELETE FROM customers) refused: DELETE is a write statement (deletes rows)"},
		{"write refused after a read", "", []string{"SELECT 1;\nUPDATE customers SET name = ''"}, exitUsage, "statement 2 (line 2: UPDATE customers SET name = '') refused"},
		{"does not parse", "", []string{"SELEC 1"}, exitUsage, "could not be checked: not understood by the SQL parser"},
		{"locking read", "", []string{"SELECT * FROM customers FOR UPDATE"}, exitUsage, "a locking read"},
		{"read-write session", "", []string{"SET SESSION TRANSACTION READ WRITE"}, exitUsage, "the session stays read-only"},
		{"refused export leaves no file", "", []string{"--export", "csv", "--out", fresh, "DROP TABLE customers"}, exitUsage, "refused"},
		{"failed export keeps the old file", "", []string{"--export", "csv", "--out", existing, "SELECT * FROM no_such_table"}, exitNotFound, "Table 'shop.no_such_table' doesn't exist"},
		{"unknown table", "", []string{"SELECT * FROM no_such_table"}, exitNotFound, "statement 1 (line 1: SELECT * FROM no_such_table): not found: server error 1146"},
		{"unknown schema", "", []string{"SELECT * FROM no_such_db.t"}, exitNotFound, "no_such_db"},
		{"no SQL on stdin", "  \n", nil, exitUsage, "no SQL in stdin"},
		{"only comments", "-- nothing\n/* at all */", nil, exitUsage, "no SQL statement given"},
		{"argument and file", "", []string{"-f", "x.sql", "SELECT 1"}, exitUsage, "not both"},
		{"missing file", "", []string{"-f", filepath.Join(dir, "nope.sql")}, exitUsage, "no such file"},
		{"negative max rows", "", []string{"--max-rows", "-1", "SELECT 1"}, exitUsage, "--max-rows must be 0"},
		{"bad size", "", []string{"--max-bytes", "12X", "SELECT 1"}, exitUsage, `unknown unit "X"`},
		{"bad max time", "", []string{"--max-time", "0s", "SELECT 1"}, exitUsage, "--max-time must be positive"},
		{"bad export format", "", []string{"--export", "xml", "SELECT 1"}, exitUsage, `export format "xml"`},
		{"out without export", "", []string{"--out", fresh, "SELECT 1"}, exitUsage, "--out needs --export"},
		{"table without sql", "", []string{"--export", "csv", "--table", "t", "SELECT 1"}, exitUsage, "--table applies to --export sql only"},
		{"format with export", "", []string{"--export", "csv", "-o", "json", "SELECT 1"}, exitUsage, "drop -o/--format"},
		{"sql export of an expression", "", []string{"--export", "sql", "SELECT 1 + 1"}, exitUsage, "name it with --table"},
		{"two queries exported", "", []string{"--export", "json", "SELECT 1; SELECT 2"}, exitUsage, "statements 1 and 2 both return rows"},
		{"past --max-time", "", []string{"--max-time", "500ms", "SELECT COUNT(*) FROM order_items a, order_items b WHERE a.qty + b.qty = 7"}, exitUnreachable, "statement time limit (server error 1969: Query execution was interrupted (max_statement_time exceeded)) (--max-time 500ms)"},
		{"bad table name", "", []string{"--export", "sql", "--table", "a.b.c", "SELECT 1"}, exitUsage, "want name or schema.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(tt.stdin, append([]string{"query", "--dsn", dsn}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", r.code, tt.code, r.stderr, tt.stderr)
			}
		})
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("a refused export created %s", fresh)
	}
	if b, _ := os.ReadFile(existing); string(b) != "old content\n" {
		t.Errorf("a failed export changed %s: %q", existing, b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false}, {"1024", 1024, false}, {"512K", 512 << 10, false}, {"16MiB", 16 << 20, false},
		{"16mb", 16 << 20, false}, {"1G", 1 << 30, false}, {" 2 GiB ", 2 << 30, false},
		{"", 0, true}, {"M", 0, true}, {"-1", 0, true}, {"1T", 0, true}, {"99999999999G", 0, true},
	}
	for _, tt := range tests {
		got, err := parseByteSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseByteSize(%q) = %d, %v", tt.in, got, err)
		}
	}
}

func TestDisplayCell(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		in   []byte
		want string
	}{
		{nil, "NULL"},
		{[]byte(""), ""},
		{[]byte("a\tb\nc\rd\\e\x00f\x01"), `a\tb\nc\rd\\e\0f\x01`},
		{[]byte("ü ☕ 😀"), "ü ☕ 😀"},
		{[]byte{'a', 0xff}, `a\xff`},
		{[]byte(long), strings.Repeat("é", 256) + "…"},
	}
	for _, tt := range tests {
		if got := displayCell(0, tt.in); got != tt.want {
			t.Errorf("displayCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
