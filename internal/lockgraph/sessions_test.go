package lockgraph

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

func sampleSessions() []dba.Session {
	trx := func(state string, age, wait time.Duration, rows int64) *dba.Transaction {
		return &dba.Transaction{ID: "t", State: state, Age: age, Wait: wait, RowsLocked: rows}
	}
	return []dba.Session{
		{ID: 1, User: "app", Host: "10.0.0.5:40001", DB: "shop", Command: "Sleep", Time: 300 * time.Second, Trx: trx("RUNNING", 400*time.Second, 0, 3), LockRole: dba.LockRoleRoot},
		{ID: 2, User: "app", Host: "10.0.0.5:40002", DB: "shop", Command: "Query", State: "Updating", Info: "UPDATE orders SET status = 'paid' WHERE id = 42", Time: 12 * time.Second, Trx: trx("LOCK WAIT", 12*time.Second, 12*time.Second, 1), LockRole: dba.LockRoleBlocked, BlockedBy: []string{"1"}},
		{ID: 3, User: "app", Host: "10.0.0.6:50000", DB: "shop", Command: "Query", State: "Updating", Info: "update  orders SET status = 'shipped'\n WHERE id = 7", Time: 2 * time.Second, Trx: trx("LOCK WAIT", 2*time.Second, 2*time.Second, 1), LockRole: dba.LockRoleBlocked, BlockedBy: []string{"1"}},
		{ID: 4, User: "report", Host: "[::1]:5555", DB: "dwh", Command: "Query", State: "Sending data", Info: "SELECT * FROM big_table", Time: 90 * time.Second},
		{ID: 5, User: "root", Host: "localhost", Command: "Sleep", Time: 5 * time.Second},
		{ID: 6, User: "mydba", Host: "127.0.0.1:3000", Command: "Query", Info: "/* mydba:processlist */ SELECT ...", Self: true},
		{ID: 7, User: "event_scheduler", Host: "localhost", Command: "Daemon", State: "Waiting on empty queue", Time: 1000 * time.Second},
	}
}

