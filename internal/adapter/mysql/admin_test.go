package mysql

import (
	"testing"

	"github.com/mydba/mydba/internal/dbtest"
)

// adminExec returns a function running statements as root on the sandbox
// primary, for test setup only (mydba's own pools are read-only).
func adminExec(t *testing.T) func(string) {
	t.Helper()
	db := dbtest.Admin(t)
	return func(q string) {
		t.Helper()
		dbtest.Exec(t, db, q)
	}
}
