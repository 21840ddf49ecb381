package mysql

import (
	"context"
	"database/sql"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/mydba/mydba/internal/dbtest"
)

// adminExec returns a function running statements as root on the sandbox
// primary, for test setup only (mydba's own pools are read-only).
func adminExec(t *testing.T) func(string) {
	t.Helper()
	d := dbtest.Primary(t)
	cfg := gomysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = d.Target.User, d.Password, "tcp", d.Target.Address()
	c, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return func(q string) {
		t.Helper()
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
