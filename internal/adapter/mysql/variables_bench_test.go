package mysql

import (
	"context"
	"testing"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// Benchmarks against the sandbox primary as the least-privilege user:
//
//	go test ./internal/adapter/mysql -run '^$' -bench 'Variables|StatusSample|StatusContext'
func benchDB(b *testing.B) *DB {
	b.Helper()
	d := dbtest.LeastPriv(b)
	db, err := Open(context.Background(), params(d))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func BenchmarkVariables(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for _, bc := range []struct{ name, like string }{{"all", "%"}, {"substring", "%buffer!_pool%"}, {"one", "max!_connections"}} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				vs, err := db.Variables(ctx, dba.ScopeGlobal, bc.like)
				if err != nil {
					b.Fatal(err)
				}
				n = len(vs)
			}
			b.ReportMetric(float64(n), "vars")
		})
	}
}

func BenchmarkStatusSample(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := db.statusSample(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStatusContext(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := db.StatusContext(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
