package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/dba"
)

const digestLogs = "../../internal/parse/testdata/slowlog/"

// TestDigestCLI digests real MariaDB (captured from the sandbox) and MySQL
// 8.4 logs in every output format. No connection or state is involved.
func TestDigestCLI(t *testing.T) {
	c := newCLI(t)
	files := []string{digestLogs + "mariadb-10.11-session.log", digestLogs + "mysql-8.4-jfg-extra-and-init-db.log"}
	golden(t, "digest-table", c.ok("", append([]string{"digest", "--top", "3"}, files...)...))
	golden(t, "digest-csv", c.ok("", append([]string{"digest", "-o", "csv"}, files...)...))
	js := c.ok("", append([]string{"digest", "-o", "json", "--top", "2", "--filter", "db=shop"}, files...)...)
	golden(t, "digest-json", js)
	var d dba.SlowLogDigest
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatal(err)
	}
	if d.Events != 15 || d.EventsRead != 20 || len(d.Classes) != 2 || d.Filters[0] != "db=shop" {
		t.Errorf("json: events %d of %d, %d classes, filters %q", d.Events, d.EventsRead, len(d.Classes), d.Filters)
	}
	// stdin, gzip by content, --since and --until.
	r := c.run(mustRead(t, files[1]), "digest", "-", "--since", "2024-05-15T00:00:00Z", "--until", "2024-05-16")
	if r.code != 0 || !strings.Contains(r.stdout, "# Overall: 3 events, 3 unique (5 read, 2 filtered out)") {
		t.Errorf("stdin with a window: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("progress or noise on a non-terminal stderr: %q", r.stderr)
	}
	// Digesting needs no state directory.
	if entries, _ := os.ReadDir(c.env["MYDBA_HOME"]); len(entries) != 0 {
		t.Errorf("the state directory was touched: %v", entries)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDigestCLIBadInput(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "core")
	os.WriteFile(garbage, []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\n\x00\x00\n"), 0o644)
	good := digestLogs + "mysql-5.0-pt-slow001.log"
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no file", []string{"digest"}, exitUsage, "requires at least 1 arg"},
		{"missing file", []string{"digest", filepath.Join(dir, "slow.log")}, exitNotFound, "slow.log does not exist"},
		{"directory", []string{"digest", dir}, exitUsage, "is a directory"},
		{"binary garbage", []string{"digest", garbage}, exitUsage, "no slow query log events in " + garbage},
		{"bad filter", []string{"digest", good, "--filter", "rows>5"}, exitUsage, `unknown attribute "rows"`},
		{"bad regexp", []string{"digest", good, "--filter", "fingerprint~[a"}, exitUsage, "bad regular expression"},
		{"bad since", []string{"digest", good, "--since", "yesterday"}, exitUsage, `--since: invalid input: time "yesterday"`},
		{"bad top", []string{"digest", good, "--top", "-2"}, exitUsage, "--top must be 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newCLI(t).run("", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", r.code, tt.code, r.stderr, tt.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q", r.stdout)
			}
		})
	}
}
