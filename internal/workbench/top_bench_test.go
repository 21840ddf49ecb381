package workbench

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dbtest"
)

// Benchmarks of digest snapshots on the sandbox's digest table, as the
// least-privilege user:
//
//	go test ./internal/workbench -run '^$' -bench 'DigestSnapshot'
func benchSnapshots(b *testing.B) (*Workbench, ConnRequest) {
	b.Helper()
	dbtest.LeastPriv(b)
	w, err := Open(context.Background(), Options{StateDir: b.TempDir(), DisableKeyring: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	return w, ConnRequest{DSN: os.Getenv(dbtest.EnvLeastPriv), Timeout: 5 * time.Second}
}

// BenchmarkDigestSnapshotTake is one snapshot: read the whole table with
// examples, compare with the previous snapshot, store the rows that
// changed (the first one and every twelfth store all).
func BenchmarkDigestSnapshotTake(b *testing.B) {
	w, cr := benchSnapshots(b)
	ctx := context.Background()
	stored, n := 0, 0
	for b.Loop() {
		info, err := w.SnapshotDigests(ctx, cr)
		if err != nil {
			b.Fatal(err)
		}
		stored += info.Stored
		n++
	}
	b.ReportMetric(float64(stored)/float64(n), "rows_stored/op")
}

// BenchmarkDigestSnapshotRebuild rebuilds the newest of twelve snapshots
// (one full, eleven of changed rows), as a trend does.
func BenchmarkDigestSnapshotRebuild(b *testing.B) {
	w, cr := benchSnapshots(b)
	ctx := context.Background()
	var id int64
	for i := 0; i < 12; i++ {
		info, err := w.SnapshotDigests(ctx, cr)
		if err != nil {
			b.Fatal(err)
		}
		id = info.ID
	}
	rows := 0
	for b.Loop() {
		s, err := w.store.DigestSnapshot(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		rows = len(s.Digests)
	}
	b.ReportMetric(float64(rows), "digests")
}
