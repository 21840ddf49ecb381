package workbench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/lockgraph"
)

// ProcessQuery is what `mydba ps` asks: which sessions, in what order,
// grouped how.
type ProcessQuery struct {
	Filter  dba.ProcessFilter
	Sort    dba.ProcessSortKey
	Reverse bool
	// GroupBy holds zero, one or two keys.
	GroupBy []dba.GroupKey
	// Limit caps the sessions listed (0: all). Groups and the lock graph
	// always cover every session matching the filter.
	Limit int
}

// ProcessView is the answer: the matching sessions annotated with their
// lock role, optional groups, and the lock graph of the whole server.
type ProcessView struct {
	Server  dba.Server `json:"server"`
	TakenAt time.Time  `json:"taken_at"`
	Source  string     `json:"source"`
	// Total is the number of sessions on the server (mydba's own
	// included); Matched those the filter kept, before Limit.
	Total    int                `json:"total"`
	Matched  int                `json:"matched"`
	Sessions []dba.Session      `json:"sessions"`
	Groups   []dba.ProcessGroup `json:"groups,omitempty"`
	GroupBy  []dba.GroupKey     `json:"group_by,omitempty"`
	// Locks is built over every session, not only the matching ones, so
	// roles stay right when a blocker is filtered out.
	Locks    dba.LockGraph `json:"locks"`
	Warnings []string      `json:"warnings,omitempty"`
}

// LockView is what `mydba locks` shows: the lock graph, its tree order,
// and the sessions in it.
type LockView struct {
	Server     dba.Server         `json:"server"`
	TakenAt    time.Time          `json:"taken_at"`
	LockSource string             `json:"lock_source,omitempty"`
	Graph      dba.LockGraph      `json:"graph"`
	Tree       []dba.LockTreeLine `json:"tree"`
	Sessions   []dba.Session      `json:"sessions"`
	Filter     *dba.ProcessFilter `json:"filter,omitempty"`
	Warnings   []string           `json:"warnings,omitempty"`
	byID       map[string]int     // Sessions index by node id
	edgeByFrom map[string]dba.LockEdge
}

// Session returns the session behind a graph node, if it was listed.
func (v LockView) Session(id string) (dba.Session, bool) {
	i, ok := v.byID[id]
	if !ok {
		return dba.Session{}, false
	}
	return v.Sessions[i], true
}

// Request returns the lock a waiting node asked for (the first reported
// edge from it); false for a node that does not wait.
func (v LockView) Request(id string) (dba.LockWait, bool) {
	e, ok := v.edgeByFrom[id]
	return e.Lock, ok
}

// ValidateProcessQuery checks a query before anything connects.
func ValidateProcessQuery(q ProcessQuery) error {
	if err := validateFilter(q.Filter); err != nil {
		return err
	}
	if q.Sort != "" && !slices.Contains(dba.SortKeys(), q.Sort) {
		_, err := dba.ParseSortKey(string(q.Sort))
		return err
	}
	if len(q.GroupBy) > 2 {
		return fmt.Errorf("%w: group by one or two keys, not %d", dba.ErrInvalid, len(q.GroupBy))
	}
	for i, k := range q.GroupBy {
		if !slices.Contains(dba.GroupKeys(), k) {
			_, err := dba.ParseGroupKeys(string(k))
			return err
		}
		if i == 1 && q.GroupBy[0] == k {
			return fmt.Errorf("%w: group key %q given twice", dba.ErrInvalid, k)
		}
	}
	if q.Limit < 0 {
		return fmt.Errorf("%w: limit %d is negative", dba.ErrInvalid, q.Limit)
	}
	return nil
}

func validateFilter(f dba.ProcessFilter) error {
	if f.MinTime < 0 {
		return fmt.Errorf("%w: minimum time %s is negative", dba.ErrInvalid, f.MinTime)
	}
	return nil
}

// ProcessList takes one snapshot of the server's sessions, transactions
// and lock waits and answers q. Bad queries fail before connecting.
func (w *Workbench) ProcessList(ctx context.Context, r ConnRequest, q ProcessQuery) (ProcessView, error) {
	if err := ValidateProcessQuery(q); err != nil {
		return ProcessView{}, err
	}
	db, _, err := w.open(ctx, r)
	if err != nil {
		return ProcessView{}, err
	}
	defer db.Close()
	snap, err := db.ProcessSnapshot(ctx)
	if err != nil {
		return ProcessView{}, err
	}
	return processView(snap, q), nil
}

// processView is the pure part of ProcessList: graph, annotate, filter,
// group, sort, limit.
func processView(snap dba.ProcessSnapshot, q ProcessQuery) ProcessView {
	g := lockgraph.Build(snap)
	lockgraph.Annotate(snap.Sessions, g)
	matched := lockgraph.Filter(snap.Sessions, q.Filter)
	v := ProcessView{
		Server: snap.Server, TakenAt: snap.TakenAt, Source: snap.Source,
		Total: len(snap.Sessions), Matched: len(matched),
		Locks: g, Warnings: snap.Warnings, GroupBy: q.GroupBy,
	}
	if len(q.GroupBy) > 0 {
		v.Groups = lockgraph.Group(matched, q.GroupBy)
	}
	lockgraph.Sort(matched, q.Sort, q.Reverse)
	if q.Limit > 0 && len(matched) > q.Limit {
		matched = matched[:q.Limit]
	}
	v.Sessions = matched
	return v
}

// Locks takes one snapshot and returns who waits for whom. With a
// non-empty filter, only the chains touching a matching session are kept
// (whole chains: their blockers and waiters too).
func (w *Workbench) Locks(ctx context.Context, r ConnRequest, f dba.ProcessFilter) (LockView, error) {
	if err := validateFilter(f); err != nil {
		return LockView{}, err
	}
	db, _, err := w.open(ctx, r)
	if err != nil {
		return LockView{}, err
	}
	defer db.Close()
	snap, err := db.ProcessSnapshot(ctx)
	if err != nil {
		return LockView{}, err
	}
	return lockView(snap, f), nil
}

func lockView(snap dba.ProcessSnapshot, f dba.ProcessFilter) LockView {
	g := lockgraph.Build(snap)
	lockgraph.Annotate(snap.Sessions, g)
	v := LockView{Server: snap.Server, TakenAt: snap.TakenAt, LockSource: snap.LockSource, Warnings: snap.Warnings, Sessions: []dba.Session{}}
	// mydba's own session never waits for a lock, so IncludeSelf alone
	// filters nothing.
	criteria := f
	criteria.IncludeSelf = false
	if criteria != (dba.ProcessFilter{}) {
		keep := map[string]bool{}
		for _, s := range lockgraph.Filter(snap.Sessions, f) {
			keep[lockgraph.NodeID(s.ID, "")] = true
		}
		g = lockgraph.KeepComponents(g, func(n dba.LockNode) bool { return keep[n.ID] })
		v.Filter = &f
	}
	v.Graph, v.Tree = g, lockgraph.Tree(g)
	v.byID, v.edgeByFrom = map[string]int{}, map[string]dba.LockEdge{}
	inGraph := map[string]bool{}
	for _, n := range g.Nodes {
		inGraph[n.ID] = true
	}
	for _, s := range snap.Sessions {
		id := lockgraph.NodeID(s.ID, "")
		if inGraph[id] {
			v.byID[id] = len(v.Sessions)
			v.Sessions = append(v.Sessions, s)
		}
	}
	for _, e := range g.Edges {
		if _, ok := v.edgeByFrom[e.From]; !ok {
			v.edgeByFrom[e.From] = e
		}
	}
	return v
}
