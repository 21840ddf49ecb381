package mysql

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

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

// lateCtx ends when end is closed, but the callbacks registered with
// AfterFunc never start and can always be stopped: the moment when the
// driver has returned on the deadline and the kill armed on the same
// deadline has not begun.
type lateCtx struct {
	context.Context
	end chan struct{}
}

func (c lateCtx) Done() <-chan struct{} { return c.end }

func (c lateCtx) Err() error {
	select {
	case <-c.end:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (lateCtx) AfterFunc(func()) (stop func() bool) { return func() bool { return true } }

// TestKillOnDoneWhenTheDriverReturnsFirst: a statement whose context ended
// is killed even when the armed kill never started.
func TestKillOnDoneWhenTheDriverReturnsFirst(t *testing.T) {
	db := open(t, params(dbtest.Primary(t)))
	ids := make(chan int64, 1)
	done := make(chan error, 1)
	go func() {
		done <- db.withSession(context.Background(), func(ctx context.Context, s Session) error {
			ids <- s.ID
			var n int64
			return s.QueryRowContext(ctx, "/* mydba:test */ SELECT COUNT(*) FROM shop.order_items a, shop.order_items b WHERE a.qty + b.qty = 7").Scan(&n)
		})
	}()
	id := <-ids
	time.Sleep(300 * time.Millisecond) // let the statement start on the server
	ctx := lateCtx{Context: context.Background(), end: make(chan struct{})}
	killed := db.killOnDone(ctx, id)
	close(ctx.end)
	killed()
	// Well before the session's own statement limit stops it.
	select {
	case err := <-done:
		var me *gomysql.MySQLError
		if !errors.As(err, &me) || me.Number != erQueryInterrupted {
			t.Fatalf("the statement ended with %v, want it interrupted by KILL QUERY", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the statement still runs 5 s after the late kill")
	}
}
