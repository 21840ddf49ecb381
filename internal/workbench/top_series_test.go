package workbench

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/store"
)

func seriesDigest(digest string, count uint64, total time.Duration) dba.Digest {
	return dba.Digest{Schema: "shop", Digest: digest, DigestCounters: dba.DigestCounters{Count: count, TotalTime: total}}
}

func seriesSnapshot(at time.Time, uptime time.Duration, ds ...dba.Digest) dba.DigestSnapshot {
	return dba.DigestSnapshot{DigestSnapshotInfo: dba.DigestSnapshotInfo{At: at, Uptime: uptime, Server: "MariaDB 10.11.19", Digests: len(ds), Full: true}, Digests: ds}
}

func TestDigestSeries(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	a, b := dba.DigestKey{Schema: "shop", Digest: "a"}, dba.DigestKey{Schema: "shop", Digest: "b"}
	tests := []struct {
		name  string
		snaps []dba.DigestSnapshot
		keys  []dba.DigestKey
		want  DigestSeries
	}{
		{
			name:  "one snapshot has no interval",
			snaps: []dba.DigestSnapshot{seriesSnapshot(t0, time.Hour, seriesDigest("a", 5, time.Second))},
			keys:  []dba.DigestKey{a},
			want: DigestSeries{At: []time.Time{}, Seconds: []float64{}, Reset: []bool{},
				Series: []DigestPoints{{DigestKey: a, Count: []uint64{}, TotalTime: []time.Duration{}}}},
		},
		{
			name: "growth per interval, idle intervals are zero, unknown keys stay zero",
			snaps: []dba.DigestSnapshot{
				seriesSnapshot(t0, time.Hour, seriesDigest("a", 5, 5*time.Second)),
				seriesSnapshot(t0.Add(time.Minute), time.Hour+time.Minute, seriesDigest("a", 8, 11*time.Second), seriesDigest("b", 1, time.Millisecond)),
				seriesSnapshot(t0.Add(2*time.Minute), time.Hour+2*time.Minute, seriesDigest("a", 8, 11*time.Second), seriesDigest("b", 4, 4*time.Millisecond)),
			},
			keys: []dba.DigestKey{b, a, {Schema: "other", Digest: "a"}},
			want: DigestSeries{
				At: []time.Time{t0.Add(time.Minute), t0.Add(2 * time.Minute)}, Seconds: []float64{60, 60}, Reset: []bool{false, false},
				Series: []DigestPoints{
					{DigestKey: b, Count: []uint64{1, 3}, TotalTime: []time.Duration{time.Millisecond, 3 * time.Millisecond}},
					{DigestKey: a, Count: []uint64{3, 0}, TotalTime: []time.Duration{6 * time.Second, 0}},
					{DigestKey: dba.DigestKey{Schema: "other", Digest: "a"}, Count: []uint64{0, 0}, TotalTime: []time.Duration{0, 0}},
				},
			},
		},
		{
			name: "a restart counts from zero, never negative",
			snaps: []dba.DigestSnapshot{
				seriesSnapshot(t0, time.Hour, seriesDigest("a", 50, 50*time.Second)),
				seriesSnapshot(t0.Add(time.Minute), 30*time.Second, seriesDigest("a", 2, 2*time.Second)),
			},
			keys: []dba.DigestKey{a, a},
			want: DigestSeries{
				At: []time.Time{t0.Add(time.Minute)}, Seconds: []float64{60}, Reset: []bool{true},
				Series: []DigestPoints{
					{DigestKey: a, Count: []uint64{2}, TotalTime: []time.Duration{2 * time.Second}},
					{DigestKey: a, Count: []uint64{2}, TotalTime: []time.Duration{2 * time.Second}},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, digestSeries(tt.snaps, tt.keys)); diff != "" {
				t.Errorf("series (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDigestSeriesFromStore reads snapshots back from the state store,
// newest intervals only, with no server involved.
func TestDigestSeriesFromStore(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	ctx := context.Background()
	pw := "x"
	if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "series", Env: dba.EnvDev,
		Target: dba.Target{Host: "127.0.0.1", Port: 1, User: "u"}}, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	cr := ConnRequest{Profile: "series"}
	empty, err := w.DigestSeries(ctx, DigestSeriesRequest{Conn: cr, Keys: []dba.DigestKey{{Schema: "shop", Digest: "a"}}})
	if err != nil || empty.Snapshots != 0 || len(empty.At) != 0 || len(empty.Series) != 1 {
		t.Fatalf("no snapshots: %+v, %v", empty, err)
	}
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var base int64
	for i := range 5 {
		info := dba.DigestSnapshotInfo{Profile: "series", At: t0.Add(time.Duration(i) * time.Minute), Uptime: time.Hour + time.Duration(i)*time.Minute,
			Server: "MariaDB 10.11.19", Digests: 1, Full: true}
		s, err := w.store.AddDigestSnapshot(ctx, store.DigestSnapshotWrite{Info: info, Base: base,
			Rows: []dba.Digest{seriesDigest("a", uint64(10*i*i), time.Duration(i)*time.Second)}}, store.Retention{})
		if err != nil {
			t.Fatal(err)
		}
		base = s.ID
	}
	got, err := w.DigestSeries(ctx, DigestSeriesRequest{Conn: cr, Keys: []dba.DigestKey{{Schema: "shop", Digest: "a"}}, Points: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got.Snapshots != 5 || got.Profile != "series" || len(got.At) != 3 || !got.At[2].Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("series %+v", got)
	}
	if diff := cmp.Diff([]uint64{30, 50, 70}, got.Series[0].Count); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	for _, req := range []DigestSeriesRequest{{Conn: cr, Points: -1}, {Conn: cr, Points: MaxDigestSeriesPoints + 1}, {Conn: cr, Keys: make([]dba.DigestKey, MaxTopLimit+1)}} {
		if _, err := w.DigestSeries(ctx, req); !errors.Is(err, dba.ErrInvalid) {
			t.Errorf("points %d, %d keys: %v", req.Points, len(req.Keys), err)
		}
	}
	if _, err := w.DigestSeries(ctx, DigestSeriesRequest{Conn: ConnRequest{Profile: "nope"}}); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("unknown profile: %v", err)
	}
}

// BenchmarkDigestSeries charts 50 digests over the newest 24 intervals of
// a digest table with 5,000 rows, a fifth of them changing per snapshot
// and a full snapshot every 12th, as the monitor stores them.
func BenchmarkDigestSeries(b *testing.B) {
	w := openWB(b, Options{DisableKeyring: true})
	ctx := context.Background()
	pw := "x"
	if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "big", Env: dba.EnvDev,
		Target: dba.Target{Host: "127.0.0.1", Port: 1, User: "u"}}, Password: &pw}); err != nil {
		b.Fatal(err)
	}
	const digests, snapshots = 5000, 30
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var base int64
	for i := range snapshots {
		full := i%12 == 0
		var rows []dba.Digest
		for d := range digests {
			if full || (d+i)%5 == 0 {
				rows = append(rows, seriesDigest(fmt.Sprintf("%032x", d), uint64(d+i*10), time.Duration(i)*time.Millisecond))
			}
		}
		s, err := w.store.AddDigestSnapshot(ctx, store.DigestSnapshotWrite{Info: dba.DigestSnapshotInfo{Profile: "big", At: t0.Add(time.Duration(i) * time.Minute),
			Uptime: time.Hour + time.Duration(i)*time.Minute, Server: "MariaDB 10.11.19", Digests: digests, Full: full}, Base: base, Rows: rows}, store.Retention{})
		if err != nil {
			b.Fatal(err)
		}
		base = s.ID
	}
	keys := make([]dba.DigestKey, 50)
	for i := range keys {
		keys[i] = dba.DigestKey{Schema: "shop", Digest: fmt.Sprintf("%032x", i*97)}
	}
	req := DigestSeriesRequest{Conn: ConnRequest{Profile: "big"}, Keys: keys, Points: DefaultDigestSeriesPoints}
	for b.Loop() {
		got, err := w.DigestSeries(ctx, req)
		if err != nil || len(got.At) != DefaultDigestSeriesPoints {
			b.Fatalf("%d points, %v", len(got.At), err)
		}
		var runs uint64
		for _, s := range got.Series {
			for _, c := range s.Count {
				runs += c
			}
		}
		if runs == 0 {
			b.Fatal("no executions in any interval")
		}
	}
}
