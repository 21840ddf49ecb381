package mysql

import (
	"context"
	"testing"

	"github.com/mydba/mydba/internal/dba"
)

// Benchmarks of the digest reads and of profiling, against the sandbox
// primary as the least-privilege user:
//
//	go test ./internal/adapter/mysql -run '^$' -bench 'Digests|Profile'
func BenchmarkDigests(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		q    DigestQuery
	}{
		{"top20", DigestQuery{OrderBy: dba.OrderTotalTime, Limit: 20, ExcludeOwn: true, Examples: true}},
		{"top20_no_index", DigestQuery{OrderBy: dba.OrderNoIndex, Limit: 20, NoIndex: true, ExcludeOwn: true, Examples: true}},
		{"whole_table", DigestQuery{OrderBy: dba.OrderTotalTime, Examples: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				r, err := db.Digests(ctx, bc.q)
				if err != nil {
					b.Fatal(err)
				}
				n = len(r.Digests)
			}
			b.ReportMetric(float64(n), "digests")
		})
	}
}

// BenchmarkProfileStatement is the cost of a profile around a statement
// that costs nothing itself (SELECT 1): readiness checks, the statement,
// and the reads of its event and stages. BenchmarkProfilePlainSelect is
// the same statement on a session without any of it.
func BenchmarkProfileStatement(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		p, err := db.ProfileStatement(ctx, "SELECT 1", ProfileOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Stages) == 0 {
			b.Fatal("no stages")
		}
	}
}

func BenchmarkProfilePlainSelect(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		err := db.withSession(ctx, func(ctx context.Context, s Session) error {
			_, err := runDiscarding(ctx, s, "SELECT 1")
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
