package lockgraph

import (
	"cmp"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// NodeID is the graph key of a session, or of a transaction that has no
// session (a recovered XA transaction holds locks with no connection).
func NodeID(session int64, trxID string) string {
	if session > 0 {
		return strconv.FormatInt(session, 10)
	}
	if trxID == "" {
		return "trx:?"
	}
	return "trx:" + trxID
}

// compareIDs orders node ids naturally: sessions by number, then
// sessionless transactions by text.
func compareIDs(a, b string) int {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	switch {
	case ea == nil && eb == nil:
		return cmp.Compare(na, nb)
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// graph is the working form of a dba.LockGraph.
type graph struct {
	ids     []string       // sorted
	index   map[string]int // id -> position in ids
	out     [][]int        // waiter -> blockers (sorted, distinct)
	in      [][]int        // blocker -> waiters (sorted, distinct)
	edges   []dba.LockEdge
	session map[string]*dba.Session
}

// Build makes the lock graph of a snapshot. It never loops: cycles (a
// deadlock InnoDB has not broken yet) are found as strongly connected
// components and reported, and depths are measured between components.
func Build(snap dba.ProcessSnapshot) dba.LockGraph {
	g := newGraph(snap)
	n := len(g.ids)
	out := dba.LockGraph{Nodes: make([]dba.LockNode, n), Edges: g.edges, Roots: []string{}}
	if n == 0 {
		out.Nodes = []dba.LockNode{}
		return out
	}

	comp, order := g.components()
	// Members of each component, and whether it is a cycle.
	members := make([][]int, len(order))
	for v, c := range comp {
		members[c] = append(members[c], v)
	}
	// order lists components so that every component comes after the
	// components it waits for (its blockers): Tarjan finishes a component
	// only after everything reachable from it.
	depth := make([]int, len(order))
	roots := make([][]int, len(order)) // root-blocker node indexes per component
	for _, c := range order {
		var rs []int
		for _, v := range members[c] {
			for _, b := range g.out[v] {
				d := comp[b]
				if d == c {
					continue
				}
				depth[c] = max(depth[c], depth[d]+1)
				rs = append(rs, roots[d]...)
				if len(g.out[b]) == 0 {
					rs = append(rs, b)
				}
			}
		}
		slices.Sort(rs)
		roots[c] = slices.Compact(rs)
	}

	waiters := g.waiterCounts(comp, members)
	for v, id := range g.ids {
		node := dba.LockNode{ID: id, Depth: depth[comp[v]], InCycle: len(members[comp[v]]) > 1}
		if s := g.session[id]; s != nil {
			node.Session = s.ID
			if s.Trx != nil {
				node.TrxID = s.Trx.ID
				node.Wait = s.Trx.Wait
			}
		}
		waits, blocks := len(g.out[v]) > 0, len(g.in[v]) > 0
		switch {
		case waits && blocks:
			node.Role = dba.LockRoleBoth
		case waits:
			node.Role = dba.LockRoleBlocked
		case blocks:
			node.Role = dba.LockRoleRoot
		}
		node.BlockedBy = g.names(g.out[v])
		node.Blocking = g.names(g.in[v])
		node.RootBlockers = g.names(roots[comp[v]])
		node.Waiters = waiters[comp[v]] + len(members[comp[v]]) - 1
		out.MaxDepth = max(out.MaxDepth, node.Depth)
		out.Nodes[v] = node
	}
	g.fillFromEdges(out.Nodes)

	for _, ms := range members {
		if len(ms) > 1 {
			cyc := g.names(ms)
			slices.SortFunc(cyc, compareIDs)
			out.Cycles = append(out.Cycles, cyc)
		}
	}
	slices.SortFunc(out.Cycles, func(a, b []string) int { return compareIDs(a[0], b[0]) })

	for v := range g.ids {
		if out.Nodes[v].Role == dba.LockRoleRoot {
			out.Roots = append(out.Roots, g.ids[v])
		}
	}
	byID := nodeIndex(out.Nodes)
	slices.SortFunc(out.Roots, func(a, b string) int { return worseFirst(out.Nodes[byID[a]], out.Nodes[byID[b]], g.session) })
	return out
}

func newGraph(snap dba.ProcessSnapshot) *graph {
	g := &graph{index: map[string]int{}, session: map[string]*dba.Session{}}
	for i := range snap.Sessions {
		s := &snap.Sessions[i]
		g.session[NodeID(s.ID, "")] = s
	}
	type pair struct{ from, to string }
	seen := map[pair]bool{}
	for _, w := range snap.LockWaits {
		from, to := NodeID(w.WaitingID, w.WaitingTrxID), NodeID(w.BlockingID, w.BlockingTrxID)
		// A transaction never waits for itself; such a row can only be a
		// torn read of the lock tables.
		if from == to || seen[pair{from, to}] {
			continue
		}
		seen[pair{from, to}] = true
		if w.Wait == 0 {
			if s := g.session[from]; s != nil && s.Trx != nil {
				w.Wait = s.Trx.Wait
			}
		}
		g.edges = append(g.edges, dba.LockEdge{From: from, To: to, Lock: w})
	}
	slices.SortFunc(g.edges, func(a, b dba.LockEdge) int {
		if c := compareIDs(a.From, b.From); c != 0 {
			return c
		}
		return compareIDs(a.To, b.To)
	})
	if g.edges == nil {
		g.edges = []dba.LockEdge{}
	}
	for _, e := range g.edges {
		g.ids = append(g.ids, e.From, e.To)
	}
	slices.SortFunc(g.ids, compareIDs)
	g.ids = slices.Compact(g.ids)
	for i, id := range g.ids {
		g.index[id] = i
	}
	g.out = make([][]int, len(g.ids))
	g.in = make([][]int, len(g.ids))
	for _, e := range g.edges {
		f, t := g.index[e.From], g.index[e.To]
		g.out[f] = append(g.out[f], t)
		g.in[t] = append(g.in[t], f)
	}
	// Edges are sorted by (from, to) and ids by the same order, so out
	// lists are sorted already; in lists need it.
	for _, l := range g.in {
		slices.Sort(l)
	}
	return g
}

func (g *graph) names(idx []int) []string {
	if len(idx) == 0 {
		return nil
	}
	out := make([]string, len(idx))
	for i, v := range idx {
		out[i] = g.ids[v]
	}
	return out
}

// components finds strongly connected components (Tarjan, iterative so a
// long chain cannot exhaust the stack). comp maps node to component;
// order lists components in completion order, blockers before waiters.
func (g *graph) components() (comp []int, order []int) {
	n := len(g.ids)
	comp = make([]int, n)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	next := 0
	type frame struct{ v, edge int }
	for start := range n {
		if index[start] >= 0 {
			continue
		}
		call := []frame{{start, 0}}
		index[start], low[start] = next, next
		next++
		stack = append(stack, start)
		onStack[start] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			if f.edge < len(g.out[v]) {
				w := g.out[v][f.edge]
				f.edge++
				switch {
				case index[w] < 0:
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				case onStack[w]:
					low[v] = min(low[v], index[w])
				}
				continue
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				c := len(order)
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = c
					if w == v {
						break
					}
				}
				order = append(order, c)
			}
		}
	}
	return comp, order
}

// waiterCounts counts, per component, the nodes that wait for it directly
// or through others, not counting its own members. Components are numbered
// in completion order, so every waiter's component has a higher number
// than its blocker's; one pass from the top propagates reachability as
// bitsets. Bits are processed in blocks of nodes so memory stays bounded
// (components × block/8 bytes) even for absurd graphs; a hot row with
// hundreds of queued waiters, where each waiter is reported blocked by
// every earlier one, costs edges × nodes/64 word operations.
func (g *graph) waiterCounts(comp []int, members [][]int) []int {
	nc := len(members)
	waitersOf := make([][]int, nc)
	for v := range g.ids {
		for _, b := range g.out[v] {
			if comp[b] != comp[v] {
				waitersOf[comp[b]] = append(waitersOf[comp[b]], comp[v])
			}
		}
	}
	for c := range waitersOf {
		slices.Sort(waitersOf[c])
		waitersOf[c] = slices.Compact(waitersOf[c])
	}
	counts := make([]int, nc)
	const block = 4096
	n := len(g.ids)
	for lo := 0; lo < n; lo += block {
		hi := min(lo+block, n)
		words := (hi - lo + 63) / 64
		reach := make([]uint64, nc*words)
		own := func(c int, dst []uint64) {
			for _, v := range members[c] {
				if v >= lo && v < hi {
					dst[(v-lo)/64] |= 1 << uint((v-lo)%64)
				}
			}
		}
		for c := nc - 1; c >= 0; c-- {
			dst := reach[c*words : (c+1)*words]
			for _, w := range waitersOf[c] {
				src := reach[w*words : (w+1)*words]
				for i := range dst {
					dst[i] |= src[i]
				}
				own(w, dst)
			}
			for _, x := range dst {
				counts[c] += bits.OnesCount64(x)
			}
		}
	}
	return counts
}

// fillFromEdges gives nodes without a session row (ended between the two
// reads, or sessionless transactions) what the edges know: the
// transaction id and, for waiters, the wait time.
func (g *graph) fillFromEdges(nodes []dba.LockNode) {
	for _, e := range g.edges {
		f, t := &nodes[g.index[e.From]], &nodes[g.index[e.To]]
		if f.TrxID == "" {
			f.TrxID = e.Lock.WaitingTrxID
		}
		if t.TrxID == "" {
			t.TrxID = e.Lock.BlockingTrxID
		}
		if f.Session == 0 && e.Lock.WaitingID > 0 {
			f.Session = e.Lock.WaitingID
		}
		if t.Session == 0 && e.Lock.BlockingID > 0 {
			t.Session = e.Lock.BlockingID
		}
		f.Wait = max(f.Wait, e.Lock.Wait)
	}
}

func nodeIndex(nodes []dba.LockNode) map[string]int {
	m := make(map[string]int, len(nodes))
	for i, n := range nodes {
		m[n.ID] = i
	}
	return m
}

// worseFirst orders nodes by harm: more waiters, then the longer wait,
// then the older transaction, then id.
func worseFirst(a, b dba.LockNode, sessions map[string]*dba.Session) int {
	if c := cmp.Compare(b.Waiters, a.Waiters); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Wait, a.Wait); c != 0 {
		return c
	}
	if c := cmp.Compare(trxAge(sessions[b.ID]), trxAge(sessions[a.ID])); c != 0 {
		return c
	}
	return compareIDs(a.ID, b.ID)
}

