package metric

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

var dt0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func dg(schema, digest string, count uint64, total time.Duration, first time.Time) dba.Digest {
	return dba.Digest{Schema: schema, Digest: digest, Text: "SELECT " + digest,
		DigestCounters: dba.DigestCounters{Count: count, TotalTime: total, RowsExamined: count * 10, NoIndexUsed: count / 2},
		FirstSeen:      first, LastSeen: first.Add(time.Hour), MaxTime: total}
}

func snap(id int64, at time.Time, uptime time.Duration, digests ...dba.Digest) dba.DigestSnapshot {
	return dba.DigestSnapshot{
		DigestSnapshotInfo: dba.DigestSnapshotInfo{ID: id, Profile: "p", At: at, Uptime: uptime, Digests: len(digests)},
		Digests:            digests,
		Own:                map[dba.DigestKey]bool{},
		Examples:           map[dba.DigestKey]dba.DigestExample{},
	}
}

func TestChangedDigests(t *testing.T) {
	first := dt0.Add(-24 * time.Hour)
	prev := []dba.Digest{dg("s", "a", 10, time.Second, first), dg("s", "b", 5, time.Second, first), dg("", "c", 1, time.Millisecond, first)}
	tests := []struct {
		name    string
		cur     []dba.Digest
		changed []string
		reset   string
	}{
		{"nothing ran", prev, nil, ""},
		{"one ran, one new", []dba.Digest{dg("s", "a", 12, 2*time.Second, first), prev[1], prev[2], dg("t", "a", 1, time.Millisecond, dt0)}, []string{"s.a", "t.a"}, ""},
		{"truncated: rows vanished", []dba.Digest{dg("s", "a", 12, 2*time.Second, first)}, []string{"s.a"}, "2 vanished"},
		{"truncated and re-run past the old count", []dba.Digest{dg("s", "a", 40, 5*time.Second, dt0), prev[1], prev[2]}, []string{"s.a"}, "1 rows restarted counting"},
		{"counters went down", []dba.Digest{dg("s", "a", 3, time.Second, first), prev[1], prev[2]}, []string{"s.a"}, "1 rows restarted counting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed, reset := ChangedDigests(prev, tt.cur)
			var keys []string
			for _, d := range changed {
				keys = append(keys, d.Schema+"."+d.Digest)
			}
			if diff := cmp.Diff(tt.changed, keys); diff != "" {
				t.Errorf("changed (-want +got):\n%s", diff)
			}
			if (tt.reset == "") != (reset == "") || !strings.Contains(reset, tt.reset) {
				t.Errorf("reset %q, want %q", reset, tt.reset)
			}
		})
	}
}

