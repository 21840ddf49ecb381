package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// psFilterFlags are the session filters ps and locks share.
type psFilterFlags struct {
	f    dba.ProcessFilter
	full bool
}

func (p *psFilterFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.f.User, "user", "", "only sessions of this `USER`")
	fs.StringVar(&p.f.DB, "db", "", "only sessions whose default database is `DB`")
	fs.StringVar(&p.f.Command, "command", "", "only sessions in this `COMMAND` (Query, Sleep, Binlog Dump...)")
	fs.DurationVar(&p.f.MinTime, "min-time", 0, "only sessions in their current state for at least `DURATION` (e.g. 5s)")
	fs.StringVar(&p.f.Text, "grep", "", "only sessions whose statement contains `TEXT` (any case)")
	fs.BoolVar(&p.f.Active, "active", false, "hide idle sessions (Sleep) and daemons")
	fs.BoolVar(&p.full, "full", false, "show whole statements instead of the first 80 characters")
}

func (a *app) psCommand() *cobra.Command {
	var pf psFilterFlags
	var sortKey, groupBy string
	var reverse bool
	var limit int
	c := &cobra.Command{
		Use:   "ps",
		Short: "Process list: sessions, their transactions and lock roles, filtered, sorted or grouped",
		Long: `Lists the server's sessions with their open InnoDB transaction (age, state,
rows locked and modified, isolation) and their place in the lock graph:
"root blocker" (blocks others, waits for nobody), "waits for N", or both.
Roles come from every session, so a blocker hidden by a filter still shows
in its victims' LOCK column. mydba's own session is left out.

--group-by takes one or two of: user, host (without port), db, command,
state, fingerprint (the statement with literals replaced), transaction
(InnoDB transaction state, "none" without one), lock_role.

--sort takes: time (default), id, user, host, db, command, state, trx_age,
rows_locked, wait. Durations and counts sort largest first; --reverse flips.

See docs/processlist.md for sources per server version and the JSON shape.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := dba.ParseSortKey(sortKey)
			if err != nil {
				return err
			}
			keys, err := dba.ParseGroupKeys(groupBy)
			if err != nil {
				return err
			}
			q := workbench.ProcessQuery{Filter: pf.f, Sort: key, Reverse: reverse, GroupBy: keys, Limit: limit}
			if err := workbench.ValidateProcessQuery(q); err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			v, err := wb.ProcessList(cmd.Context(), a.connRequest(), q)
			if err != nil {
				return err
			}
			a.psWarnings(v.Warnings)
			return a.render(a.psView(v, pf.full))
		},
	}
	pf.register(c.Flags())
	c.Flags().StringVar(&sortKey, "sort", "time", "sort by `KEY`: time, id, user, host, db, command, state, trx_age, rows_locked, wait")
	c.Flags().BoolVar(&reverse, "reverse", false, "reverse the sort order")
	c.Flags().StringVar(&groupBy, "group-by", "", "group by one or two `KEYS`, comma-separated: user, host, db, command, state, fingerprint, transaction, lock_role")
	c.Flags().IntVar(&limit, "limit", 0, "list at most `N` sessions (0: all)")
	_ = c.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions([]string{"time", "id", "user", "host", "db", "command", "state", "trx_age", "rows_locked", "wait"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func (a *app) locksCommand() *cobra.Command {
	var pf psFilterFlags
	c := &cobra.Command{
		Use:   "locks",
		Short: "Lock waits as chains: root blockers first, then who they block",
		Long: `Shows who waits for whom on InnoDB row and table locks, as a tree: each
root blocker (a session that blocks others and waits for nobody, often
idle in an open transaction), then the sessions waiting for it, indented,
then theirs. A session blocked by several others is listed under each and
expanded once. Sessions waiting for each other in a cycle (a deadlock not
yet resolved) are listed after the trees.

Filters keep the whole chains that touch a matching session.
JSON output (-o json) has the full graph: nodes, edges with lock details,
roots, cycles and depths (docs/processlist.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			v, err := wb.Locks(cmd.Context(), a.connRequest(), pf.f)
			if err != nil {
				return err
			}
			a.psWarnings(v.Warnings)
			return a.render(a.locksView(v, pf.full))
		},
	}
	pf.register(c.Flags())
	return c
}

