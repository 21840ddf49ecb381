package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dbtest"
)

// psMask makes process-list output stable: session ids become S1, S2...
// in chain order, client ports and durations are masked, and the column
// padding that depends on their widths is collapsed.
func psMask(out string, ids []int64) string {
	for i, id := range ids {
		out = regexp.MustCompile(`\b`+strconv.FormatInt(id, 10)+`\b`).ReplaceAllString(out, "S"+strconv.Itoa(i+1))
	}
	out = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(out, "127.0.0.1:PORT")
	out = regexp.MustCompile(`\b\d+(ms|s|m\d\ds|h\d\dm)\b`).ReplaceAllString(out, "T")
	out = regexp.MustCompile(` {2,}`).ReplaceAllString(out, "  ")
	return regexp.MustCompile(`\d+ of \d+ sessions`).ReplaceAllString(out, "N of M sessions")
}

// TestPsAndLocksCLI runs ps and locks against a real three-session lock
// chain (S1 holds a row, S2 waits for S1 and holds another, S3 waits for
// S2) in a table whose name needs quoting, and compares with goldens.
func TestPsAndLocksCLI(t *testing.T) {
	d := dbtest.LeastPriv(t)
	chain := dbtest.StartLockChain(t, "t_ps_locks_cli", 3)
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = d.Password
	dsn := "mysql://" + d.Target.User + "@" + d.Target.Address() + "/shop"

	golden(t, "ps-locks", psMask(c.ok("", "locks", "--dsn", dsn, "--db", chain.Schema), chain.IDs))
	golden(t, "ps-locks-csv", psMask(c.ok("", "locks", "--dsn", dsn, "--db", chain.Schema, "-o", "csv"), chain.IDs))
	golden(t, "ps-list", psMask(c.ok("", "ps", "--dsn", dsn, "--db", chain.Schema, "--sort", "id"), chain.IDs))
	golden(t, "ps-group", psMask(c.ok("", "ps", "--dsn", dsn, "--db", chain.Schema, "--group-by", "lock_role,fingerprint"), chain.IDs))

	// The JSON graph: S1 is the root, S2 waits for S1 and blocks S3, and
	// the waiting statements keep their emoji (read from INFO_BINARY).
	var lv struct {
		Graph struct {
			Nodes []struct {
				ID           string   `json:"id"`
				Role         string   `json:"role"`
				BlockedBy    []string `json:"blocked_by"`
				RootBlockers []string `json:"root_blockers"`
				Depth        int      `json:"depth"`
			} `json:"nodes"`
			Edges []struct {
				From, To string
				Lock     struct {
					Schema, Table, Index string
				}
			} `json:"edges"`
			Roots []string `json:"roots"`
		} `json:"graph"`
		Tree []struct {
			ID    string `json:"id"`
			Level int    `json:"level"`
		} `json:"tree"`
		Sessions []struct {
			ID   int64  `json:"id"`
			Info string `json:"info"`
		} `json:"sessions"`
	}
	js := c.ok("", "locks", "--dsn", dsn, "--db", chain.Schema, "-o", "json")
	if err := json.Unmarshal([]byte(js), &lv); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	id := func(i int) string { return strconv.FormatInt(chain.IDs[i], 10) }
	if len(lv.Graph.Roots) != 1 || lv.Graph.Roots[0] != id(0) {
		t.Errorf("roots %v, want [%s]", lv.Graph.Roots, id(0))
	}
	roles := map[string]string{}
	for _, n := range lv.Graph.Nodes {
		roles[n.ID] = n.Role
		if n.ID == id(2) && (n.Depth != 2 || len(n.BlockedBy) != 1 || n.BlockedBy[0] != id(1) || len(n.RootBlockers) != 1 || n.RootBlockers[0] != id(0)) {
			t.Errorf("last waiter: %+v", n)
		}
	}
	if roles[id(0)] != "root" || roles[id(1)] != "both" || roles[id(2)] != "blocked" {
		t.Errorf("roles %v for chain %v", roles, chain.IDs)
	}
	for _, e := range lv.Graph.Edges {
		if e.Lock.Schema != chain.Schema || e.Lock.Table != chain.Table || e.Lock.Index != "PRIMARY" {
			t.Errorf("edge %s->%s lock %+v", e.From, e.To, e.Lock)
		}
	}
	if len(lv.Tree) != 3 || lv.Tree[0].ID != id(0) || lv.Tree[2].Level != 2 {
		t.Errorf("tree %+v", lv.Tree)
	}
	emoji := 0
	for _, s := range lv.Sessions {
		if strings.Contains(s.Info, "🔒") {
			emoji++
		}
	}
	if emoji != 2 {
		t.Errorf("%d waiting statements keep their emoji, want 2: %+v", emoji, lv.Sessions)
	}

	var pv struct {
		Total    int `json:"total"`
		Sessions []struct {
			ID        int64    `json:"id"`
			LockRole  string   `json:"lock_role"`
			BlockedBy []string `json:"blocked_by"`
			Trx       *struct {
				State string `json:"state"`
			} `json:"trx"`
		} `json:"sessions"`
		Locks struct {
			Roots []string `json:"roots"`
		} `json:"locks"`
	}
	js = c.ok("", "ps", "--dsn", dsn, "--db", chain.Schema, "--sort", "id", "-o", "json")
	if err := json.Unmarshal([]byte(js), &pv); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	if len(pv.Sessions) != 3 || pv.Total < 4 {
		t.Fatalf("ps json: %d sessions of %d", len(pv.Sessions), pv.Total)
	}
	if pv.Sessions[0].LockRole != "root" || pv.Sessions[0].Trx == nil || pv.Sessions[0].Trx.State != "RUNNING" ||
		pv.Sessions[2].LockRole != "blocked" || pv.Sessions[2].Trx.State != "LOCK WAIT" || pv.Sessions[2].BlockedBy[0] != id(1) {
		t.Errorf("ps json sessions: %+v", pv.Sessions)
	}

	// A filter that matches nothing in the chain shows no chain at all.
	if out := c.ok("", "locks", "--dsn", dsn, "--user", "nobody-at-all"); !strings.Contains(out, "no lock waits") {
		t.Errorf("locks --user nobody:\n%s", out)
	}
}

