package metric

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// DigestServerReset says why the digest counters of cur cannot continue
// those of prev as a whole — the server restarted, or a different server
// answered (as after a failover behind one address) — or "" when they
// can. It reads the Uptime the snapshots recorded, like Pair.Reset.
func DigestServerReset(prev, cur dba.DigestSnapshotInfo) string {
	sample := func(i dba.DigestSnapshotInfo) dba.StatusSample {
		return dba.StatusSample{At: i.At, Values: map[string]string{"Uptime": strconv.FormatInt(int64(i.Uptime/time.Second), 10)}}
	}
	return Pair{Prev: sample(prev), Cur: sample(cur)}.Reset()
}

// digestRestarted reports whether a digest row was reset between two
// readings (TRUNCATE of the summary table, then the statement ran again):
// its counters went down, or the row was created anew (FIRST_SEEN moved).
func digestRestarted(prev, cur dba.Digest) bool {
	if !cur.FirstSeen.Truncate(time.Microsecond).Equal(prev.FirstSeen.Truncate(time.Microsecond)) {
		return true
	}
	p, c := prev.DigestCounters, cur.DigestCounters
	return c.Count < p.Count || c.TotalTime < p.TotalTime || c.LockTime < p.LockTime || c.Errors < p.Errors ||
		c.Warnings < p.Warnings || c.RowsAffected < p.RowsAffected || c.RowsSent < p.RowsSent ||
		c.RowsExamined < p.RowsExamined || c.TmpTables < p.TmpTables || c.TmpDiskTables < p.TmpDiskTables ||
		c.FullJoins < p.FullJoins || c.FullRangeJoins < p.FullRangeJoins || c.FullScans < p.FullScans ||
		c.SortMergePasses < p.SortMergePasses || c.SortRows < p.SortRows || c.NoIndexUsed < p.NoIndexUsed ||
		c.NoGoodIndexUsed < p.NoGoodIndexUsed
}

// ChangedDigests compares a new reading of the digest table with the
// previous snapshot's table. changed lists the rows that are new or ran
// since; reset is non-empty when the table was reset in between (rows
// vanished or restarted counting), in which case every row must be stored
// afresh.
func ChangedDigests(prev []dba.Digest, cur []dba.Digest) (changed []dba.Digest, reset string) {
	before := make(map[dba.DigestKey]dba.Digest, len(prev))
	for _, d := range prev {
		before[d.Key()] = d
	}
	restarted := 0
	seen := make(map[dba.DigestKey]bool, len(cur))
	for _, d := range cur {
		seen[d.Key()] = true
		p, ok := before[d.Key()]
		switch {
		case !ok:
			changed = append(changed, d)
		case digestRestarted(p, d):
			restarted++
			changed = append(changed, d)
		case d.Count != p.Count:
			changed = append(changed, d)
		}
	}
	vanished := 0
	for k := range before {
		if !seen[k] {
			vanished++
		}
	}
	if restarted > 0 || vanished > 0 {
		reset = fmt.Sprintf("the digest table was reset since the previous snapshot (%d rows restarted counting, %d vanished): TRUNCATE of the table or a restart", restarted, vanished)
	}
	return changed, reset
}

// sub is a - b for counters known not to have gone down.
func sub(a, b dba.DigestCounters) dba.DigestCounters {
	d := dba.DigestCounters{
		Count: a.Count - b.Count, TotalTime: a.TotalTime - b.TotalTime, LockTime: a.LockTime - b.LockTime,
		Errors: a.Errors - b.Errors, Warnings: a.Warnings - b.Warnings, RowsAffected: a.RowsAffected - b.RowsAffected,
		RowsSent: a.RowsSent - b.RowsSent, RowsExamined: a.RowsExamined - b.RowsExamined, TmpTables: a.TmpTables - b.TmpTables,
		TmpDiskTables: a.TmpDiskTables - b.TmpDiskTables, FullJoins: a.FullJoins - b.FullJoins,
		FullRangeJoins: a.FullRangeJoins - b.FullRangeJoins, FullScans: a.FullScans - b.FullScans,
		SortMergePasses: a.SortMergePasses - b.SortMergePasses, SortRows: a.SortRows - b.SortRows,
		NoIndexUsed: a.NoIndexUsed - b.NoIndexUsed, NoGoodIndexUsed: a.NoGoodIndexUsed - b.NoGoodIndexUsed,
	}
	if a.CPUTime != nil && b.CPUTime != nil && *a.CPUTime >= *b.CPUTime {
		c := *a.CPUTime - *b.CPUTime
		d.CPUTime = &c
	}
	return d
}

