package lockgraph

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

var update = flag.Bool("update", false, "rewrite golden files")

func readSnapshot(t testing.TB, name string) dba.ProcessSnapshot {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The server field is for readers of the fixture; dba.Flavor has no
	// text unmarshaller, so it is dropped before decoding.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "server")
	b, _ = json.Marshal(m)
	var s dba.ProcessSnapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// drawTree renders the tree as text so goldens show the shape at a glance.
func drawTree(g dba.LockGraph) string {
	var b strings.Builder
	for _, l := range Tree(g) {
		fmt.Fprintf(&b, "%s%s", strings.Repeat("    ", l.Level), l.ID)
		if l.Repeat {
			b.WriteString(" (listed above)")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestBuildGolden builds graphs from MySQL 8.0 reference-manual shapes,
// a snapshot captured on MariaDB 10.11, and synthetic edge cases
// (testdata/README.md says which is which).
func TestBuildGolden(t *testing.T) {
	for _, name := range []string{"mariadb-10.11-chain", "mysql-8.0-blocking", "mysql-8.0-heavy", "synthetic-cycle", "synthetic-xa-orphan", "synthetic-two-roots"} {
		t.Run(name, func(t *testing.T) {
			snap := readSnapshot(t, name)
			g := Build(snap)
			b, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".graph.golden.json", append(b, '\n'))
			golden(t, name+".tree.golden.txt", []byte(drawTree(g)))
		})
	}
}

// TestBuildFacts states what the goldens must show, so a wrong golden
// cannot be blessed by -update unnoticed.
func TestBuildFacts(t *testing.T) {
	type fact struct {
		roots   []string
		roles   map[string]dba.LockRole
		depth   map[string]int
		waiters map[string]int
		rootsOf map[string][]string
		cycles  [][]string
	}
	tests := map[string]fact{
		// MariaDB, captured: 10568 waits for 10566, which waits for 10565.
		"mariadb-10.11-chain": {
			roots: []string{"10565"},
			roles: map[string]dba.LockRole{"10565": dba.LockRoleRoot, "10566": dba.LockRoleBoth, "10568": dba.LockRoleBlocked},
			depth: map[string]int{"10565": 0, "10566": 1, "10568": 2}, waiters: map[string]int{"10565": 2, "10566": 1, "10568": 0},
			rootsOf: map[string][]string{"10568": {"10565"}, "10566": {"10565"}},
		},
		// Manual: B (6) and C (7) wait for A (5); C also for B.
		"mysql-8.0-blocking": {
			roots: []string{"5"},
			roles: map[string]dba.LockRole{"5": dba.LockRoleRoot, "6": dba.LockRoleBoth, "7": dba.LockRoleBlocked},
			depth: map[string]int{"5": 0, "6": 1, "7": 2}, waiters: map[string]int{"5": 2, "6": 1},
			rootsOf: map[string][]string{"7": {"5"}},
		},
		// Manual: 77F→77E,77D,77B; 77E→77D,77B; 77D→77B; 77B→77A (thread
		// 872); E56→E55→19C (thread 130).
		"mysql-8.0-heavy": {
			roots: []string{"872", "130"},
			roles: map[string]dba.LockRole{"872": dba.LockRoleRoot, "873": dba.LockRoleBoth, "876": dba.LockRoleBlocked, "130": dba.LockRoleRoot, "257": dba.LockRoleBoth, "384": dba.LockRoleBlocked},
			depth: map[string]int{"876": 4, "875": 3, "874": 2, "873": 1, "384": 2}, waiters: map[string]int{"872": 4, "130": 2},
			rootsOf: map[string][]string{"876": {"872"}, "384": {"130"}},
		},
		"synthetic-cycle": {
			roots: []string{},
			roles: map[string]dba.LockRole{"11": dba.LockRoleBoth, "12": dba.LockRoleBoth, "13": dba.LockRoleBlocked},
			depth: map[string]int{"11": 0, "12": 0, "13": 1}, waiters: map[string]int{"11": 2, "12": 2},
			cycles: [][]string{{"11", "12"}},
		},
		"synthetic-xa-orphan": {
			roots: []string{"trx:190"},
			roles: map[string]dba.LockRole{"trx:190": dba.LockRoleRoot, "21": dba.LockRoleBoth, "22": dba.LockRoleBlocked},
			depth: map[string]int{"22": 2}, waiters: map[string]int{"trx:190": 2},
			rootsOf: map[string][]string{"22": {"trx:190"}},
		},
		"synthetic-two-roots": {
			roots: []string{"41", "31"},
			roles: map[string]dba.LockRole{"31": dba.LockRoleRoot, "41": dba.LockRoleRoot, "44": dba.LockRoleBlocked, "42": dba.LockRoleBoth},
			depth: map[string]int{"44": 2, "43": 1}, waiters: map[string]int{"41": 3, "31": 1},
		},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			g := Build(readSnapshot(t, name))
			if diff := cmp.Diff(want.roots, g.Roots); diff != "" {
				t.Errorf("roots (-want +got):\n%s", diff)
			}
			byID := map[string]dba.LockNode{}
			for _, n := range g.Nodes {
				byID[n.ID] = n
			}
			for id, r := range want.roles {
				if byID[id].Role != r {
					t.Errorf("%s role %q, want %q", id, byID[id].Role, r)
				}
			}
			for id, d := range want.depth {
				if byID[id].Depth != d {
					t.Errorf("%s depth %d, want %d", id, byID[id].Depth, d)
				}
			}
			for id, w := range want.waiters {
				if byID[id].Waiters != w {
					t.Errorf("%s waiters %d, want %d", id, byID[id].Waiters, w)
				}
			}
			for id, rs := range want.rootsOf {
				if diff := cmp.Diff(rs, byID[id].RootBlockers); diff != "" {
					t.Errorf("%s root blockers (-want +got):\n%s", id, diff)
				}
			}
			if diff := cmp.Diff(want.cycles, g.Cycles); diff != "" {
				t.Errorf("cycles (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBlockedIsNeverBlocking is the regression the original tool had: it
// labelled the waiting session as the blocker. One holder, one waiter.
func TestBlockedIsNeverBlocking(t *testing.T) {
	snap := dba.ProcessSnapshot{
		Sessions: []dba.Session{
			{ID: 1, Command: "Sleep", Trx: &dba.Transaction{ID: "10", State: "RUNNING", Age: time.Minute}},
			{ID: 2, Command: "Query", Trx: &dba.Transaction{ID: "20", State: "LOCK WAIT", Wait: 5 * time.Second}},
		},
		LockWaits: []dba.LockWait{{WaitingID: 2, WaitingTrxID: "20", BlockingID: 1, BlockingTrxID: "10", LockMode: "X"}},
	}
	g := Build(snap)
	Annotate(snap.Sessions, g)
	if snap.Sessions[0].LockRole != dba.LockRoleRoot || snap.Sessions[1].LockRole != dba.LockRoleBlocked {
		t.Fatalf("holder %q, waiter %q", snap.Sessions[0].LockRole, snap.Sessions[1].LockRole)
	}
	if diff := cmp.Diff([]string{"1"}, snap.Sessions[1].BlockedBy); diff != "" {
		t.Errorf("waiter blocked by (-want +got):\n%s", diff)
	}
	if len(snap.Sessions[0].BlockedBy) != 0 {
		t.Errorf("holder blocked by %v", snap.Sessions[0].BlockedBy)
	}
	if g.Nodes[1].Wait != 5*time.Second || g.Edges[0].Lock.Wait != 5*time.Second {
		t.Errorf("wait time not taken from the waiter's transaction: %+v", g)
	}
}

func TestEmptyGraph(t *testing.T) {
	g := Build(dba.ProcessSnapshot{Sessions: []dba.Session{{ID: 1}}})
	b, _ := json.Marshal(g)
	if string(b) != `{"nodes":[],"edges":[],"roots":[],"max_depth":0}` {
		t.Errorf("empty graph JSON: %s", b)
	}
	if l := Tree(g); len(l) != 0 {
		t.Errorf("tree of nothing: %v", l)
	}
}

// TestLongChainDoesNotRecurse builds a 20,000-session chain and a
// 20,000-session ring: the component search is iterative.
func TestLongChainDoesNotRecurse(t *testing.T) {
	const n = 20000
	var chain, ring dba.ProcessSnapshot
	for i := int64(1); i < n; i++ {
		chain.LockWaits = append(chain.LockWaits, dba.LockWait{WaitingID: i + 1, BlockingID: i})
		ring.LockWaits = append(ring.LockWaits, dba.LockWait{WaitingID: i + 1, BlockingID: i})
	}
	ring.LockWaits = append(ring.LockWaits, dba.LockWait{WaitingID: 1, BlockingID: n})
	g := Build(chain)
	if g.MaxDepth != n-1 || len(g.Roots) != 1 || g.Roots[0] != "1" {
		t.Errorf("chain: depth %d roots %v", g.MaxDepth, g.Roots)
	}
	r := Build(ring)
	if len(r.Cycles) != 1 || len(r.Cycles[0]) != n || len(r.Roots) != 0 {
		t.Errorf("ring: %d cycles, roots %v", len(r.Cycles), r.Roots)
	}
	if lines := Tree(r); len(lines) != n+1 || !lines[n].Repeat {
		t.Errorf("ring tree: %d lines", len(lines))
	}
}

func FuzzBuild(f *testing.F) {
	f.Add([]byte{1, 2, 2, 3, 3, 1, 4, 1})
	f.Add([]byte{0, 1, 1, 0, 5, 5})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, pairs []byte) {
		var snap dba.ProcessSnapshot
		for i := 0; i+1 < len(pairs); i += 2 {
			// Id 0 stands for a sessionless transaction.
			w := dba.LockWait{WaitingID: int64(pairs[i] % 16), BlockingID: int64(pairs[i+1] % 16)}
			w.WaitingTrxID, w.BlockingTrxID = fmt.Sprint(pairs[i]%16+100), fmt.Sprint(pairs[i+1]%16+100)
			snap.LockWaits = append(snap.LockWaits, w)
		}
		for i := int64(1); i < 8; i++ {
			snap.Sessions = append(snap.Sessions, dba.Session{ID: i, Trx: &dba.Transaction{ID: fmt.Sprint(i + 100), State: "LOCK WAIT"}})
		}
		g := Build(snap)
		byID := map[string]dba.LockNode{}
		for _, n := range g.Nodes {
			byID[n.ID] = n
		}
		inCycle := map[string]bool{}
		cycleOf := map[string]int{}
		for i, c := range g.Cycles {
			for _, id := range c {
				inCycle[id] = true
				cycleOf[id] = i + 1
			}
		}
		for _, e := range g.Edges {
			from, to := byID[e.From], byID[e.To]
			if e.From == e.To {
				t.Fatalf("self edge %v", e)
			}
			// Waiting and blocking never swap: the waiter waits, the
			// blocker blocks.
			if from.Role != dba.LockRoleBlocked && from.Role != dba.LockRoleBoth {
				t.Fatalf("waiter %s has role %q", e.From, from.Role)
			}
			if to.Role != dba.LockRoleRoot && to.Role != dba.LockRoleBoth {
				t.Fatalf("blocker %s has role %q", e.To, to.Role)
			}
			sameCycle := cycleOf[e.From] != 0 && cycleOf[e.From] == cycleOf[e.To]
			if !sameCycle && from.Depth <= to.Depth {
				t.Fatalf("waiter %s depth %d not below blocker %s depth %d", e.From, from.Depth, e.To, to.Depth)
			}
		}
		for _, r := range g.Roots {
			if len(byID[r].BlockedBy) != 0 || byID[r].Waiters == 0 {
				t.Fatalf("root %s: %+v", r, byID[r])
			}
		}
		for _, n := range g.Nodes {
			for _, r := range n.RootBlockers {
				if !slices.Contains(g.Roots, r) {
					t.Fatalf("%s has root blocker %s not among roots %v", n.ID, r, g.Roots)
				}
			}
			if n.InCycle != inCycle[n.ID] {
				t.Fatalf("%s in_cycle %v", n.ID, n.InCycle)
			}
		}
		// Every node appears in the tree, expanded exactly once.
		expanded := map[string]int{}
		for _, l := range Tree(g) {
			if !l.Repeat {
				expanded[l.ID]++
			}
		}
		for _, n := range g.Nodes {
			if expanded[n.ID] != 1 {
				t.Fatalf("%s expanded %d times in the tree", n.ID, expanded[n.ID])
			}
		}
	})
}

// BenchmarkBuildGroupTree is the pure part of `mydba ps` on a busy
// server: 1,000 sessions, 100 of them waiting on 10 hot rows (each queued
// waiter reported blocked by every earlier one, as MySQL does), then
// annotate, group by user and host, filter, sort and the tree.
func BenchmarkBuildGroupTree(b *testing.B) {
	var snap dba.ProcessSnapshot
	for i := int64(1); i <= 1000; i++ {
		s := dba.Session{ID: i, User: fmt.Sprintf("app%d", i%7), Host: fmt.Sprintf("10.0.0.%d:%d", i%13, 40000+i), Command: "Sleep", Time: time.Duration(i) * time.Second}
		if i <= 110 {
			s.Command, s.Info = "Query", fmt.Sprintf("UPDATE t SET v = v + 1 WHERE id = %d", i%10)
			s.Trx = &dba.Transaction{ID: fmt.Sprint(i), State: "RUNNING", Age: time.Minute}
		}
		snap.Sessions = append(snap.Sessions, s)
	}
	for row := int64(0); row < 10; row++ {
		holder := row + 1
		queue := []int64{holder}
		for w := int64(11) + row*10; w < 21+row*10; w++ {
			snap.Sessions[w-1].Trx.State = "LOCK WAIT"
			for _, q := range queue {
				snap.LockWaits = append(snap.LockWaits, dba.LockWait{WaitingID: w, BlockingID: q, LockMode: "X", Table: "t"})
			}
			queue = append(queue, w)
		}
	}
	keys := []dba.GroupKey{dba.GroupUser, dba.GroupHost}
	for b.Loop() {
		sessions := slices.Clone(snap.Sessions)
		g := Build(dba.ProcessSnapshot{Sessions: sessions, LockWaits: snap.LockWaits})
		Annotate(sessions, g)
		Group(sessions, keys)
		m := Filter(sessions, dba.ProcessFilter{})
		Sort(m, dba.SortTime, false)
		Tree(g)
	}
}