// TestPsBadInput checks every bad flag fails with a usage error before
// connecting: the DSN points at a closed port, so a connection attempt
// would exit 5 instead of 2.
func TestPsBadInput(t *testing.T) {
	dsn := "mysql://u@127.0.0.1:1/"
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"ps", "--sort", "tiem"}, `unknown sort key "tiem" (did you mean "time"?)`},
		{[]string{"ps", "--group-by", "user,db,host"}, "group by one or two keys, not 3"},
		{[]string{"ps", "--group-by", "usr"}, `unknown group key "usr" (did you mean "user"?)`},
		{[]string{"ps", "--group-by", "user,user"}, `given twice`},
		{[]string{"ps", "--limit", "-1"}, "limit -1 is negative"},
		{[]string{"ps", "--min-time", "-5s"}, "minimum time -5s is negative"},
		{[]string{"locks", "--min-time", "-1s"}, "minimum time -1s is negative"},
		{[]string{"ps", "extra-arg"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := newCLI(t).run("", append(tt.args, "--dsn", dsn, "--timeout", "1s")...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, exitUsage, tt.stderr)
			}
			if r.took > 500*time.Millisecond {
				t.Errorf("took %v: did it try to connect?", r.took)
			}
		})
	}
}

func TestPsDuration(t *testing.T) {
	tests := map[time.Duration]string{
		0: "0s", 850 * time.Millisecond: "850ms", 12 * time.Second: "12s", 245 * time.Second: "4m05s",
		2*time.Hour + 3*time.Minute: "2h03m", 76 * time.Hour: "3d04h",
	}
	for d, want := range tests {
		if got := psDuration(d); got != want {
			t.Errorf("psDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
