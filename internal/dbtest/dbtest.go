// Package dbtest gives tests real servers: the sandbox ones named by
// MYDBA_TEST_* environment variables (scripts/sandbox.sh env prints them)
// and private throwaway MariaDB instances for tests that need special server
// settings. It never mocks a driver.
//
// A test that needs a server skips when its variable is unset, unless
// MYDBA_TEST_REQUIRE=1 (set by `make test` and CI), in which case it fails:
// CI must never pass by skipping.
package dbtest

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Environment variables naming the sandbox servers.
const (
	EnvPrimary    = "MYDBA_TEST_MYSQL_DSN"
	EnvReplica    = "MYDBA_TEST_REPLICA_DSN"
	EnvLeastPriv  = "MYDBA_TEST_LEASTPRIV_DSN"
	EnvSocket     = "MYDBA_TEST_PRIMARY_SOCKET"
	EnvSandboxDir = "MYDBA_TEST_SANDBOX_DIR"
	EnvRequire    = "MYDBA_TEST_REQUIRE"
)

// Required reports whether missing servers must fail tests.
func Required() bool { return os.Getenv(EnvRequire) == "1" }

// Missing skips the test, or fails it when servers are required.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("server required (MYDBA_TEST_REQUIRE=1) but unavailable: "+format, args...)
	}
	t.Skipf("no server: "+format+" (run `make test`, or eval \"$(scripts/sandbox.sh env)\")", args...)
}

// DSN reads and parses a DSN from the named variable and checks the server
// answers on its port; an unset variable is Missing, an unreachable server
// always fails.
func DSN(t testing.TB, envVar string) dba.DSN {
	t.Helper()
	s := os.Getenv(envVar)
	if s == "" {
		Missing(t, "%s is not set", envVar)
	}
	d, err := dba.ParseDSN(s)
	if err != nil {
		t.Fatalf("%s: %v", envVar, err)
	}
	if d.Target.Socket == "" {
		c, err := net.DialTimeout("tcp", d.Target.Address(), 3*time.Second)
		if err != nil {
			t.Fatalf("%s names %s but nothing answers there: %v", envVar, d.Target.Address(), err)
		}
		c.Close()
	}
	// testreport counts tests that log this line as server-backed.
	t.Logf("dbtest: server %s (%s)", d.Target.Address(), envVar)
	return d
}

// Primary is the sandbox primary as root.
func Primary(t testing.TB) dba.DSN { t.Helper(); return DSN(t, EnvPrimary) }

// Replica is the sandbox replica as root.
func Replica(t testing.TB) dba.DSN { t.Helper(); return DSN(t, EnvReplica) }

// LeastPriv is the sandbox primary as the least-privilege mydba user.
func LeastPriv(t testing.TB) dba.DSN { t.Helper(); return DSN(t, EnvLeastPriv) }

// Socket is the primary's unix socket path.
func Socket(t testing.TB) string {
	t.Helper()
	s := os.Getenv(EnvSocket)
	if s == "" {
		Missing(t, "%s is not set", EnvSocket)
	}
	if _, err := os.Stat(s); err != nil {
		t.Fatalf("%s: %v", EnvSocket, err)
	}
	t.Logf("dbtest: server unix:%s (%s)", s, EnvSocket)
	return s
}
