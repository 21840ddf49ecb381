package workbench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/dba"
)

// NameAssistRequest asks about one named thing on a server: a variable or
// a status counter.
type NameAssistRequest struct {
	Conn     ConnRequest
	Name     string
	Question string
	AssistOptions
}

// ExplainVariable explains a server variable: its value, default, origin
// and metadata as the server reports them, and the knowledge base's entry.
// A change it suggests is a proposal (SET GLOBAL) for the safety gate.
func (w *Workbench) ExplainVariable(ctx context.Context, req NameAssistRequest) (Answer, error) {
	name := strings.ToLower(strings.TrimSpace(req.Name))
	if name == "" || strings.Contains(name, "%") {
		return Answer{}, fmt.Errorf("%w: give one variable's exact name", dba.ErrInvalid)
	}
	res, err := w.Variables(ctx, req.Conn, VariablesRequest{Scope: dba.ScopeGlobal, Pattern: name})
	if err != nil {
		return Answer{}, err
	}
	var v *dba.Variable
	for i := range res.Variables {
		if res.Variables[i].Name == name {
			v = &res.Variables[i]
		}
	}
	if v == nil {
		names := make([]string, 0, len(res.Variables))
		for _, x := range res.Variables {
			names = append(names, x.Name)
		}
		return Answer{}, fmt.Errorf("%w: no variable is named %q; names containing it: %s", dba.ErrNotFound, name, strings.Join(names[:min(len(names), 8)], ", "))
	}
	p, err := w.profileOf(ctx, req.Conn)
	if err != nil {
		return Answer{}, err
	}
	c := ai.Context{Server: res.Server, Question: req.Question, Variables: []dba.Variable{*v}, Notes: res.Notes}
	var cites map[string][]int
	var notes []string
	c.Citations, cites, notes = w.retrieve(ctx, req.AssistOptions, res.Server, []citeQuery{
		{Key: v.Name, Code: "variable:" + v.Name, Query: v.Name + " " + strings.ReplaceAll(v.Name, "_", " "), K: 2},
		{Key: "question", Query: req.Question, K: 1},
	})
	ans := Answer{Profile: p.Name, Notes: notes}
	w.assistRun(ctx, req.AssistOptions, ai.TaskVariable, c, cites, redactorFor(p), &ans)
	return ans, nil
}

// profileOf is the profile a request names (an ad-hoc DSN has none).
func (w *Workbench) profileOf(ctx context.Context, r ConnRequest) (dba.Profile, error) {
	p, _, _, err := w.target(ctx, r)
	return p, err
}

// statusInterval is the time between the two status samples a counter's
// rate comes from.
const statusInterval = time.Second

// ExplainStatus explains a status counter: its value now and its rate over
// one second.
func (w *Workbench) ExplainStatus(ctx context.Context, req NameAssistRequest) (Answer, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" || strings.ContainsAny(name, " %'\"`;") {
		return Answer{}, fmt.Errorf("%w: give one status counter's exact name (Threads_running, Innodb_row_lock_waits)", dba.ErrInvalid)
	}
	db, p, err := w.open(ctx, req.Conn)
	if err != nil {
		return Answer{}, err
	}
	prev, cur, _, err := db.StatusPair(ctx, statusInterval)
	server := db.Server()
	db.Close()
	if err != nil {
		return Answer{}, err
	}
	key := ""
	names := make([]string, 0, len(cur.Values))
	for k := range cur.Values {
		names = append(names, k)
		if strings.EqualFold(k, name) {
			key = k
		}
	}
	if key == "" {
		msg := fmt.Sprintf("no status counter is named %q", name)
		if s := dba.Suggest(name, names); len(s) > 0 {
			msg += " (did you mean " + strings.Join(s[:min(len(s), 3)], ", ") + "?)"
		}
		return Answer{}, fmt.Errorf("%w: %s", dba.ErrNotFound, msg)
	}
	sv := ai.StatusValue{Name: key, Value: cur.Values[key], Interval: cur.At.Sub(prev.At)}
	if !isGauge(key) {
		a, okA := prev.Uint(key)
		b, okB := cur.Uint(key)
		if okA && okB && b >= a && sv.Interval > 0 {
			r := float64(b-a) / sv.Interval.Seconds()
			sv.PerSecond = &r
		}
	}
	var uptime time.Duration
	if u, ok := cur.Uint("Uptime"); ok {
		uptime = time.Duration(u) * time.Second
	}
	c := ai.Context{Server: server, Question: req.Question, Status: []ai.StatusValue{sv}, Uptime: uptime}
	var cites map[string][]int
	var notes []string
	c.Citations, cites, notes = w.retrieve(ctx, req.AssistOptions, server, []citeQuery{
		{Key: key, Code: "status:" + key, Query: key + " " + strings.ReplaceAll(strings.ToLower(key), "_", " "), K: 2},
		{Key: "question", Query: req.Question, K: 1},
	})
	ans := Answer{Profile: p.Name, Notes: notes}
	w.assistRun(ctx, req.AssistOptions, ai.TaskStatus, c, cites, redactorFor(p), &ans)
	return ans, nil
}