func (a *app) psWarnings(ws []string) {
	for _, w := range ws {
		fmt.Fprintln(a.stderr, "mydba: warning:", w)
	}
}

func (a *app) psView(v workbench.ProcessView, full bool) view {
	if len(v.GroupBy) > 0 {
		return a.psGroupView(v)
	}
	t := table{headers: []string{"ID", "USER", "HOST", "DB", "COMMAND", "TIME", "STATE", "TRX", "LOCK", "INFO"}}
	for _, s := range v.Sessions {
		t.rows = append(t.rows, []string{
			strconv.FormatInt(s.ID, 10), s.User, s.Host, dash(s.DB), s.Command, psDuration(s.Time),
			dash(psCell(s.State, 30, false)), psTrx(s.Trx), psLock(s), dash(psStatement(s, full)),
		})
	}
	if a.output == "table" {
		t.title = psSummary(v)
	}
	return view{data: v, tables: []table{t}}
}

func (a *app) psGroupView(v workbench.ProcessView) view {
	var headers []string
	for _, k := range v.GroupBy {
		headers = append(headers, strings.ToUpper(string(k)))
	}
	t := table{headers: append(headers, "SESSIONS", "ACTIVE", "IN TRX", "BLOCKED", "BLOCKING", "MAX TIME", "TOTAL TIME", "MAX TRX AGE", "IDS")}
	for _, g := range v.Groups {
		row := make([]string, 0, len(t.headers))
		for _, val := range g.Values {
			row = append(row, dash(psCell(val, 60, false)))
		}
		ids := make([]string, len(g.IDs))
		for i, id := range g.IDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		idText := strings.Join(ids, ",")
		maxTrxAge := "-"
		if g.InTrx > 0 {
			maxTrxAge = psDuration(g.MaxTrxAge)
		}
		if g.Sessions > len(g.IDs) {
			idText += ",…"
		}
		row = append(row, strconv.Itoa(g.Sessions), strconv.Itoa(g.Active), strconv.Itoa(g.InTrx), strconv.Itoa(g.Blocked), strconv.Itoa(g.Blocking),
			psDuration(g.MaxTime), psDuration(g.TotalTime), maxTrxAge, idText)
		t.rows = append(t.rows, row)
	}
	if a.output == "table" {
		t.title = fmt.Sprintf("%d of %d sessions in %d groups", v.Matched, v.Total, len(v.Groups))
	}
	return view{data: v, tables: []table{t}}
}

func psSummary(v workbench.ProcessView) string {
	shown := fmt.Sprintf("%d of %d sessions", len(v.Sessions), v.Total)
	if len(v.Sessions) < v.Matched {
		shown = fmt.Sprintf("%d of %d matching sessions (%d in all)", len(v.Sessions), v.Matched, v.Total)
	}
	waiting := 0
	for _, n := range v.Locks.Nodes {
		if n.Role == dba.LockRoleBlocked || n.Role == dba.LockRoleBoth {
			waiting++
		}
	}
	if waiting == 0 {
		return shown + " · no lock waits"
	}
	return fmt.Sprintf("%s · %d waiting for locks · %d root blocker%s (mydba locks shows the chains)", shown, waiting, len(v.Locks.Roots), psPlural(len(v.Locks.Roots)))
}

func psPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (a *app) locksView(v workbench.LockView, full bool) view {
	tree := a.output == "table"
	headers := []string{"SESSION", "ROLE", "WAITING", "TRX AGE", "USER", "HOST", "DB", "LOCK", "OBJECT", "KEY", "STATEMENT"}
	if !tree {
		headers = append([]string{"LEVEL", "PARENT", "REPEAT"}, headers...)
	}
	t := table{headers: headers}
	nodes := make(map[string]dba.LockNode, len(v.Graph.Nodes))
	for _, n := range v.Graph.Nodes {
		nodes[n.ID] = n
	}
	for _, l := range v.Tree {
		node := nodes[l.ID]
		id := l.ID
		if tree && l.Level > 0 {
			id = strings.Repeat("   ", l.Level-1) + "└─ " + id
		}
		s, ok := v.Session(l.ID)
		row := []string{id, string(node.Role), "-", "-", "-", "-", "-", "-", "-", "-", "-"}
		if node.Role == dba.LockRoleBlocked || node.Role == dba.LockRoleBoth {
			row[2] = psDuration(node.Wait)
		}
		if ok {
			if s.Trx != nil {
				row[3] = psDuration(s.Trx.Age)
			}
			row[4], row[5], row[6] = s.User, s.Host, dash(s.DB)
			row[10] = dash(psStatement(s, full))
		} else if strings.HasPrefix(l.ID, "trx:") {
			row[10] = "(transaction without a session: recovered XA? see XA RECOVER)"
		}
		if w, ok := v.Request(l.ID); ok {
			row[7] = dash(strings.TrimSpace(w.LockMode + " " + strings.ToLower(w.LockType)))
			row[8] = dash(psCell(w.Object(), 60, false))
			row[9] = dash(psCell(w.LockData, 30, false))
		}
		if l.Repeat {
			row = []string{id, string(node.Role), "", "", "", "", "", "", "", "", "(listed above)"}
		}
		if !tree {
			row = append([]string{strconv.Itoa(l.Level), l.Parent, strconv.FormatBool(l.Repeat)}, row...)
		}
		t.rows = append(t.rows, row)
	}
	if tree {
		t.title = locksSummary(v.Graph)
	}
	return view{data: v, tables: []table{t}}
}

func locksSummary(g dba.LockGraph) string {
	if len(g.Nodes) == 0 {
		return "no lock waits"
	}
	waiting := 0
	for _, n := range g.Nodes {
		if n.Role == dba.LockRoleBlocked || n.Role == dba.LockRoleBoth {
			waiting++
		}
	}
	s := fmt.Sprintf("%d waiting · %d root blocker%s · longest chain %d", waiting, len(g.Roots), psPlural(len(g.Roots)), g.MaxDepth)
	for _, c := range g.Cycles {
		s += " · cycle " + strings.Join(c, " ↔ ") + " (a deadlock InnoDB has not resolved yet)"
	}
	return s
}

// psTrx summarises a session's transaction: age and state.
func psTrx(t *dba.Transaction) string {
	if t == nil {
		return "-"
	}
	s := psDuration(t.Age)
	if t.State != "RUNNING" {
		s += " " + strings.ToLower(t.State)
	}
	if t.RowsLocked > 0 || t.RowsModified > 0 {
		s += fmt.Sprintf(" (%d locked, %d modified)", t.RowsLocked, t.RowsModified)
	}
	return s
}

// psLock is a session's lock role in words.
func psLock(s dba.Session) string {
	waits := "waits for " + strings.Join(s.BlockedBy, ",")
	switch s.LockRole {
	case dba.LockRoleRoot:
		return "root blocker"
	case dba.LockRoleBlocked:
		return waits
	case dba.LockRoleBoth:
		return waits + ", blocking"
	}
	return "-"
}

// psStatement is what a session runs; an idle session holding a
// transaction open says so, because that is the classic root blocker.
func psStatement(s dba.Session, full bool) string {
	if s.Info == "" && s.Trx != nil && !s.Active() {
		return "(idle in transaction)"
	}
	return psCell(s.Info, 80, full)
}

// psCell puts text on one line and cuts it at limit runes unless full.
func psCell(s string, limit int, full bool) string {
	s = strings.Join(strings.Fields(s), " ")
	if full || utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return string(r[:limit-1]) + "…"
}

// psDuration prints durations compactly: 850ms, 12s, 4m05s, 2h03m, 3d04h.
func psDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int64(d/time.Minute), int64(d%time.Minute/time.Second))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int64(d/time.Hour), int64(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%02dh", int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour))
}
