package workbench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/metric"
	"github.com/mydba/mydba/internal/sqltext"
	"github.com/mydba/mydba/internal/store"
)

// Limits of top listings and digest snapshot retention.
const (
	DefaultTopLimit = 20
	MaxTopLimit     = 1000
	// Snapshots of a profile older than DefaultDigestSnapshotAge, or
	// beyond the newest DefaultDigestSnapshots, are pruned.
	DefaultDigestSnapshotAge = 35 * 24 * time.Hour
	DefaultDigestSnapshots   = 2000
	// digestFullEvery bounds how many snapshots a rebuild reads: at least
	// one in this many stores every row.
	digestFullEvery = 12
)

// TopRequest asks for the heaviest statement digests.
type TopRequest struct {
	Conn    ConnRequest
	OrderBy dba.DigestOrder
	// Limit is how many digests to list (default DefaultTopLimit, at most
	// MaxTopLimit).
	Limit int
	// NoIndex keeps digests that ran without a (good) index at least once.
	NoIndex bool
	// IncludeOwn lists mydba's own statements too.
	IncludeOwn bool
	// Snapshot also stores the whole digest table in the state store.
	Snapshot bool
}

func (r *TopRequest) check() error {
	o, err := dba.ParseDigestOrder(string(r.OrderBy))
	if err != nil {
		return err
	}
	r.OrderBy = o
	switch {
	case r.Limit == 0:
		r.Limit = DefaultTopLimit
	case r.Limit < 0 || r.Limit > MaxTopLimit:
		return fmt.Errorf("%w: limit %d: want 1 to %d", dba.ErrInvalid, r.Limit, MaxTopLimit)
	}
	return nil
}

// Top lists the statement digests that weigh most on the server, from
// performance_schema's digest summary, ranked by the server (ORDER BY
// before LIMIT), each with its share of all statement latency, its
// pt-query-digest query ID and a real example where the server kept one.
func (w *Workbench) Top(ctx context.Context, req TopRequest) (dba.DigestTop, error) {
	top := dba.DigestTop{Digests: []dba.TopDigest{}, Notes: []string{}}
	if err := req.check(); err != nil {
		return top, err
	}
	top.OrderBy, top.Limit, top.NoIndex, top.IncludeOwn = req.OrderBy, req.Limit, req.NoIndex, req.IncludeOwn
	db, p, err := w.open(ctx, req.Conn)
	if err != nil {
		return top, err
	}
	defer db.Close()
	top.Profile, top.Server = p.Name, db.Server()
	if req.Snapshot {
		info, err := w.snapshotDigests(ctx, db, digestProfileKey(p))
		if err != nil {
			return top, err
		}
		top.Snapshot = &info
	}
	r, err := db.Digests(ctx, mysql.DigestQuery{OrderBy: req.OrderBy, Limit: req.Limit, NoIndex: req.NoIndex, ExcludeOwn: !req.IncludeOwn, Examples: true})
	if err != nil {
		return top, err
	}
	top.At, top.Uptime, top.Totals, top.Lost = r.At, r.Uptime, r.Totals, r.Lost
	top.Notes = append(top.Notes, r.Notes...)
	for i, d := range r.Digests {
		t := dba.TopDigest{Rank: i + 1, Digest: d, NoIndexPct: d.NoIndexPct(), Own: r.Own[d.Key()]}
		if r.Totals.TotalTime > 0 {
			t.ImpactPct = 100 * float64(d.TotalTime) / float64(r.Totals.TotalTime)
		}
		if ex, ok := r.Examples[d.Key()]; ok {
			t.Example = &ex
		} else {
			t.ExampleNote = noExampleNote(db.Server(), r.Consumers)
		}
		t.QueryID, t.QueryIDFrom = queryID(d.Text, t.Example)
		top.Digests = append(top.Digests, t)
	}
	if len(top.Digests) == 0 && req.NoIndex && r.Totals.Digests > 0 {
		top.Notes = append(top.Notes, "no digest ran without an index")
	}
	return top, nil
}

// noExampleNote says why a digest has no example: the server keeps none,
// or its statements left the history.
func noExampleNote(s dba.Server, consumers map[string]bool) string {
	note := "no example kept: no statement of this digest is left in events_statements_history or events_statements_history_long"
	if s.Flavor == dba.FlavorMySQL && s.Version.AtLeast(8, 0, 3) {
		note = "no example kept: the server has no QUERY_SAMPLE_TEXT for this digest and none of its statements is left in the statement history"
	}
	if !consumers["events_statements_history_long"] {
		note += " (consumer events_statements_history_long is NO, so only each session's last statements are kept)"
	}
	return note
}

