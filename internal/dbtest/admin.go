package dbtest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/dba"
)

// Admin opens a root connection to the sandbox primary for test setup
// (creating tables, users, sessions that hold locks). mydba's own pools are
// read-only, so tests prepare the server through this. MultiStatements is
// on for convenience; never use this outside tests.
func Admin(t testing.TB) *sql.DB {
	t.Helper()
	return open(t, Primary(t))
}

// AdminReplica is Admin for the sandbox replica.
func AdminReplica(t testing.TB) *sql.DB {
	t.Helper()
	return open(t, Replica(t))
}

func open(t testing.TB, d dba.DSN) *sql.DB {
	t.Helper()
	cfg := gomysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.DBName = d.Target.User, d.Password, d.Target.Database
	cfg.Net, cfg.Addr = "tcp", d.Target.Address()
	cfg.MultiStatements = true
	cfg.ParseTime = true
	cfg.Timeout = 5 * time.Second
	// Tests kill these sessions on purpose; the driver's stderr notes
	// about it are noise.
	cfg.Logger = &gomysql.NopLogger{}
	c, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

// Exec runs statements on db, failing the test on error.
func Exec(t testing.TB, db *sql.DB, statements ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, s := range statements {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
