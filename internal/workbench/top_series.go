package workbench

import (
	"context"
	"fmt"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/metric"
)

// Limits of a digest series: how many intervals between stored snapshots
// it spans.
const (
	DefaultDigestSeriesPoints = 24
	MaxDigestSeriesPoints     = 96
)

// DigestSeriesRequest asks how some digests ran between consecutive stored
// snapshots of the digest table, for trend sparklines.
type DigestSeriesRequest struct {
	Conn ConnRequest
	// Keys are the digests wanted (at most MaxTopLimit).
	Keys []dba.DigestKey
	// Points is how many of the newest intervals to return (default
	// DefaultDigestSeriesPoints, at most MaxDigestSeriesPoints).
	Points int
}

// DigestSeries is what each digest ran in each interval between two
// consecutive snapshots, oldest interval first.
type DigestSeries struct {
	Profile string `json:"profile"`
	// Snapshots is how many snapshots the connection has in all; a series
	// needs two.
	Snapshots int `json:"snapshots"`
	// At is the end of each interval (the newer snapshot's time), Seconds
	// its length.
	At      []time.Time `json:"at"`
	Seconds []float64   `json:"seconds"`
	// Reset marks intervals across a server restart (or a different
	// server): their counts start at the restart, a lower bound.
	Reset  []bool         `json:"reset"`
	Series []DigestPoints `json:"series"`
}

// DigestPoints is one digest's growth per interval; a digest that did not
// run in an interval has zeros there.
type DigestPoints struct {
	dba.DigestKey
	Count     []uint64        `json:"count"`
	TotalTime []time.Duration `json:"total_time_ns"`
}

// DigestSeries reads the newest stored snapshots of a connection's digest
// table and returns, per requested digest, its executions and latency in
// each interval between them. It reads the state store only: nothing is
// sent to the server.
func (w *Workbench) DigestSeries(ctx context.Context, req DigestSeriesRequest) (DigestSeries, error) {
	switch {
	case req.Points == 0:
		req.Points = DefaultDigestSeriesPoints
	case req.Points < 1 || req.Points > MaxDigestSeriesPoints:
		return DigestSeries{}, fmt.Errorf("%w: points %d: want 1 to %d", dba.ErrInvalid, req.Points, MaxDigestSeriesPoints)
	}
	if len(req.Keys) > MaxTopLimit {
		return DigestSeries{}, fmt.Errorf("%w: %d digests asked for; at most %d", dba.ErrInvalid, len(req.Keys), MaxTopLimit)
	}
	p, _, _, err := w.target(ctx, req.Conn)
	if err != nil {
		return DigestSeries{}, err
	}
	key := digestProfileKey(p)
	all, err := w.store.DigestSnapshots(ctx, key, 0)
	if err != nil {
		return DigestSeries{}, err
	}
	infos := all
	if len(infos) > req.Points+1 {
		infos = infos[:req.Points+1]
	}
	snaps := make([]dba.DigestSnapshot, len(infos))
	if len(infos) > 0 {
		// Only the requested digests are rebuilt: the whole table at each
		// snapshot would cost seconds with thousands of digests.
		rows, err := w.store.DigestKeyHistory(ctx, key, infos[len(infos)-1].ID, infos[0].ID, req.Keys)
		if err != nil {
			return DigestSeries{}, err
		}
		// Newest first from the store; the series runs oldest first.
		for i, info := range infos {
			snaps[len(infos)-1-i] = dba.DigestSnapshot{DigestSnapshotInfo: info, Digests: rows[info.ID]}
		}
	}
	out := digestSeries(snaps, req.Keys)
	out.Profile, out.Snapshots = key, len(all)
	return out, nil
}

// digestSeries computes the per-interval growth of keys over snapshots
// (oldest first), with the same delta rules as DigestTrend: never
// negative across a TRUNCATE or a restart.
func digestSeries(snaps []dba.DigestSnapshot, keys []dba.DigestKey) DigestSeries {
	n := max(len(snaps)-1, 0)
	out := DigestSeries{At: make([]time.Time, 0, n), Seconds: make([]float64, 0, n), Reset: make([]bool, 0, n), Series: make([]DigestPoints, len(keys))}
	index := make(map[dba.DigestKey][]int, len(keys))
	for i, k := range keys {
		out.Series[i] = DigestPoints{DigestKey: k, Count: make([]uint64, n), TotalTime: make([]time.Duration, n)}
		index[k] = append(index[k], i)
	}
	for i := 1; i < len(snaps); i++ {
		t := metric.DigestTrend(snaps[i-1], snaps[i])
		out.At = append(out.At, snaps[i].At)
		out.Seconds = append(out.Seconds, t.Interval.Seconds())
		out.Reset = append(out.Reset, t.Reset != "")
		for _, d := range t.Digests {
			for _, j := range index[d.Key()] {
				out.Series[j].Count[i-1] = d.Count
				out.Series[j].TotalTime[i-1] = d.TotalTime
			}
		}
	}
	return out
}