// queryID is pt-query-digest's query ID of a digest: of its example when
// there is one (the fingerprint of real SQL matches pt's), else of the
// server's digest text (its spacing and quoting can differ from pt's).
func queryID(digestText string, ex *dba.DigestExample) (id, from string) {
	if ex != nil && !ex.Truncated {
		return sqltext.ID(sqltext.Fingerprint(ex.Text)), "example"
	}
	return sqltext.ID(sqltext.Fingerprint(digestText)), "digest_text"
}

// digestProfileKey names a connection's snapshots: the profile, or for an
// ad-hoc DSN the account and address, so snapshots of different servers
// never mix.
func digestProfileKey(p dba.Profile) string {
	if p.Name != "" && p.Name != "(dsn)" {
		return p.Name
	}
	return "(dsn) " + p.Target.User + "@" + p.Target.Address()
}

// SnapshotDigests reads the whole digest table of a server and stores it
// in the state store, for trends (DigestTrend). The scheduler calls it;
// `mydba top --snapshot` too.
func (w *Workbench) SnapshotDigests(ctx context.Context, cr ConnRequest) (dba.DigestSnapshotInfo, error) {
	db, p, err := w.open(ctx, cr)
	if err != nil {
		return dba.DigestSnapshotInfo{}, err
	}
	defer db.Close()
	return w.snapshotDigests(ctx, db, digestProfileKey(p))
}

// snapshotDigests stores one snapshot: every row when it is the profile's
// first, when the table or the server was reset since the previous one,
// when most rows changed, or when no recent snapshot was full; otherwise
// only the rows that changed.
func (w *Workbench) snapshotDigests(ctx context.Context, db *mysql.DB, key string) (dba.DigestSnapshotInfo, error) {
	for attempt := 0; ; attempt++ {
		recent, err := w.store.DigestSnapshots(ctx, key, digestFullEvery)
		if err != nil {
			return dba.DigestSnapshotInfo{}, err
		}
		var prev *dba.DigestSnapshot
		var base int64
		if len(recent) > 0 {
			s, err := w.store.DigestSnapshot(ctx, recent[0].ID)
			if err != nil {
				return dba.DigestSnapshotInfo{}, err
			}
			prev, base = &s, recent[0].ID
		}
		r, err := db.Digests(ctx, mysql.DigestQuery{OrderBy: dba.OrderTotalTime, Examples: true})
		if err != nil {
			return dba.DigestSnapshotInfo{}, err
		}
		s := db.Server()
		info := dba.DigestSnapshotInfo{Profile: key, At: r.At, Uptime: r.Uptime, Server: s.Flavor.String() + " " + s.Version.String(),
			Digests: r.Totals.Digests, Full: true}
		rows := r.Digests
		if prev != nil && metric.DigestServerReset(prev.DigestSnapshotInfo, info) == "" && recentFull(recent) {
			changed, reset := metric.ChangedDigests(prev.Digests, r.Digests)
			if reset == "" && 2*len(changed) <= len(r.Digests) {
				rows, info.Full = changed, false
			}
		}
		keep := map[dba.DigestKey]bool{}
		for _, d := range rows {
			keep[d.Key()] = true
		}
		write := store.DigestSnapshotWrite{Info: info, Base: base, Rows: rows, Lost: r.Lost,
			Own: map[dba.DigestKey]bool{}, Examples: map[dba.DigestKey]dba.DigestExample{}}
		for k, own := range r.Own {
			if keep[k] {
				write.Own[k] = own
			}
		}
		for k, ex := range r.Examples {
			if keep[k] {
				write.Examples[k] = ex
			}
		}
		stored, err := w.store.AddDigestSnapshot(ctx, write, store.Retention{MaxEntries: DefaultDigestSnapshots, MaxAge: DefaultDigestSnapshotAge})
		if errors.Is(err, store.ErrSnapshotRace) && attempt < 2 {
			continue
		}
		return stored, err
	}
}