func ids(ss []dba.Session) []int64 {
	out := []int64{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name string
		f    dba.ProcessFilter
		want []int64
	}{
		{"everything but mydba itself", dba.ProcessFilter{}, []int64{1, 2, 3, 4, 5, 7}},
		{"include self", dba.ProcessFilter{IncludeSelf: true}, []int64{1, 2, 3, 4, 5, 6, 7}},
		{"user, any case", dba.ProcessFilter{User: "APP"}, []int64{1, 2, 3}},
		{"db", dba.ProcessFilter{DB: "dwh"}, []int64{4}},
		{"command", dba.ProcessFilter{Command: "sleep"}, []int64{1, 5}},
		{"min time", dba.ProcessFilter{MinTime: 60 * time.Second}, []int64{1, 4, 7}},
		{"active drops Sleep and Daemon", dba.ProcessFilter{Active: true}, []int64{2, 3, 4}},
		{"text substring, any case", dba.ProcessFilter{Text: "ORDERS SET"}, []int64{2, 3}},
		{"combined", dba.ProcessFilter{User: "app", Active: true, MinTime: 10 * time.Second}, []int64{2}},
		{"nothing", dba.ProcessFilter{User: "nobody"}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ids(Filter(sampleSessions(), tt.f))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSort(t *testing.T) {
	tests := []struct {
		key     dba.ProcessSortKey
		reverse bool
		want    []int64
	}{
		{dba.SortTime, false, []int64{7, 1, 4, 2, 5, 3, 6}},
		{dba.SortTime, true, []int64{6, 3, 5, 2, 4, 1, 7}},
		{dba.SortID, false, []int64{1, 2, 3, 4, 5, 6, 7}},
		{dba.SortUser, false, []int64{1, 2, 3, 7, 6, 4, 5}},
		{dba.SortTrxAge, false, []int64{1, 2, 3, 4, 5, 6, 7}},
		{dba.SortWait, false, []int64{2, 3, 1, 4, 5, 6, 7}},
		{dba.SortRowsLocked, false, []int64{1, 2, 3, 4, 5, 6, 7}},
		{dba.SortHost, false, []int64{1, 2, 3, 6, 4, 5, 7}},
		{"", false, []int64{7, 1, 4, 2, 5, 3, 6}},
	}
	for _, tt := range tests {
		ss := sampleSessions()
		Sort(ss, tt.key, tt.reverse)
		if diff := cmp.Diff(tt.want, ids(ss)); diff != "" {
			t.Errorf("sort %q reverse=%v (-want +got):\n%s", tt.key, tt.reverse, diff)
		}
	}
}

func TestGroup(t *testing.T) {
	g := Group(Filter(sampleSessions(), dba.ProcessFilter{}), []dba.GroupKey{dba.GroupUser, dba.GroupHost})
	want := []dba.ProcessGroup{
		{Values: []string{"app", "10.0.0.5"}, Sessions: 2, Active: 1, InTrx: 2, Blocked: 1, Blocking: 1, MaxTime: 300 * time.Second, TotalTime: 312 * time.Second, MaxTrxAge: 400 * time.Second, IDs: []int64{1, 2}},
		{Values: []string{"app", "10.0.0.6"}, Sessions: 1, Active: 1, InTrx: 1, Blocked: 1, MaxTime: 2 * time.Second, TotalTime: 2 * time.Second, MaxTrxAge: 2 * time.Second, IDs: []int64{3}},
		{Values: []string{"event_scheduler", "localhost"}, Sessions: 1, MaxTime: 1000 * time.Second, TotalTime: 1000 * time.Second, IDs: []int64{7}},
		{Values: []string{"report", "::1"}, Sessions: 1, Active: 1, MaxTime: 90 * time.Second, TotalTime: 90 * time.Second, IDs: []int64{4}},
		{Values: []string{"root", "localhost"}, Sessions: 1, MaxTime: 5 * time.Second, TotalTime: 5 * time.Second, IDs: []int64{5}},
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Fingerprint groups the two UPDATEs despite case, line breaks and values.
	fp := Group(sampleSessions(), []dba.GroupKey{dba.GroupFingerprint})
	if fp[1].Values[0] != "update orders set status = ? where id = ?" || fp[1].Sessions != 2 || fp[0].Values[0] != "" || fp[0].Sessions != 3 {
		t.Errorf("fingerprint groups: %+v", fp)
	}
	byKey := func(k dba.GroupKey) map[string]int {
		m := map[string]int{}
		for _, g := range Group(sampleSessions(), []dba.GroupKey{k}) {
			m[g.Values[0]] = g.Sessions
		}
		return m
	}
	if diff := cmp.Diff(map[string]int{"none": 4, "RUNNING": 1, "LOCK WAIT": 2}, byKey(dba.GroupTransaction)); diff != "" {
		t.Errorf("by transaction (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"none": 4, "root": 1, "blocked": 2}, byKey(dba.GroupLockRole)); diff != "" {
		t.Errorf("by lock role (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"Sleep": 2, "Query": 4, "Daemon": 1}, byKey(dba.GroupCommand)); diff != "" {
		t.Errorf("by command (-want +got):\n%s", diff)
	}
}

func TestGroupCapsIDs(t *testing.T) {
	var ss []dba.Session
	for i := int64(1000); i > 0; i-- {
		ss = append(ss, dba.Session{ID: i, User: "app", Command: "Sleep"})
	}
	g := Group(ss, []dba.GroupKey{dba.GroupUser})
	if len(g) != 1 || g[0].Sessions != 1000 || len(g[0].IDs) != maxGroupIDs || g[0].IDs[0] != 1 {
		t.Errorf("%+v", g)
	}
}

func TestHostWithoutPort(t *testing.T) {
	tests := map[string]string{
		"10.0.0.5:53412":       "10.0.0.5",
		"db-client.lan:3306":   "db-client.lan",
		"localhost":            "localhost",
		"[::1]:5000":           "::1",
		"[fe80::1%eth0]:41000": "fe80::1%eth0",
		"::1:5000":             "::1",
		"fe80::1":              "fe80::1",
		"":                     "",
		"host:":                "host:",
		"host:abc":             "host:abc",
		"[broken":              "[broken",
	}
	for in, want := range tests {
		if got := HostWithoutPort(in); got != want {
			t.Errorf("HostWithoutPort(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzHostWithoutPort(f *testing.F) {
	f.Add("10.0.0.5:53412")
	f.Add("[::1]:1")
	f.Fuzz(func(t *testing.T, host string) {
		h := HostWithoutPort(host)
		if len(h) > len(host) {
			t.Errorf("%q grew to %q", host, h)
		}
		if HostWithoutPort(h) != h && !strings.Contains(h, ":") {
			t.Errorf("%q -> %q -> %q", host, h, HostWithoutPort(h))
		}
	})
}

func TestKeepComponents(t *testing.T) {
	g := Build(readSnapshot(t, "mysql-8.0-heavy"))
	k := KeepComponents(g, func(n dba.LockNode) bool { return n.ID == "384" })
	var got []string
	for _, n := range k.Nodes {
		got = append(got, n.ID)
	}
	if diff := cmp.Diff([]string{"130", "257", "384"}, got); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"130"}, k.Roots); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if len(k.Edges) != 2 || k.MaxDepth != 2 {
		t.Errorf("edges %d depth %d", len(k.Edges), k.MaxDepth)
	}
	none := KeepComponents(g, func(dba.LockNode) bool { return false })
	if len(none.Nodes) != 0 || len(none.Roots) != 0 || none.Nodes == nil {
		t.Errorf("%+v", none)
	}
}