// DigestTrend is the growth of every digest between two snapshots of the
// same profile, older first. Counters never go negative: after a server
// restart (or a different server) every row counts from the restart, and
// a row reset by TRUNCATE counts from its reset; both are marked, and
// their growth is a lower bound of the interval's. Rows that did not run
// in the interval are left out. The result is unordered and unranked; see
// RankDeltas.
func DigestTrend(prev, cur dba.DigestSnapshot) dba.DigestTrend {
	t := dba.DigestTrend{
		Profile: cur.Profile, From: prev.DigestSnapshotInfo, To: cur.DigestSnapshotInfo,
		Interval: cur.At.Sub(prev.At), Digests: []dba.DigestDelta{}, Notes: []string{},
	}
	t.Reset = DigestServerReset(prev.DigestSnapshotInfo, cur.DigestSnapshotInfo)
	before := make(map[dba.DigestKey]dba.Digest, len(prev.Digests))
	for _, d := range prev.Digests {
		before[d.Key()] = d
	}
	seen := make(map[dba.DigestKey]bool, len(cur.Digests))
	for _, d := range cur.Digests {
		key := d.Key()
		seen[key] = true
		p, ok := before[key]
		delta := dba.DigestDelta{Digest: d}
		delta.P95, delta.P99 = nil, nil
		switch {
		case !ok:
			delta.Status = "new"
		case t.Reset != "" || digestRestarted(p, d):
			delta.Status = "restarted"
			if t.Reset == "" {
				t.Restarted++
			}
		default:
			delta.DigestCounters = sub(d.DigestCounters, p.DigestCounters)
			if p.Count > 0 {
				base := p.DigestCounters.AvgTime()
				delta.BaseAvgTime = &base
			}
		}
		if delta.Count == 0 {
			continue
		}
		delta.AvgTime = delta.DigestCounters.AvgTime()
		if delta.BaseAvgTime != nil && *delta.BaseAvgTime > 0 {
			pct := 100 * float64(delta.AvgTime-*delta.BaseAvgTime) / float64(*delta.BaseAvgTime)
			delta.AvgChangePct = &pct
		}
		delta.Own = cur.Own[key]
		if ex, ok := cur.Examples[key]; ok {
			delta.Example = &ex
		}
		t.Totals.Digests++
		t.Totals.Count += delta.Count
		t.Totals.TotalTime += delta.TotalTime
		t.Digests = append(t.Digests, delta)
	}
	if t.Reset == "" {
		for k := range before {
			if !seen[k] {
				t.Vanished++
			}
		}
	}
	switch {
	case t.Reset != "":
		t.Notes = append(t.Notes, t.Reset+": counters are since that restart, a lower bound of the interval's")
	case t.Restarted > 0 || t.Vanished > 0:
		t.Notes = append(t.Notes, fmt.Sprintf("the digest table was reset in the interval (TRUNCATE): %d rows restarted counting and count only since then, %d vanished", t.Restarted, t.Vanished))
	}
	if cur.Lost != nil {
		lost := cur.Lost.Count
		if prev.Lost != nil && t.Reset == "" && prev.Lost.Count <= lost {
			lost -= prev.Lost.Count
		}
		if lost > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("the digest table was full: %d statements in the interval were counted without a digest of their own", lost))
		}
	}
	return t
}

// deltaKey is the value an order ranks a delta by.
func deltaKey(o dba.DigestOrder, d dba.DigestDelta) float64 {
	switch o {
	case dba.OrderCount:
		return float64(d.Count)
	case dba.OrderAvgTime:
		return float64(d.AvgTime)
	case dba.OrderMaxTime:
		return float64(d.MaxTime)
	case dba.OrderRowsExamined:
		return float64(d.RowsExamined)
	case dba.OrderRowsSent:
		return float64(d.RowsSent)
	case dba.OrderNoIndex:
		return float64(d.NoIndexUsed + d.NoGoodIndexUsed)
	case dba.OrderLockTime:
		return float64(d.LockTime)
	case dba.OrderTmpDisk:
		return float64(d.TmpDiskTables)
	case dba.OrderErrors:
		return float64(d.Errors)
	}
	return float64(d.TotalTime)
}

// RankDeltas orders a trend's rows by o (largest first; ties by total
// time, schema, digest), keeps the first limit (0: all) and numbers them,
// with each row's share of the interval's total latency. Filters are the
// caller's, applied before.
func RankDeltas(rows []dba.DigestDelta, o dba.DigestOrder, limit int, total time.Duration) []dba.DigestDelta {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if ka, kb := deltaKey(o, a), deltaKey(o, b); ka != kb {
			return ka > kb
		}
		if a.TotalTime != b.TotalTime {
			return a.TotalTime > b.TotalTime
		}
		if a.Schema != b.Schema {
			return a.Schema < b.Schema
		}
		return a.Digest.Digest < b.Digest.Digest
	})
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	for i := range rows {
		rows[i].Rank = i + 1
		if total > 0 {
			rows[i].ImpactPct = 100 * float64(rows[i].TotalTime) / float64(total)
		}
	}
	return rows
}