// recentFull reports whether one of the recent snapshots (newest first)
// stored every row, so an incremental one can still be rebuilt cheaply.
func recentFull(recent []dba.DigestSnapshotInfo) bool {
	for i, r := range recent {
		if i >= digestFullEvery-1 {
			break
		}
		if r.Full {
			return true
		}
	}
	return false
}

// TrendRequest asks what changed between two snapshots of the digest table.
type TrendRequest struct {
	Conn ConnRequest
	// Since picks the older snapshot: the one closest to Since before the
	// newest.
	Since      time.Duration
	OrderBy    dba.DigestOrder
	Limit      int
	NoIndex    bool
	IncludeOwn bool
	// Snapshot takes a fresh snapshot first, so the newest is now.
	Snapshot bool
}

// DigestTrend compares the newest stored snapshot of the digest table
// with the one closest to req.Since before it: per digest, how much it ran
// and cost in between, never negative across restarts or TRUNCATE.
func (w *Workbench) DigestTrend(ctx context.Context, req TrendRequest) (dba.DigestTrend, error) {
	tr := TopRequest{OrderBy: req.OrderBy, Limit: req.Limit}
	if err := tr.check(); err != nil {
		return dba.DigestTrend{}, err
	}
	if req.Since <= 0 {
		return dba.DigestTrend{}, fmt.Errorf("%w: since %s: want a positive duration", dba.ErrInvalid, req.Since)
	}
	p, _, _, err := w.target(ctx, req.Conn)
	if err != nil {
		return dba.DigestTrend{}, err
	}
	key := digestProfileKey(p)
	if req.Snapshot {
		if _, err := w.SnapshotDigests(ctx, req.Conn); err != nil {
			return dba.DigestTrend{}, err
		}
	}
	infos, err := w.store.DigestSnapshots(ctx, key, 0)
	if err != nil {
		return dba.DigestTrend{}, err
	}
	if len(infos) < 2 {
		return dba.DigestTrend{}, fmt.Errorf("%w: a trend needs two snapshots of %s's digest table and there are %d; take them with mydba top --snapshot (or let the scheduler)", dba.ErrNotFound, key, len(infos))
	}
	newest := infos[0]
	base := closestSnapshot(infos[1:], newest.At.Add(-req.Since))
	prev, err := w.store.DigestSnapshot(ctx, base.ID)
	if err != nil {
		return dba.DigestTrend{}, err
	}
	cur, err := w.store.DigestSnapshot(ctx, newest.ID)
	if err != nil {
		return dba.DigestTrend{}, err
	}
	t := metric.DigestTrend(prev, cur)
	t.Profile, t.OrderBy, t.Limit, t.NoIndex, t.IncludeOwn = key, tr.OrderBy, tr.Limit, req.NoIndex, req.IncludeOwn
	if off := t.Interval - req.Since; off > req.Since/10 || -off > req.Since/10 {
		t.Notes = append(t.Notes, fmt.Sprintf("the snapshot closest to %s before the newest was taken %s before it", req.Since, t.Interval.Round(time.Second)))
	}
	kept := t.Digests[:0]
	for _, d := range t.Digests {
		if (!req.NoIndex || d.NoIndexUsed+d.NoGoodIndexUsed > 0) && (req.IncludeOwn || !d.Own) {
			d.QueryID, d.QueryIDFrom = queryID(d.Text, d.Example)
			kept = append(kept, d)
		}
	}
	t.Digests = metric.RankDeltas(kept, tr.OrderBy, tr.Limit, t.Totals.TotalTime)
	return t, nil
}

// closestSnapshot is the snapshot taken closest to at.
func closestSnapshot(infos []dba.DigestSnapshotInfo, at time.Time) dba.DigestSnapshotInfo {
	best := infos[0]
	dist := func(i dba.DigestSnapshotInfo) time.Duration {
		d := i.At.Sub(at)
		if d < 0 {
			return -d
		}
		return d
	}
	for _, i := range infos[1:] {
		if dist(i) < dist(best) {
			best = i
		}
	}
	return best
}

// DigestSnapshots lists the stored snapshots of a connection, newest first.
func (w *Workbench) DigestSnapshots(ctx context.Context, cr ConnRequest) ([]dba.DigestSnapshotInfo, error) {
	p, _, _, err := w.target(ctx, cr)
	if err != nil {
		return nil, err
	}
	return w.store.DigestSnapshots(ctx, digestProfileKey(p), 0)
}
