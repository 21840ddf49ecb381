package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

func ptrTo[T any](v T) *T { return &v }

func TestOpsFormatting(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"duration zero", opsDuration(0), "0s"},
		{"duration ms", opsDuration(850 * time.Millisecond), "850ms"},
		{"duration s", opsDuration(12 * time.Second), "12s"},
		{"duration m", opsDuration(4*time.Minute + 5*time.Second), "4m05s"},
		{"duration h", opsDuration(2*time.Hour + 3*time.Minute), "2h03m"},
		{"duration d", opsDuration(76 * time.Hour), "3d04h"},
		{"line folds", opsLine("SELECT\n  *\tFROM t", 80), "SELECT * FROM t"},
		{"line cuts runes", opsLine("été été été", 6), "été é…"},
		{"idle in trx", sessionStatement(dba.Session{Command: "Sleep", Trx: &dba.Transaction{}}, 80), "(idle in transaction)"},
		{"running", sessionStatement(dba.Session{Command: "Query", Info: "SELECT 1", Trx: &dba.Transaction{}}, 80), "SELECT 1"},
		{"trx none", sessionTrxAge(nil), "–"},
		{"trx detail", sessionTrxDetail(&dba.Transaction{State: "LOCK WAIT", RowsLocked: 2}), "lock wait · 2 locked, 0 modified"},
		{"trx running quiet", sessionTrxDetail(&dba.Transaction{State: "RUNNING"}), ""},
		{"trx old", sessionTrxClass(&dba.Transaction{Age: 10 * time.Minute}), "age-bad"},
		{"trx oldish", sessionTrxClass(&dba.Transaction{Age: time.Minute}), "age-warn"},
		{"lock root", sessionLockText(dba.Session{LockRole: dba.LockRoleRoot}), "root blocker"},
		{"lock both", sessionLockText(dba.Session{LockRole: dba.LockRoleBoth, BlockedBy: []string{"7", "9"}}), "waits for 7, 9; blocking"},
		{"kill query", killVals(42, true), `{"id":"42","kind":"kill","query":"1"}`},
		{"kill connection", killVals(42, false), `{"id":"42","kind":"kill","query":"0"}`},
		{"rate nil", statusRate(nil), "n/a"},
		{"rate small", statusRate(ptrTo(0.5)), "0.50"},
		{"rate mid", statusRate(ptrTo(12.345)), "12.3"},
		{"rate big", statusRate(ptrTo(1234.6)), "1235"},
		{"pct nil", statusPct(nil, 1), "n/a"},
		{"pct", statusPct(ptrTo(99.123), 2), "99.12%"},
		{"meter nil", statusMeter(nil), "0"},
		{"num attr nil", opsNumAttr(nil), ""},
		{"num attr", opsNumAttr(ptrTo(2.5)), "2.5"},
		{"uptime", statusUptime(26*time.Hour + 3*time.Second), "1d 2h0m3s"},
		{"replica", statusReplication(dba.Replication{Role: dba.RoleReplica, Source: "db1:3306", LagSeconds: ptrTo(int64(3)), IORunning: "Yes", SQLRunning: "Yes"}), "replica of db1:3306, 3s behind (IO thread Yes, SQL thread Yes)"},
		{"primary", statusReplication(dba.Replication{Role: dba.RolePrimary}), "primary"},
		{"connections", statusConnections(dba.ConnectionStatus{Connected: 3, Max: 151}), "3 of 151"},
		{"connections unknown max", statusConnections(dba.ConnectionStatus{Connected: 3}), "3 (max_connections unknown)"},
		{"value null", varValueText(nil), "NULL"},
		{"default unpublished", varDefaultText(dba.Variable{}), "–"},
		{"default empty", varDefaultText(dba.Variable{VariableMeta: dba.VariableMeta{Default: ptrTo("")}}), `""`},
		{"type", varTypeText(dba.VariableMeta{Type: dba.VarTypeUint, ServerType: "BIGINT UNSIGNED"}), "uint"},
		{"type unknown to mydba", varTypeText(dba.VariableMeta{ServerType: "GEOMETRY"}), "geometry"},
		{"type unpublished", varTypeText(dba.VariableMeta{}), "–"},
		{"server type", varServerType(dba.VariableMeta{Type: dba.VarTypeUint, ServerType: "BIGINT UNSIGNED"}), "server type: bigint unsigned"},
		{"range", varRangeText(dba.VariableMeta{Min: "1", Max: "100", BlockSize: "1"}), "1 … 100"},
		{"range step", varRangeText(dba.VariableMeta{Min: "1024", Max: "1048576", BlockSize: "1024"}), "1024 … 1048576 (multiple of 1024)"},
		{"allowed", varRangeText(dba.VariableMeta{Allowed: []string{"ROW", "STATEMENT"}}), "ROW, STATEMENT"},
		{"dynamic unknown", varDynamicText(nil), "?"},
		{"dynamic no", varDynamicText(ptrTo(false)), "no"},
		{"changed", varChangedText(dba.ChangeDiffers), "differs"},
		{"audit all", auditURL(Page{}), "/audit"},
		{"audit profile", auditURL(Page{Profile: "a b"}), "/c/a%20b/audit"},
		{"export keeps empty profile", auditExportURL(AuditForm{Q: "x&y", Status: "dry run"}, "csv"), "/audit/export?format=csv&q=x%26y&status=dry+run&profile="},
		{"more doubles", auditMoreURL(Page{Profile: "p"}, AuditForm{Profile: "p", Limit: 200}), "/c/p/audit?limit=400&profile=p"},
		{"scope tab", scopeTabURL(Page{Profile: "p"}, VariablesForm{Q: "sql%", Changed: true}, "session"), "/c/p/variables?changed=1&q=sql%25&scope=session"},
		{"level capped", levelClass(9), "lvl-6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestVarEditable(t *testing.T) {
	tests := []struct {
		name string
		v    dba.Variable
		want bool
	}{
		{"global dynamic", dba.Variable{VariableMeta: dba.VariableMeta{Scope: dba.ScopeGlobal, Dynamic: ptrTo(true)}}, true},
		{"both", dba.Variable{VariableMeta: dba.VariableMeta{Scope: dba.ScopeBoth, Dynamic: ptrTo(true)}}, true},
		{"read-only", dba.Variable{VariableMeta: dba.VariableMeta{Scope: dba.ScopeGlobal, Dynamic: ptrTo(false)}}, false},
		{"session only", dba.Variable{VariableMeta: dba.VariableMeta{Scope: dba.ScopeSession, Dynamic: ptrTo(true)}}, false},
		// MySQL 8 publishes neither: offer it, the gate and Validate decide.
		{"unknown", dba.Variable{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := varEditable(tt.v); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestProcessBodyEscapes renders server-provided text full of markup: it
// must come out as text, in element content and in attributes.
func TestProcessBodyEscapes(t *testing.T) {
	payload := `<script>alert(1)</script><img src=x onerror=alert(2)>"'`
	d := ProcessData{View: workbench.ProcessView{
		Total: 1, Matched: 1, Source: "information_schema.PROCESSLIST",
		Sessions: []dba.Session{{ID: 5, User: payload, Host: payload, DB: payload, Command: "Query", State: payload, Info: payload}},
		Warnings: []string{payload},
	}}
	var b strings.Builder
	if err := ProcessBody(Page{Profile: "p"}, d).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"<script>", "<img", `title="<`, `"'`} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("payload not shown as text:\n%s", out)
	}
	// The kill buttons post the session's id, nothing else from the row.
	want := `hx-vals="{&#34;id&#34;:&#34;5&#34;,&#34;kind&#34;:&#34;kill&#34;,&#34;query&#34;:&#34;1&#34;}"`
	if !strings.Contains(out, want) {
		t.Errorf("kill query button: want %s in\n%s", want, out)
	}
}

func TestProcessSummary(t *testing.T) {
	g := dba.LockGraph{Nodes: []dba.LockNode{{ID: "1", Role: dba.LockRoleRoot}, {ID: "2", Role: dba.LockRoleBlocked}, {ID: "3", Role: dba.LockRoleBoth}}, Roots: []string{"1"}}
	tests := []struct {
		name string
		d    ProcessData
		want string
	}{
		{"quiet", ProcessData{View: workbench.ProcessView{Total: 4, Matched: 2, Sessions: make([]dba.Session, 2)}}, "2 of 4 sessions · no lock waits"},
		{"capped", ProcessData{View: workbench.ProcessView{Total: 900, Matched: 800, Sessions: make([]dba.Session, 500)}}, "500 of 800 matching sessions (900 in all) · no lock waits"},
		{"locks", ProcessData{View: workbench.ProcessView{Total: 3, Matched: 3, Sessions: make([]dba.Session, 3), Locks: g}}, "3 of 3 sessions · 2 waiting for locks · 1 root blocker"},
		{"groups", ProcessData{View: workbench.ProcessView{Total: 9, Matched: 7, GroupBy: []dba.GroupKey{dba.GroupUser}, Groups: make([]dba.ProcessGroup, 2)}}, "7 of 9 sessions in 2 groups"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, processSummary(tt.d)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
