package dbtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Instance is a private MariaDB server started for one test.
type Instance struct {
	Port   int
	Socket string
	Dir    string
	// RootPassword is the password of root@'%' (reachable over TCP).
	RootPassword string
}

// InstanceOptions configure StartInstance.
type InstanceOptions struct {
	// ExtraConfig lines are appended to the [mariadbd] section, e.g.
	// "ssl-cert=/path".
	ExtraConfig []string
}

// StartInstance starts a throwaway mariadbd on a free loopback port with
// its own data dir; the test's cleanup stops it. It needs the MariaDB server
// binaries (installed by `make test`); without them it is Missing.
func StartInstance(t testing.TB, o InstanceOptions) *Instance {
	t.Helper()
	mariadbd := findBinary("mariadbd", "/usr/sbin/mariadbd", "/usr/libexec/mariadbd")
	installDB := findBinary("mariadb-install-db", "/usr/bin/mariadb-install-db", "/usr/scripts/mariadb-install-db")
	client := findBinary("mariadb", "/usr/bin/mariadb")
	if mariadbd == "" || installDB == "" || client == "" {
		Missing(t, "MariaDB server binaries (mariadbd, mariadb-install-db, mariadb) not installed")
	}
	// Unix socket paths are limited to ~107 bytes; t.TempDir can be longer.
	dir, err := os.MkdirTemp("", "mydba-inst-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	inst := &Instance{Port: freePort(t), Socket: filepath.Join(dir, "s.sock"), Dir: dir, RootPassword: "instance-root"}
	data := filepath.Join(dir, "data")
	cnf := filepath.Join(dir, "my.cnf")
	lines := []string{
		"[mariadbd]",
		"datadir=" + data,
		"socket=" + inst.Socket,
		"pid-file=" + filepath.Join(dir, "mariadbd.pid"),
		"log-error=" + filepath.Join(dir, "error.log"),
		"port=" + strconv.Itoa(inst.Port),
		"bind-address=127.0.0.1",
		"skip-name-resolve",
		"innodb_buffer_pool_size=32M",
		"innodb_log_file_size=16M",
		"performance_schema=OFF",
		"skip-log-bin",
	}
	lines = append(lines, o.ExtraConfig...)
	if err := os.WriteFile(cnf, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	userArgs := []string{}
	if os.Geteuid() == 0 {
		userArgs = append(userArgs, "--user=root")
	}
	install := exec.Command(installDB, append([]string{"--defaults-file=" + cnf, "--auth-root-authentication-method=normal", "--skip-test-db"}, userArgs...)...)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	cmd := exec.Command(mariadbd, append([]string{"--defaults-file=" + cnf}, userArgs...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// Errors here mean the server is already gone, which is the goal.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(inst.Port)), time.Second); err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("mariadbd exited: %v\n%s", exitErr, tail(log, 3000))
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("mariadbd did not start within 60s\n%s", tail(log, 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("dbtest: server 127.0.0.1:%d (private instance)", inst.Port)
	inst.SQL(t, fmt.Sprintf("CREATE USER 'root'@'%%' IDENTIFIED BY '%s'; GRANT ALL ON *.* TO 'root'@'%%' WITH GRANT OPTION;", inst.RootPassword))
	return inst
}

// SQL runs statements as root over the socket with the mariadb client.
func (i *Instance) SQL(t testing.TB, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, findBinary("mariadb", "/usr/bin/mariadb"), "--no-defaults", "-uroot", "--socket="+i.Socket, "-N", "-B", "-e", sql)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mariadb -e %q: %v: %s", sql, err, stderr.String())
	}
	return out.String()
}

// DSN is the instance's mydba DSN for root over TCP (password included, for
// tests only).
func (i *Instance) DSN() string {
	return fmt.Sprintf("mysql://root:%s@127.0.0.1:%d/", i.RootPassword, i.Port)
}

func findBinary(name string, fallbacks ...string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, f := range fallbacks {
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
