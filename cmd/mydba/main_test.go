package main

import (
	"bytes"
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dbtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

type cli struct {
	t   *testing.T
	env map[string]string
}

// newCLI is an isolated mydba: its own state dir, no keyring, no colour.
func newCLI(t *testing.T) *cli {
	return &cli{t: t, env: map[string]string{
		"MYDBA_HOME":    t.TempDir(),
		"MYDBA_KEYRING": "off",
		"NO_COLOR":      "1",
		"HOME":          t.TempDir(),
	}}
}

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

func (c *cli) run(stdin string, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	err := run(ctx, args, strings.NewReader(stdin), &out, &errb, func(k string) string { return c.env[k] })
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if err != nil {
		r.stderr += "mydba: " + err.Error() + "\n"
		r.code = exitCode(err)
	}
	return r
}

func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.code != 0 {
		c.t.Fatalf("mydba %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from golden file:\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

// dates in profile views change every run.
var dateRE = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?`)

func TestVersion(t *testing.T) {
	c := newCLI(t)
	out := c.ok("", "version")
	if !regexp.MustCompile(`(?s)^mydba \S+\ncommit \S+.*\ngo1\.\d+`).MatchString(out) {
		t.Errorf("version output:\n%s", out)
	}
	js := c.ok("", "version", "-o", "json")
	for _, k := range []string{`"version"`, `"commit"`, `"go": "go1.`} {
		if !strings.Contains(js, k) {
			t.Errorf("version json lacks %s:\n%s", k, js)
		}
	}
}

func TestCompletion(t *testing.T) {
	c := newCLI(t)
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out := c.ok("", "completion", sh)
		if !strings.Contains(out, "mydba") || len(out) < 500 {
			t.Errorf("completion %s: %d bytes", sh, len(out))
		}
	}
}

func TestHelpListsVerbs(t *testing.T) {
	out := newCLI(t).ok("", "--help")
	for _, v := range []string{"conn", "version", "completion", "--conn", "--dsn", "--output", "--state", "--timeout"} {
		if !strings.Contains(out, v) {
			t.Errorf("help lacks %q", v)
		}
	}
}

func TestConnLifecycle(t *testing.T) {
	d := dbtest.LeastPriv(t)
	c := newCLI(t)
	dsn := "mysql://" + d.Target.User + "@" + d.Target.Address() + "/shop"
	c.ok(d.Password+"\n", "conn", "add", "sandbox", dsn, "--label", "sandbox primary", "--password-stdin")
	c.ok("", "conn", "add", "prod-eu", "mysql://app@db1.example.com:3306/shop?tls=verify-full&ssl-ca=/etc/mysql/ca.pem", "--env", "prod")
	c.ok("", "conn", "add", "bastioned", "--host", "10.0.0.5", "--user", "mydba", "--ssh", "ops@bastion.example.com:2222", "--ssh-key", "/home/ops/.ssh/id_ed25519", "--env", "staging")

	golden(t, "conn-list", c.ok("", "conn", "list"))
	golden(t, "conn-list-csv", c.ok("", "conn", "list", "-o", "csv"))
	golden(t, "conn-show", dateRE.ReplaceAllString(c.ok("", "conn", "show", "sandbox"), "DATE"))
	golden(t, "conn-show-json", dateRE.ReplaceAllString(c.ok("", "conn", "show", "prod-eu", "-o", "json"), "DATE"))

	out := c.ok("", "conn", "test", "sandbox")
	for _, want := range []string{"MariaDB 10.", "role:                primary", "performance_schema:  ON", "GRANT CONNECTION ADMIN ON *.* TO 'mydba'@'127.0.0.1';"} {
		if !strings.Contains(out, want) {
			t.Errorf("conn test output lacks %q:\n%s", want, out)
		}
	}
	js := c.ok("", "conn", "test", "-c", "sandbox", "-o", "json")
	if !strings.Contains(js, `"flavor": "MariaDB"`) || !strings.Contains(js, `"missing_privileges": [`) {
		t.Errorf("conn test json:\n%s", js)
	}
	// The password must never be shown or stored in clear.
	for _, f := range []string{"mydba.db", "mydba.db-wal", "secrets.age", "secrets.key"} {
		b, _ := os.ReadFile(filepath.Join(c.env["MYDBA_HOME"], f))
		if bytes.Contains(b, []byte(d.Password)) {
			t.Errorf("%s holds the password in clear", f)
		}
	}
	if strings.Contains(out+js, d.Password) {
		t.Error("output shows the password")
	}

	c.ok("", "conn", "edit", "sandbox", "--rename", "sb", "--env", "prod")
	if out := c.ok("", "conn", "show", "sb"); !strings.Contains(out, "env:       PROD") {
		t.Errorf("after edit:\n%s", out)
	}
	// The stored password survived the rename.
	c.ok("", "conn", "test", "sb")
	c.ok("", "conn", "rm", "sb", "prod-eu", "bastioned")
	if out := c.ok("", "conn", "list"); !strings.Contains(out, "no profiles yet") {
		t.Errorf("after rm:\n%s", out)
	}
}

func TestAdHocDSN(t *testing.T) {
	d := dbtest.LeastPriv(t)
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = d.Password
	out := c.ok("", "conn", "test", "--dsn", "mariadb://mydba@"+d.Target.Address()+"/shop")
	if !strings.Contains(out, "profile:             (dsn) (dev)") {
		t.Errorf("ad-hoc test:\n%s", out)
	}
}