func trxAge(s *dba.Session) time.Duration {
	if s == nil || s.Trx == nil {
		return 0
	}
	return s.Trx.Age
}

// Annotate sets each session's lock role and direct blockers from the
// graph; sessions outside the graph get LockRoleNone.
func Annotate(sessions []dba.Session, g dba.LockGraph) {
	byID := nodeIndex(g.Nodes)
	for i := range sessions {
		s := &sessions[i]
		s.LockRole, s.BlockedBy = dba.LockRoleNone, nil
		if j, ok := byID[NodeID(s.ID, "")]; ok {
			s.LockRole = g.Nodes[j].Role
			s.BlockedBy = slices.Clone(g.Nodes[j].BlockedBy)
		}
	}
}

// Tree lists the graph for an indented view: each root blocker (worst
// first), then depth-first who waits for it. A node with several blockers
// is listed under each, expanded only the first time. Cycles, which have
// no root, follow, entered at their lowest id.
func Tree(g dba.LockGraph) []dba.LockTreeLine {
	byID := nodeIndex(g.Nodes)
	lines := []dba.LockTreeLine{}
	expanded := map[string]bool{}
	children := func(id string) []string {
		kids := slices.Clone(g.Nodes[byID[id]].Blocking)
		slices.SortFunc(kids, func(a, b string) int { return worseFirst(g.Nodes[byID[a]], g.Nodes[byID[b]], nil) })
		return kids
	}
	type item struct {
		id, parent string
		level      int
	}
	walk := func(root string) {
		stack := []item{{root, "", 0}}
		for len(stack) > 0 {
			it := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			line := dba.LockTreeLine{ID: it.id, Parent: it.parent, Level: it.level}
			if expanded[it.id] {
				line.Repeat = true
				lines = append(lines, line)
				continue
			}
			expanded[it.id] = true
			lines = append(lines, line)
			kids := children(it.id)
			for i := len(kids) - 1; i >= 0; i-- {
				stack = append(stack, item{kids[i], it.id, it.level + 1})
			}
		}
	}
	for _, r := range g.Roots {
		walk(r)
	}
	for _, c := range g.Cycles {
		if !expanded[c[0]] {
			walk(c[0])
		}
	}
	// Anything left waits only on a cycle reached above, or is a torn
	// read; list it rather than lose it.
	for _, n := range g.Nodes {
		if !expanded[n.ID] {
			walk(n.ID)
		}
	}
	return lines
}

