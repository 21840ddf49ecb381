package mysql

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dbtest"
)

// TestTimeoutKillsOnServer runs a long statement, lets the caller's
// deadline expire, and checks the statement is gone from the server's
// process list: cancelling in the driver alone leaves it running.
func TestTimeoutKillsOnServer(t *testing.T) {
	p := params(dbtest.Primary(t))
	p.CallTimeout = time.Minute // the server-side limit must not be what stops it
	db := open(t, p)
	var thread int64
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := db.withSession(ctx, func(ctx context.Context, s Session) error {
		thread = s.ID
		var x int
		return s.QueryRowContext(ctx, "/* mydba:test */ SELECT SLEEP(30)").Scan(&x)
	})
	if err == nil {
		t.Fatal("SLEEP(30) returned within 700ms")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("error: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("call took %v after a 700ms deadline", d)
	}
	if thread == 0 {
		t.Fatal("session has no thread id")
	}
	// Look from another session: nothing of ours may still be sleeping.
	root := open(t, params(dbtest.Primary(t)))
	deadline := time.Now().Add(3 * time.Second)
	for {
		var n int
		err := root.withSession(context.Background(), func(ctx context.Context, s Session) error {
			return s.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE '%SLEEP(30)%'", thread).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("thread %d still runs SLEEP(30) on the server", thread)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServerSideStatementTimeout checks the session limit set at connect
// stops a statement even if the client were gone.
func TestServerSideStatementTimeout(t *testing.T) {
	p := params(dbtest.Primary(t))
	p.CallTimeout = time.Second
	db := open(t, p)
	start := time.Now()
	var x sql.NullInt64
	err := db.withSession(context.Background(), func(ctx context.Context, s Session) error {
		// A fresh context: only the server's max_statement_time can stop it early.
		return s.QueryRowContext(context.Background(), "SELECT SLEEP(20)").Scan(&x)
	})
	// MariaDB ends SLEEP on max_statement_time with result 1 or error 1969.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("SLEEP(20) under a 1s server limit took %v (err %v, x %v)", d, err, x)
	}
}