func TestBadInput(t *testing.T) {
	d := dbtest.LeastPriv(t)
	blackHole := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
		return l.Addr().String()
	}()
	const secret = "Wr0ng-Pa55word!"
	tests := []struct {
		name   string
		env    map[string]string
		stdin  string
		args   []string
		code   int
		stderr string
		within time.Duration
	}{
		{"wrong password", map[string]string{"MYDBA_PASSWORD": secret}, "", []string{"conn", "test", "--dsn", "mysql://mydba@" + d.Target.Address() + "/shop"}, exitAuth, "wrong user or password", 5 * time.Second},
		{"wrong password from stdin", nil, secret + "\n", []string{"conn", "test", "--dsn", "mysql://mydba@" + d.Target.Address() + "/shop", "--password-stdin"}, exitAuth, "wrong user or password", 5 * time.Second},
		{"black-holed port", nil, "", []string{"conn", "test", "--dsn", "mysql://mydba@" + blackHole + "/", "--timeout", "1s"}, exitUnreachable, "no answer within 1s", 4 * time.Second},
		{"malformed DSN port", nil, "", []string{"conn", "add", "x", "mysql://u@host:33o6/db"}, exitUsage, `invalid port ":33o6"`, time.Second},
		{"malformed DSN scheme", nil, "", []string{"conn", "test", "--dsn", "postgres://u@h/db"}, exitUsage, `dsn scheme "postgres"`, time.Second},
		{"malformed DSN param", nil, "", []string{"conn", "add", "x", "mysql://u@h/db?ssl-mode=REQUIRED"}, exitUsage, `unknown parameter "ssl-mode"`, time.Second},
		{"password in DSN", nil, "", []string{"conn", "add", "x", "mysql://u:" + secret + "@h/db"}, exitUsage, "contains a password", time.Second},
		{"password flag", nil, "", []string{"conn", "add", "x", "--password=" + secret}, exitUsage, "never taken as flag values", time.Second},
		{"password shorthand", nil, "", []string{"conn", "add", "x", "-p" + secret}, exitUsage, "never taken as flag values", time.Second},
		{"unknown profile", nil, "", []string{"conn", "show", "nope"}, exitNotFound, "no profiles yet", time.Second},
		{"empty password stdin", nil, "", []string{"conn", "add", "x", "--host", "h", "--password-stdin"}, exitUsage, "stdin is empty", time.Second},
		{"prompt without a terminal", nil, "", []string{"conn", "add", "x", "--host", "h", "--ask-password"}, exitUsage, "not a terminal", time.Second},
		{"bad output format", nil, "", []string{"conn", "list", "-o", "yaml"}, exitUsage, `output format "yaml"`, time.Second},
		{"bad env", nil, "", []string{"conn", "add", "x", "--host", "h", "--env", "qa"}, exitUsage, `environment "qa"`, time.Second},
		{"tls mode typo", nil, "", []string{"conn", "add", "x", "--host", "h", "--tls", "verify"}, exitUsage, `tls mode "verify"`, time.Second},
		{"missing CA file", nil, "", []string{"conn", "test", "--dsn", "mysql://mydba@" + d.Target.Address() + "/?tls=verify-ca&ssl-ca=/nonexistent/ca.pem"}, exitUsage, "/nonexistent/ca.pem", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			for k, v := range tt.env {
				c.env[k] = v
			}
			r := c.run(tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\n%s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the password was echoed: %q", r.stdout+r.stderr)
			}
			if r.took > tt.within {
				t.Errorf("took %v, want < %v", r.took, tt.within)
			}
			// Bad input changes nothing.
			if strings.HasPrefix(tt.name, "malformed") || strings.HasPrefix(tt.name, "password") {
				if out := c.ok("", "conn", "list"); !strings.Contains(out, "no profiles yet") {
					t.Errorf("state changed by a refused command:\n%s", out)
				}
			}
		})
	}
}

func TestUnknownProfileSuggests(t *testing.T) {
	c := newCLI(t)
	c.ok("", "conn", "add", "prod-eu", "--host", "h1")
	c.ok("", "conn", "add", "staging", "--host", "h2")
	r := c.run("", "conn", "test", "prdo-eu")
	if r.code != exitNotFound || !strings.Contains(r.stderr, `did you mean "prod-eu"?`) {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}

func TestCorruptStateFile(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(c.env["MYDBA_HOME"], "mydba.db")
	junk := bytes.Repeat([]byte("this is not sqlite "), 300)
	os.WriteFile(path, junk, 0o600)
	r := c.run("", "conn", "list")
	if r.code == 0 || !strings.Contains(r.stderr, "left untouched") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, junk) {
		t.Error("the corrupt state file was modified")
	}
}

// TestKeyringFallbackCLI makes the OS keyring unreachable (a D-Bus address
// that does not exist) and checks the user is told once, not on every
// command, and that secrets still work.
func TestKeyringFallbackCLI(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	d := dbtest.LeastPriv(t)
	c := newCLI(t)
	delete(c.env, "MYDBA_KEYRING")
	dsn := "mysql://mydba@" + d.Target.Address() + "/shop"
	r1 := c.run(d.Password+"\n", "conn", "add", "a", dsn, "--password-stdin")
	r2 := c.run(d.Password+"\n", "conn", "add", "b", dsn, "--password-stdin")
	if r1.code != 0 || r2.code != 0 {
		t.Fatalf("add: %s %s", r1.stderr, r2.stderr)
	}
	n := strings.Count(r1.stderr+r2.stderr, "keyring unavailable")
	if n != 1 {
		t.Errorf("keyring notice shown %d times, want once:\n%s%s", n, r1.stderr, r2.stderr)
	}
	c.ok("", "conn", "test", "b")
	if out := c.ok("", "conn", "show", "a"); !strings.Contains(out, "(encrypted file)") {
		t.Errorf("show:\n%s", out)
	}
}
