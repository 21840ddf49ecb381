package dbtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// LockChain is a chain of real sessions on the sandbox primary waiting for
// each other's row locks: IDs[0] holds a row lock in an open transaction
// and waits for nothing (the root blocker), IDs[1] waits for IDs[0],
// IDs[2] for IDs[1], and so on.
type LockChain struct {
	Schema, Table string
	// IDs are the processlist ids, root blocker first.
	IDs []int64
}

// LockTableName is the table StartLockChain locks: a backtick, quotes,
// spaces and non-ASCII letters, so every layer has to quote it. (MariaDB
// identifiers are utf8mb3, so no emoji; the waiting statements carry one
// in a comment instead.)
const LockTableName = "t_ps_locks `q\" 'é ☃"

// StartLockChain creates schema (which must start with "t_ps_") with
// LockTableName in it and opens n sessions forming a wait chain (n >= 2).
// Each waiter raises innodb_lock_wait_timeout for its own session only, so
// it waits for the test, not the server default. It returns once every
// waiter shows LOCK WAIT in INNODB_TRX. Cleanup kills the sessions, waits
// for their goroutines and drops the schema.
func StartLockChain(t testing.TB, schema string, n int) *LockChain {
	t.Helper()
	if !strings.HasPrefix(schema, "t_ps_") || n < 2 {
		t.Fatalf("StartLockChain(%q, %d): want a t_ps_ schema and n >= 2", schema, n)
	}
	// One chain at a time across every test process: InnoDB refreshes
	// INNODB_TRX only after 100ms without readers, so several packages
	// polling it at once (go test runs packages in parallel) could keep
	// it stale for all of them. Registered first, released last.
	release := lockChainMutex(t)
	t.Cleanup(release)
	admin := Admin(t)
	qs, qt := QuoteIdent(schema), QuoteIdent(LockTableName)
	Exec(t, admin,
		"DROP DATABASE IF EXISTS "+qs,
		"CREATE DATABASE "+qs,
		"CREATE TABLE "+qs+"."+qt+" (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB",
	)
	for i := 1; i <= n; i++ {
		Exec(t, admin, fmt.Sprintf("INSERT INTO %s.%s VALUES (%d, 0)", qs, qt, i))
	}
	d := Primary(t)
	d.Target.Database = schema
	pool := open(t, d)
	pool.SetMaxOpenConns(n + 1)

	ctx, cancel := context.WithCancel(context.Background())
	chain := &LockChain{Schema: schema, Table: LockTableName}
	var conns []*sql.Conn
	var wg sync.WaitGroup
	t.Cleanup(func() {
		// Killing is what ends a waiter stuck in the server; cancelling
		// the context alone would leave its statement running.
		kctx, kcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer kcancel()
		for _, id := range chain.IDs {
			_, _ = admin.ExecContext(kctx, fmt.Sprintf("KILL %d", id))
		}
		cancel()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
		_, _ = admin.ExecContext(kctx, "DROP DATABASE IF EXISTS "+qs)
	})
	for i := 0; i < n; i++ {
		c, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var id int64
		if err := c.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			t.Fatal(err)
		}
		chain.IDs = append(chain.IDs, id)
		// Session i holds row i+1 and (for i > 0) asks for row i, which
		// session i-1 holds.
		for _, q := range []string{
			"SET SESSION innodb_lock_wait_timeout = 300",
			"BEGIN",
			fmt.Sprintf("SELECT v FROM %s WHERE id = %d FOR UPDATE", qt, i+1),
		} {
			if _, err := c.ExecContext(ctx, q); err != nil {
				t.Fatalf("session %d: %s: %v", i, q, err)
			}
		}
		if i == 0 {
			continue
		}
		wg.Add(1)
		go func(c *sql.Conn, row int) {
			defer wg.Done()
			// Ends with an error when the cleanup kills the session.
			_, _ = c.ExecContext(ctx, fmt.Sprintf("UPDATE /* 🔒 waiter %s */ %s SET v = v + 1 WHERE id = %d", schema, qt, row))
		}(c, i)
		waitForLockWait(t, admin, id)
	}
	return chain
}

// waitForLockWait polls until session id's transaction is in LOCK WAIT.
func waitForLockWait(t testing.TB, admin *sql.DB, id int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'", id).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %d never started waiting for its lock", id)
		}
		// InnoDB refreshes its INNODB_TRX cache only when nobody has
		// read it for 100ms: polling faster would keep it stale forever.
		time.Sleep(150 * time.Millisecond)
	}
}

// OpenIdleSessions opens n idle connections to the sandbox primary and
// holds them until the test ends: a busy server's process list for
// benchmarks. Connections are opened a few at a time.
func OpenIdleSessions(t testing.TB, n int) []*sql.Conn {
	t.Helper()
	pool := Admin(t)
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conns := make([]*sql.Conn, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := pool.Conn(ctx)
			if err == nil {
				err = c.PingContext(ctx)
			}
			conns[i] = c
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	select {
	case err := <-errs:
		t.Fatalf("open %d sessions: %v", n, err)
	default:
	}
	return conns
}

// QuoteIdent quotes a MySQL identifier, doubling backticks inside.
func QuoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// lockChainMutex takes an exclusive flock shared by every test process on
// this machine, for at most two minutes.
func lockChainMutex(t testing.TB) func() {
	t.Helper()
	path := filepath.Join(os.TempDir(), "mydba-test-lockchain.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			t.Fatalf("lock chain mutex %s: %v", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() {
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}
}
