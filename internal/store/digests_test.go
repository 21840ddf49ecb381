package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

func digestRow(schema, digest string, count uint64, first time.Time) dba.Digest {
	d := dba.Digest{Schema: schema, Digest: digest, Text: "SELECT ? FROM " + digest,
		DigestCounters: dba.DigestCounters{Count: count, TotalTime: time.Duration(count) * time.Millisecond, RowsExamined: count * 3, NoIndexUsed: count},
		MinTime:        time.Millisecond, MaxTime: 2 * time.Millisecond, FirstSeen: first, LastSeen: first.Add(time.Duration(count) * time.Second)}
	d.AvgTime = d.DigestCounters.AvgTime()
	return d
}

// TestDigestSnapshots stores a full snapshot and incremental ones and
// rebuilds each as it was; a stale base is refused; retention keeps the
// full snapshot the kept ones are rebuilt from.
func TestDigestSnapshots(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	s := openClocked(t, &now)
	first := now.Add(-time.Hour).Truncate(time.Microsecond)
	cpu := 5 * time.Millisecond
	a1, b1 := digestRow("shop", "a", 10, first), digestRow("", "b", 1, first)
	a1.CPUTime = &cpu
	keyA := a1.Key()
	info := func(at time.Time, full bool, n int) dba.DigestSnapshotInfo {
		return dba.DigestSnapshotInfo{Profile: "prod", At: at, Uptime: 5 * time.Hour, Server: "MariaDB 10.11.19", Digests: n, Full: full}
	}
	s1, err := s.AddDigestSnapshot(ctx, DigestSnapshotWrite{Info: info(now, true, 2), Rows: []dba.Digest{a1, b1},
		Lost: &dba.DigestCounters{Count: 4, TotalTime: time.Second}, Own: map[dba.DigestKey]bool{b1.Key(): true},
		Examples: map[dba.DigestKey]dba.DigestExample{keyA: {Text: "SELECT 1 FROM a", Source: "events_statements_history_long"}}}, Retention{})
	if err != nil {
		t.Fatal(err)
	}
	if s1.ID == 0 || s1.Stored != 2 || !s1.Full {
		t.Errorf("first snapshot %+v", s1)
	}
	// Only a changed; c is new.
	a2, c2 := digestRow("shop", "a", 15, first), digestRow("shop", "c", 2, now)
	s2, err := s.AddDigestSnapshot(ctx, DigestSnapshotWrite{Info: info(now.Add(time.Hour), false, 3), Base: s1.ID, Rows: []dba.Digest{a2, c2}}, Retention{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddDigestSnapshot(ctx, DigestSnapshotWrite{Info: info(now.Add(2*time.Hour), false, 3), Base: s1.ID, Rows: []dba.Digest{a2}}, Retention{}); !errors.Is(err, ErrSnapshotRace) {
		t.Errorf("a write on a stale base: %v", err)
	}

	got1, err := s.DigestSnapshot(ctx, s1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]dba.Digest{b1, a1}, got1.Digests); diff != "" {
		t.Errorf("snapshot 1 (-want +got):\n%s", diff)
	}
	if got1.Lost == nil || got1.Lost.Count != 4 || !got1.Own[b1.Key()] || got1.Own[keyA] || got1.Examples[keyA].Text != "SELECT 1 FROM a" {
		t.Errorf("snapshot 1 lost %+v own %v examples %v", got1.Lost, got1.Own, got1.Examples)
	}
	got2, err := s.DigestSnapshot(ctx, s2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]dba.Digest{b1, a2, c2}, got2.Digests); diff != "" {
		t.Errorf("snapshot 2 rebuilt (-want +got):\n%s", diff)
	}
	if got2.Full || got2.Stored != 2 || got2.DigestSnapshotInfo.Digests != 3 {
		t.Errorf("snapshot 2 info %+v", got2.DigestSnapshotInfo)
	}
	list, err := s.DigestSnapshots(ctx, "prod", 0)
	if err != nil || len(list) != 2 || list[0].ID != s2.ID || !list[0].At.Equal(now.Add(time.Hour)) {
		t.Fatalf("list %+v %v", list, err)
	}
	if other, _ := s.DigestSnapshots(ctx, "dev", 0); len(other) != 0 {
		t.Errorf("another profile sees %d snapshots", len(other))
	}
	if _, err := s.DigestSnapshot(ctx, 999); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("unknown snapshot: %v", err)
	}

	// Retention of 2 entries: after a third (incremental) snapshot the
	// oldest kept is s2, rebuilt from s1, so s1 stays.
	now = now.Add(3 * time.Hour)
	s3, err := s.AddDigestSnapshot(ctx, DigestSnapshotWrite{Info: info(now, false, 3), Base: s2.ID, Rows: []dba.Digest{digestRow("shop", "c", 9, now.Add(-3*time.Hour))}}, Retention{MaxEntries: 2})
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := s.DigestSnapshots(ctx, "prod", 0); len(list) != 3 {
		t.Errorf("retention dropped the full snapshot an incremental one needs: %d left", len(list))
	}
	// Kept: s4 and s3; s3 is rebuilt from s1 and s2, so nothing goes.
	now = now.Add(time.Hour)
	s4, err := s.AddDigestSnapshot(ctx, DigestSnapshotWrite{Info: info(now, true, 1), Base: s3.ID, Rows: []dba.Digest{a2}}, Retention{MaxEntries: 2})
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := s.DigestSnapshots(ctx, "prod", 0); len(list) != 4 {
		t.Errorf("kept %d snapshots, want 4", len(list))
	}
	// Kept: s5 and s4, which is full: everything before s4 goes.
	now = now.Add(time.Hour)
	s5, err := s.AddDigestSnapshot(ctx, DigestSnapshotWrite{Info: info(now, false, 1), Base: s4.ID}, Retention{MaxEntries: 2})
	if err != nil {
		t.Fatal(err)
	}
	list, _ = s.DigestSnapshots(ctx, "prod", 0)
	if len(list) != 2 || list[0].ID != s5.ID || list[1].ID != s4.ID {
		t.Errorf("after retention: %+v", list)
	}
	if _, err := s.DigestSnapshot(ctx, s3.ID); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("s3 after retention: %v", err)
	}
	got5, err := s.DigestSnapshot(ctx, s5.ID)
	if err != nil || len(got5.Digests) != 1 || got5.Digests[0].Text != a2.Text || got5.Digests[0].Count != 15 {
		t.Errorf("s5 %+v %v", got5.Digests, err)
	}
	// The texts of digests no snapshot refers to are gone too.
	var texts int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM digest_texts WHERE profile = 'prod'").Scan(&texts); err != nil || texts != 1 {
		t.Errorf("%d texts left, want 1 (%v)", texts, err)
	}
	// Age retention never drops the newest, the next snapshot's base.
	now = now.Add(400 * 24 * time.Hour)
	if _, err := s.AddDigestSnapshot(ctx, DigestSnapshotWrite{Info: info(now.Add(-200*24*time.Hour), false, 1), Base: s5.ID}, Retention{MaxAge: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.DigestSnapshots(ctx, "prod", 0); len(list) == 0 {
		t.Error("age retention removed every snapshot")
	}
}

// TestDigestKeyHistory checks the keyed rebuild against the whole-table
// one at every snapshot of a history with full and incremental snapshots,
// digests that appear, change, vanish at a full snapshot and come back.
func TestDigestKeyHistory(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	s := openClocked(t, &now)
	first := now.Add(-time.Hour).Truncate(time.Microsecond)
	// Each step: whether the snapshot is full, and the rows it stores.
	steps := []struct {
		full bool
		rows map[string]uint64
	}{
		{true, map[string]uint64{"a": 1, "b": 1, "o": 1}},
		{false, map[string]uint64{"a": 5}},
		{false, map[string]uint64{"c": 2, "o": 3}},
		{true, map[string]uint64{"a": 7, "c": 2}}, // b vanished (TRUNCATE or eviction)
		{false, map[string]uint64{}},
		{false, map[string]uint64{"b": 1, "a": 9}},
		{true, map[string]uint64{"a": 1, "b": 2, "c": 3}}, // restart
		{false, map[string]uint64{"c": 4}},
	}
	var ids []int64
	var base int64
	for i, st := range steps {
		var rows []dba.Digest
		for _, name := range []string{"a", "b", "c", "o"} {
			if n, ok := st.rows[name]; ok {
				rows = append(rows, digestRow("shop", name, n, first))
			}
		}
		info, err := s.AddDigestSnapshot(ctx, DigestSnapshotWrite{Info: dba.DigestSnapshotInfo{Profile: "h", At: now.Add(time.Duration(i) * time.Minute),
			Uptime: time.Hour, Server: "MariaDB 10.11.19", Digests: len(rows), Full: st.full}, Base: base, Rows: rows}, Retention{})
		if err != nil {
			t.Fatal(err)
		}
		ids, base = append(ids, info.ID), info.ID
	}
	keys := []dba.DigestKey{{Schema: "shop", Digest: "a"}, {Schema: "shop", Digest: "b"}, {Schema: "shop", Digest: "c"}, {Schema: "other", Digest: "a"}}
	want := func(id int64) []dba.Digest {
		snap, err := s.DigestSnapshot(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out := []dba.Digest{}
		for _, d := range snap.Digests {
			if d.Digest != "o" {
				d.Text = ""
				out = append(out, d)
			}
		}
		return out
	}
	for from := range ids {
		got, err := s.DigestKeyHistory(ctx, "h", ids[from], ids[len(ids)-1], keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ids)-from {
			t.Errorf("from snapshot %d: %d snapshots, want %d", from, len(got), len(ids)-from)
		}
		for _, id := range ids[from:] {
			if diff := cmp.Diff(want(id), got[id]); diff != "" {
				t.Errorf("from %d, snapshot %d (-whole table +keyed):\n%s", ids[from], id, diff)
			}
		}
	}
	// Another profile's snapshots and keys never mix in.
	if got, err := s.DigestKeyHistory(ctx, "other", ids[0], ids[len(ids)-1], keys); err == nil || len(got) != 0 {
		t.Errorf("another profile: %v, %v", got, err)
	}
	if got, err := s.DigestKeyHistory(ctx, "h", ids[0], ids[1], nil); err != nil || len(got) != 0 {
		t.Errorf("no keys: %v, %v", got, err)
	}
}

// openClocked opens a store in a temporary dir whose clock reads *now, so
// a test moves time by assigning to it.
func openClocked(t *testing.T, now *time.Time) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "state.db"), Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