// isGauge reports status values that are levels, not counters: a rate of
// them means nothing.
func isGauge(name string) bool {
	n := strings.ToLower(name)
	for _, p := range []string{"threads_", "open_", "innodb_buffer_pool_pages_", "innodb_buffer_pool_bytes_", "max_used_", "innodb_row_lock_current_waits", "innodb_history_list_length", "slave_", "rpl_", "uptime", "ssl_", "qcache_free", "qcache_total", "memory_used", "innodb_page_size", "innodb_num_open_files", "not_flushed_delayed_rows", "innodb_mem_", "innodb_buffer_pool_load_status", "innodb_buffer_pool_dump_status", "innodb_have_"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// ProcessAssistRequest asks about the process list or the lock waits.
type ProcessAssistRequest struct {
	Conn     ConnRequest
	Filter   dba.ProcessFilter
	Question string
	AssistOptions
}

// ExplainProcesses explains one process-list snapshot: what the sessions
// are doing, long-running statements, idle open transactions, lock waits.
// Client hosts are replaced by labels and other sessions' statements are
// anonymised before anything is sent.
func (w *Workbench) ExplainProcesses(ctx context.Context, req ProcessAssistRequest) (Answer, error) {
	v, err := w.ProcessList(ctx, req.Conn, ProcessQuery{Filter: req.Filter, Sort: dba.SortTime})
	if err != nil {
		return Answer{}, err
	}
	p, err := w.profileOf(ctx, req.Conn)
	if err != nil {
		return Answer{}, err
	}
	c := ai.Context{Server: v.Server, Question: req.Question, Sessions: v.Sessions, TotalSessions: v.Total, Notes: v.Warnings}
	if len(v.Locks.Edges) > 0 {
		g := v.Locks
		c.Locks = &g
	}
	var cites map[string][]int
	var notes []string
	c.Citations, cites, notes = w.retrieve(ctx, req.AssistOptions, v.Server, []citeQuery{
		{Key: ai.CodeLongRunning, Query: "long running query kill processlist", K: 1},
		{Key: ai.CodeIdleTransaction, Query: "idle transaction open history list purge", K: 1},
		{Key: ai.CodeLockBlocker, Query: "lock wait blocking transaction innodb", K: 1},
		{Key: "question", Query: req.Question, K: 1},
	})
	ans := Answer{Profile: p.Name, Notes: notes}
	w.assistRun(ctx, req.AssistOptions, ai.TaskProcesses, c, cites, redactorFor(p), &ans)
	return ans, nil
}

// ExplainLocks explains the lock chains of one snapshot. With no session
// waiting for a lock there is nothing to explain and nothing is sent.
func (w *Workbench) ExplainLocks(ctx context.Context, req ProcessAssistRequest) (Answer, error) {
	v, err := w.Locks(ctx, req.Conn, req.Filter)
	if err != nil {
		return Answer{}, err
	}
	p, err := w.profileOf(ctx, req.Conn)
	if err != nil {
		return Answer{}, err
	}
	if len(v.Graph.Edges) == 0 {
		return Answer{
			Task: string(ai.TaskLocks), Profile: p.Name, Server: v.Server, Mode: ModeNoProvider,
			Label:  "no session waits for a lock right now: nothing to explain, nothing was sent",
			Points: []AdvicePoint{}, Evidence: []EvidenceItem{}, Citations: []Citation{}, Proposals: []Proposal{}, Notes: v.Warnings,
		}, nil
	}
	g := v.Graph
	c := ai.Context{Server: v.Server, Question: req.Question, Sessions: v.Sessions, TotalSessions: len(v.Sessions), Locks: &g, Notes: v.Warnings}
	var cites map[string][]int
	var notes []string
	c.Citations, cites, notes = w.retrieve(ctx, req.AssistOptions, v.Server, []citeQuery{
		{Key: ai.CodeLockBlocker, Query: "lock wait blocking transaction innodb", K: 2},
		{Key: ai.CodeLockCycle, Query: "deadlock innodb", K: 1},
		{Key: "question", Query: req.Question, K: 1},
	})
	ans := Answer{Profile: p.Name, Notes: notes}
	w.assistRun(ctx, req.AssistOptions, ai.TaskLocks, c, cites, redactorFor(p), &ans)
	return ans, nil
}