// KeepComponents returns the part of g connected (in either direction) to a
// node keep accepts: whole chains touching the sessions a user asked
// about, with their blockers and waiters even where those do not match.
func KeepComponents(g dba.LockGraph, keep func(dba.LockNode) bool) dba.LockGraph {
	byID := nodeIndex(g.Nodes)
	seen := make([]bool, len(g.Nodes))
	var queue []int
	for i, n := range g.Nodes {
		if keep(n) {
			seen[i] = true
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		n := g.Nodes[queue[0]]
		queue = queue[1:]
		for _, ids := range [][]string{n.BlockedBy, n.Blocking} {
			for _, id := range ids {
				if j, ok := byID[id]; ok && !seen[j] {
					seen[j] = true
					queue = append(queue, j)
				}
			}
		}
	}
	kept := func(id string) bool { j, ok := byID[id]; return ok && seen[j] }
	out := dba.LockGraph{Nodes: []dba.LockNode{}, Edges: []dba.LockEdge{}, Roots: []string{}}
	for i, n := range g.Nodes {
		if seen[i] {
			out.Nodes = append(out.Nodes, n)
			out.MaxDepth = max(out.MaxDepth, n.Depth)
		}
	}
	for _, e := range g.Edges {
		if kept(e.From) {
			out.Edges = append(out.Edges, e)
		}
	}
	for _, r := range g.Roots {
		if kept(r) {
			out.Roots = append(out.Roots, r)
		}
	}
	for _, c := range g.Cycles {
		if kept(c[0]) {
			out.Cycles = append(out.Cycles, c)
		}
	}
	return out
}