func TestDigestServerReset(t *testing.T) {
	info := func(at time.Time, up time.Duration) dba.DigestSnapshotInfo {
		return dba.DigestSnapshotInfo{At: at, Uptime: up}
	}
	tests := []struct {
		name      string
		prev, cur dba.DigestSnapshotInfo
		want      string
	}{
		{"continues", info(dt0, time.Hour), info(dt0.Add(time.Hour), 2*time.Hour), ""},
		{"restart: uptime down", info(dt0, 10*time.Hour), info(dt0.Add(time.Hour), 5*time.Minute), "restarted"},
		{"restart early in the interval", info(dt0, time.Hour), info(dt0.Add(24*time.Hour), 20*time.Hour), "restarted"},
		{"another server", info(dt0, time.Hour), info(dt0.Add(time.Hour), 50*time.Hour), "different server runs"},
		{"clock went back", info(dt0, time.Hour), info(dt0.Add(-time.Minute), 2*time.Hour), "not later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DigestServerReset(tt.prev, tt.cur)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDigestTrend covers the delta rules: growth between snapshots, new
// rows, rows reset by TRUNCATE, a server restart, rows that did not run,
// and never a negative counter.
func TestDigestTrend(t *testing.T) {
	first := dt0.Add(-48 * time.Hour)
	cpu := func(d time.Duration) *time.Duration { return &d }
	base := func(d time.Duration) *time.Duration { return &d }
	pct := func(f float64) *float64 { return &f }
	a0 := dg("s", "a", 10, 10*time.Millisecond, first)
	a0.CPUTime = cpu(4 * time.Millisecond)
	a1 := dg("s", "a", 30, 50*time.Millisecond, first)
	a1.CPUTime = cpu(10 * time.Millisecond)
	b0 := dg("s", "b", 100, time.Second, first)
	idle := dg("s", "idle", 7, time.Second, first)
	tests := []struct {
		name      string
		prev, cur dba.DigestSnapshot
		want      []dba.DigestDelta
		notes     string
		restarted int
		vanished  int
		totals    dba.DigestTotals
	}{
		{
			name: "growth, new, idle skipped",
			prev: snap(1, dt0, 48*time.Hour, a0, idle),
			cur:  snap(2, dt0.Add(time.Hour), 49*time.Hour, a1, idle, dg("s", "n", 2, 4*time.Millisecond, dt0.Add(30*time.Minute))),
			want: []dba.DigestDelta{
				{Digest: dba.Digest{Schema: "s", Digest: "a", Text: "SELECT a", DigestCounters: dba.DigestCounters{Count: 20, TotalTime: 40 * time.Millisecond, CPUTime: cpu(6 * time.Millisecond), RowsExamined: 200, NoIndexUsed: 10},
					AvgTime: 2 * time.Millisecond, MaxTime: 50 * time.Millisecond, FirstSeen: first, LastSeen: first.Add(time.Hour)},
					BaseAvgTime: base(time.Millisecond), AvgChangePct: pct(100)},
				{Digest: dba.Digest{Schema: "s", Digest: "n", Text: "SELECT n", DigestCounters: dba.DigestCounters{Count: 2, TotalTime: 4 * time.Millisecond, RowsExamined: 20, NoIndexUsed: 1},
					AvgTime: 2 * time.Millisecond, MaxTime: 4 * time.Millisecond, FirstSeen: dt0.Add(30 * time.Minute), LastSeen: dt0.Add(90 * time.Minute)},
					Status: "new"},
			},
			totals: dba.DigestTotals{Digests: 2, Count: 22, TotalTime: 44 * time.Millisecond},
		},
		{
			name: "TRUNCATE: row restarted, one vanished",
			prev: snap(1, dt0, 48*time.Hour, a1, b0),
			cur:  snap(2, dt0.Add(time.Hour), 49*time.Hour, dg("s", "a", 4, 8*time.Millisecond, dt0.Add(10*time.Minute))),
			want: []dba.DigestDelta{
				{Digest: dba.Digest{Schema: "s", Digest: "a", Text: "SELECT a", DigestCounters: dba.DigestCounters{Count: 4, TotalTime: 8 * time.Millisecond, RowsExamined: 40, NoIndexUsed: 2},
					AvgTime: 2 * time.Millisecond, MaxTime: 8 * time.Millisecond, FirstSeen: dt0.Add(10 * time.Minute), LastSeen: dt0.Add(70 * time.Minute)},
					Status: "restarted"},
			},
			notes: "TRUNCATE", restarted: 1, vanished: 1,
			totals: dba.DigestTotals{Digests: 1, Count: 4, TotalTime: 8 * time.Millisecond},
		},
		{
			name: "TRUNCATE then more runs than before: FIRST_SEEN gives it away",
			prev: snap(1, dt0, 48*time.Hour, a0),
			cur:  snap(2, dt0.Add(time.Hour), 49*time.Hour, dg("s", "a", 50, 60*time.Millisecond, dt0.Add(5*time.Minute))),
			want: []dba.DigestDelta{
				{Digest: dba.Digest{Schema: "s", Digest: "a", Text: "SELECT a", DigestCounters: dba.DigestCounters{Count: 50, TotalTime: 60 * time.Millisecond, RowsExamined: 500, NoIndexUsed: 25},
					AvgTime: 1200 * time.Microsecond, MaxTime: 60 * time.Millisecond, FirstSeen: dt0.Add(5 * time.Minute), LastSeen: dt0.Add(65 * time.Minute)},
					Status: "restarted"},
			},
			notes: "TRUNCATE", restarted: 1,
			totals: dba.DigestTotals{Digests: 1, Count: 50, TotalTime: 60 * time.Millisecond},
		},
		{
			name: "server restart: everything counts from the restart",
			prev: snap(1, dt0, 48*time.Hour, a1, idle),
			cur:  snap(2, dt0.Add(time.Hour), 10*time.Minute, dg("s", "a", 3, 3*time.Millisecond, dt0.Add(55*time.Minute)), dg("s", "idle", 7, time.Second, dt0.Add(51*time.Minute))),
			want: []dba.DigestDelta{
				{Digest: dba.Digest{Schema: "s", Digest: "a", Text: "SELECT a", DigestCounters: dba.DigestCounters{Count: 3, TotalTime: 3 * time.Millisecond, RowsExamined: 30, NoIndexUsed: 1},
					AvgTime: time.Millisecond, MaxTime: 3 * time.Millisecond, FirstSeen: dt0.Add(55 * time.Minute), LastSeen: dt0.Add(115 * time.Minute)},
					Status: "restarted"},
				// Same counts as before the restart, but after it: it ran 7 times.
				{Digest: dba.Digest{Schema: "s", Digest: "idle", Text: "SELECT idle", DigestCounters: dba.DigestCounters{Count: 7, TotalTime: time.Second, RowsExamined: 70, NoIndexUsed: 3},
					AvgTime: time.Second / 7, MaxTime: time.Second, FirstSeen: dt0.Add(51 * time.Minute), LastSeen: dt0.Add(111 * time.Minute)},
					Status: "restarted"},
			},
			notes:  "restarted",
			totals: dba.DigestTotals{Digests: 2, Count: 10, TotalTime: time.Second + 3*time.Millisecond},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := DigestTrend(tt.prev, tt.cur)
			if diff := cmp.Diff(tt.want, tr.Digests); diff != "" {
				t.Errorf("deltas (-want +got):\n%s", diff)
			}
			if tr.Restarted != tt.restarted || tr.Vanished != tt.vanished {
				t.Errorf("restarted %d vanished %d, want %d %d", tr.Restarted, tr.Vanished, tt.restarted, tt.vanished)
			}
			if diff := cmp.Diff(tt.totals, tr.Totals); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
			if notes := strings.Join(tr.Notes, "\n"); (tt.notes == "") != (notes == "") || !strings.Contains(notes, tt.notes) {
				t.Errorf("notes %q, want %q", notes, tt.notes)
			}
			if tr.Interval != time.Hour || tr.From.ID != 1 || tr.To.ID != 2 {
				t.Errorf("interval %v from %d to %d", tr.Interval, tr.From.ID, tr.To.ID)
			}
		})
	}
}

func TestDigestTrendLostAndOwn(t *testing.T) {
	first := dt0.Add(-time.Hour)
	prev := snap(1, dt0, 10*time.Hour, dg("s", "a", 1, time.Millisecond, first))
	prev.Lost = &dba.DigestCounters{Count: 100}
	cur := snap(2, dt0.Add(time.Hour), 11*time.Hour, dg("s", "a", 3, 3*time.Millisecond, first))
	cur.Lost = &dba.DigestCounters{Count: 130}
	key := dba.DigestKey{Schema: "s", Digest: "a"}
	cur.Own[key] = true
	cur.Examples[key] = dba.DigestExample{Text: "/* mydba:x */ SELECT a", Source: "events_statements_history"}
	tr := DigestTrend(prev, cur)
	if len(tr.Digests) != 1 || !tr.Digests[0].Own || tr.Digests[0].Example == nil || tr.Digests[0].Example.Text != "/* mydba:x */ SELECT a" {
		t.Errorf("deltas %+v", tr.Digests)
	}
	if len(tr.Notes) != 1 || !strings.Contains(tr.Notes[0], "30 statements") {
		t.Errorf("notes %q", tr.Notes)
	}
}

func TestRankDeltas(t *testing.T) {
	mk := func(digest string, count uint64, total time.Duration, exam uint64) dba.DigestDelta {
		return dba.DigestDelta{Digest: dba.Digest{Digest: digest, DigestCounters: dba.DigestCounters{Count: count, TotalTime: total, RowsExamined: exam}, AvgTime: total / time.Duration(count)}}
	}
	rows := func() []dba.DigestDelta {
		return []dba.DigestDelta{mk("a", 1, 10*time.Millisecond, 5), mk("b", 100, 50*time.Millisecond, 1), mk("c", 10, 40*time.Millisecond, 900), mk("d", 10, 40*time.Millisecond, 0)}
	}
	order := func(rs []dba.DigestDelta) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.Digest.Digest)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		o     dba.DigestOrder
		limit int
		want  string
	}{
		{dba.OrderTotalTime, 0, "b,c,d,a"},
		{dba.OrderCount, 2, "b,c"},
		{dba.OrderAvgTime, 0, "a,c,d,b"},
		{dba.OrderRowsExamined, 3, "c,a,b"},
	}
	for _, tt := range tests {
		t.Run(string(tt.o), func(t *testing.T) {
			got := RankDeltas(rows(), tt.o, tt.limit, 140*time.Millisecond)
			if order(got) != tt.want {
				t.Errorf("order %s, want %s", order(got), tt.want)
			}
			for i, r := range got {
				if r.Rank != i+1 {
					t.Errorf("rank %d at %d", r.Rank, i)
				}
			}
		})
	}
	got := RankDeltas(rows(), dba.OrderTotalTime, 1, 100*time.Millisecond)
	if got[0].ImpactPct != 50 {
		t.Errorf("impact %v, want 50", got[0].ImpactPct)
	}
}
