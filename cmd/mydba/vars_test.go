package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/dbtest"
)

// varsCLI is a CLI connected to the sandbox as the least-privilege user.
func varsCLI(t *testing.T) (*cli, string) {
	t.Helper()
	d := dbtest.LeastPriv(t)
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = d.Password
	return c, "mysql://" + d.Target.User + "@" + d.Target.Address() + "/shop"
}

// sandboxPaths differ by user id; versions by Debian point release.
var (
	sandboxPathRE = regexp.MustCompile(`/tmp/mydba-sandbox-\d+`)
	versionRE     = regexp.MustCompile(`"(version|version_string)": "[^"]*"`)
)

func TestVarsCLI(t *testing.T) {
	c, dsn := varsCLI(t)
	golden(t, "vars-one", c.ok("", "vars", "max_connections", "--dsn", dsn))
	// max_connect_errors is left out: other tests change it for a moment.
	golden(t, "vars-like", c.ok("", "vars", "net_%", "--dsn", dsn))
	golden(t, "vars-like-csv", c.ok("", "vars", "net_%", "--dsn", dsn, "-o", "csv"))
	golden(t, "vars-one-json", versionRE.ReplaceAllString(c.ok("", "vars", "binlog_format", "--dsn", dsn, "-o", "json"), `"$1": "V"`))

	// Root sees the option file; the least-privilege user does not (and is
	// told why on stderr).
	root := dbtest.Primary(t)
	rc := newCLI(t)
	rc.env["MYDBA_PASSWORD"] = root.Password
	rootDSN := "mysql://" + root.Target.User + "@" + root.Target.Address() + "/"
	// CSV: a table's alignment would depend on the sandbox path's length.
	golden(t, "vars-changed-csv", sandboxPathRE.ReplaceAllString(rc.ok("", "vars", "--changed", "slow_query", "--dsn", rootDSN, "-o", "csv"), "SANDBOX"))
	r := c.run("", "vars", "--changed", "slow_query", "--dsn", dsn)
	if r.code != 0 || !strings.Contains(r.stderr, "FILE privilege") || strings.Contains(r.stdout, "my.cnf") {
		t.Errorf("least privilege --changed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// The session view is mydba's own read-only session.
	var res struct {
		Scope     string `json:"scope"`
		Variables []struct {
			Name  string  `json:"name"`
			Value *string `json:"value"`
		} `json:"variables"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(c.ok("", "vars", "--session", "read_only", "--dsn", dsn, "-o", "json")), &res); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range res.Variables {
		if (v.Name == "transaction_read_only" || v.Name == "tx_read_only") && v.Value != nil && *v.Value == "ON" {
			found = true
		}
	}
	if res.Scope != "session" || !found || len(res.Notes) == 0 {
		t.Errorf("session view: %+v", res)
	}
}

func TestVarsBadInput(t *testing.T) {
	c, dsn := varsCLI(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"typo", []string{"vars", "max_conection", "--dsn", dsn}, exitNotFound, `did you mean "max_connections"?`},
		{"wrong scope", []string{"vars", "pseudo_thread_id", "--dsn", dsn}, exitNotFound, "use --session"},
		{"both scopes", []string{"vars", "--global", "--session", "--dsn", dsn}, exitUsage, "exclude each other"},
		{"two patterns", []string{"vars", "a", "b", "--dsn", dsn}, exitUsage, "accepts at most 1 arg"},
		{"control character", []string{"vars", "max\x01", "--dsn", dsn}, exitUsage, "control character"},
		{"quotes and backticks are just text", []string{"vars", "x'`\"; DROP TABLE t", "--dsn", dsn}, exitNotFound, "no global variable matches"},
		{"emoji", []string{"vars", "🐬", "--dsn", dsn}, exitNotFound, `no global variable matches "🐬"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run("", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", r.code, tt.code, r.stderr, tt.stderr)
			}
		})
	}
}
