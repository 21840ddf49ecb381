package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
	"github.com/mydba/mydba/internal/workbench"
)

// Proposal statuses.
const (
	ProposalPending    = "pending"
	ProposalRunning    = "running" // a human's approval is being executed
	ProposalExecuted   = "executed"
	ProposalRolledBack = "rolled back"
	ProposalRefused    = "refused"
	ProposalFailed     = "failed"
	ProposalRejected   = "rejected"
	ProposalExpired    = "expired"
	// ProposalPlanned is a proposal that was planned and returned only:
	// no approval UI was there to queue it for (stdio).
	ProposalPlanned = "planned only"
)

// Proposal is a change an agent proposed, waiting for (or past) a human's
// decision.
type Proposal struct {
	ID      int64     `json:"id"`
	Created time.Time `json:"created"`
	// Agent is the MCP client that proposed it.
	Agent      string  `json:"agent"`
	Connection string  `json:"connection"`
	Env        dba.Env `json:"env"`
	// Statement is the statement as shown (passwords hidden).
	Statement string `json:"statement"`
	Rationale string `json:"rationale,omitempty"`
	// Plan is the gate's plan when it was proposed, on one line; Verdict
	// and Why what the connection's policy said then. The human's approval
	// plans again.
	Plan    string   `json:"plan"`
	Class   string   `json:"class"`
	Risk    string   `json:"risk"`
	Verdict string   `json:"verdict"`
	Why     []string `json:"why"`
	Status  string   `json:"status"`
	// Decided is when the status left pending; Outcome says what happened.
	Decided *time.Time `json:"decided,omitempty"`
	Outcome string     `json:"outcome,omitempty"`

	// SQL is the statement to run. It never leaves the process in a tool
	// result (Statement is what is shown).
	SQL string `json:"-"`
}

// Proposals is the in-memory queue of proposals under `mydba serve`: the
// MCP endpoint adds to it, the web UI lists them and a human approves or
// rejects each through the safety gate. It is bounded: at most MaxPending
// wait at once, pending ones expire after TTL, and the newest Keep are
// remembered.
type Proposals struct {
	mu    sync.Mutex
	items []*Proposal
	next  int64
	opts  ProposalOptions
}

// ProposalOptions bound a queue. Zero values are defaults.
type ProposalOptions struct {
	MaxPending int           // default 20
	Keep       int           // default 200
	TTL        time.Duration // default 24h
	Now        func() time.Time
}

// NewProposals makes an empty queue.
func NewProposals(o ProposalOptions) *Proposals {
	if o.MaxPending <= 0 {
		o.MaxPending = 20
	}
	if o.Keep < o.MaxPending {
		o.Keep = max(200, o.MaxPending)
	}
	if o.TTL <= 0 {
		o.TTL = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Proposals{opts: o, next: 1}
}

// expire marks stale pending proposals; the caller holds the lock.
func (q *Proposals) expire(now time.Time) {
	for _, p := range q.items {
		if p.Status == ProposalPending && now.Sub(p.Created) > q.opts.TTL {
			p.Status, p.Outcome = ProposalExpired, fmt.Sprintf("not decided within %s", q.opts.TTL)
			t := now
			p.Decided = &t
		}
	}
}

// Add queues a proposal and gives it an id.
func (q *Proposals) Add(p Proposal) (Proposal, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.opts.Now()
	q.expire(now)
	pending := 0
	for _, it := range q.items {
		if it.Status == ProposalPending || it.Status == ProposalRunning {
			pending++
		}
	}
	if pending >= q.opts.MaxPending {
		return Proposal{}, fmt.Errorf("%w: %d proposals already wait for a human; ask the user to decide on them before proposing more", dba.ErrRefused, pending)
	}
	p.ID, p.Created, p.Status, p.Decided, p.Outcome = q.next, now, ProposalPending, nil, ""
	q.next++
	c := p
	q.items = append(q.items, &c)
	if len(q.items) > q.opts.Keep {
		// Forget the oldest decided ones; pending ones stay.
		kept := q.items[:0]
		drop := len(q.items) - q.opts.Keep
		for _, it := range q.items {
			if drop > 0 && it.Status != ProposalPending && it.Status != ProposalRunning {
				drop--
				continue
			}
			kept = append(kept, it)
		}
		q.items = kept
	}
	return c, nil
}

func (q *Proposals) find(id int64) *Proposal {
	for _, p := range q.items {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// Get returns a proposal by id.
func (q *Proposals) Get(id int64) (Proposal, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.expire(q.opts.Now())
	p := q.find(id)
	if p == nil {
		return Proposal{}, false
	}
	return *p, true
}

// List returns every remembered proposal, newest first.
func (q *Proposals) List() []Proposal {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.expire(q.opts.Now())
	out := make([]Proposal, 0, len(q.items))
	for _, p := range slices.Backward(q.items) {
		out = append(out, *p)
	}
	return out
}

// Pending counts the proposals waiting for a human.
func (q *Proposals) Pending() int {
	n := 0
	for _, p := range q.List() {
		if p.Status == ProposalPending {
			n++
		}
	}
	return n
}

// Claim takes a pending proposal for a human's decision, so two approvals
// never run it twice. Settle ends the claim.
func (q *Proposals) Claim(id int64) (Proposal, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.expire(q.opts.Now())
	p := q.find(id)
	switch {
	case p == nil:
		return Proposal{}, fmt.Errorf("proposal %d: %w", id, dba.ErrNotFound)
	case p.Status != ProposalPending:
		return Proposal{}, fmt.Errorf("%w: proposal %d is %s", dba.ErrInvalid, id, p.Status)
	}
	p.Status = ProposalRunning
	return *p, nil
}

// Settle ends a claim: back to pending (a dry run, a missing
// confirmation) or to its final status with what happened.
func (q *Proposals) Settle(id int64, status, outcome string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.find(id)
	if p == nil || p.Status != ProposalRunning {
		return
	}
	p.Status, p.Outcome = status, outcome
	if status != ProposalPending {
		t := q.opts.Now()
		p.Decided = &t
	}
}

// Reject records a human's no.
func (q *Proposals) Reject(id int64, reason string) (Proposal, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.expire(q.opts.Now())
	p := q.find(id)
	switch {
	case p == nil:
		return Proposal{}, fmt.Errorf("proposal %d: %w", id, dba.ErrNotFound)
	case p.Status != ProposalPending:
		return Proposal{}, fmt.Errorf("%w: proposal %d is %s", dba.ErrInvalid, id, p.Status)
	}
	t := q.opts.Now()
	p.Status, p.Decided, p.Outcome = ProposalRejected, &t, "rejected by a human"
	if r := strings.TrimSpace(reason); r != "" {
		p.Outcome += ": " + oneLine(r, 500)
	}
	return *p, nil
}

type proposeIn struct {
	Connection string `json:"connection,omitempty" jsonschema:"connection profile name (list_connections); default: the server's default connection"`
	SQL        string `json:"sql" jsonschema:"ONE statement that changes the server (INSERT, UPDATE, DELETE, CREATE INDEX, ALTER TABLE, SET GLOBAL, ...)"`
	Rationale  string `json:"rationale" jsonschema:"why this change: the evidence (plan, finding, numbers) and the expected effect, for the human who decides"`
}

type proposeOut struct {
	Proposal
	// Rows is the gate's estimate of the rows the statement touches (-1:
	// not known); Mode how it would run.
	Rows     int64    `json:"rows_estimate"`
	Mode     string   `json:"runs"`
	Notes    []string `json:"notes,omitempty"`
	Next     string   `json:"next_step"`
	Executed bool     `json:"executed"`
}

func (s *Server) proposeChange(ctx context.Context, c *call, in proposeIn) (any, error) {
	if strings.TrimSpace(in.SQL) == "" {
		return nil, fmt.Errorf("%w: no SQL given", dba.ErrInvalid)
	}
	if strings.TrimSpace(in.Rationale) == "" {
		return nil, fmt.Errorf("%w: give a rationale: the human deciding needs to know why", dba.ErrInvalid)
	}
	conn, err := s.connection(ctx, in.Connection)
	if err != nil {
		return nil, err
	}
	if s.opts.Proposals != nil && conn.Profile == "" {
		return nil, fmt.Errorf("%w: proposals are approved in the web UI, which works on saved connections; name a profile", dba.ErrInvalid)
	}
	if cl := sqltext.NewClassifier().Classify(in.SQL); cl.IsRead() {
		return nil, fmt.Errorf("%w: this is a read, which changes nothing: run it with run_query", dba.ErrInvalid)
	}
	plan, err := s.wb.PlanChange(ctx, conn, in.SQL, "mcp")
	if err != nil {
		return nil, err
	}
	p := Proposal{
		Agent: c.agent, Connection: plan.Profile, Env: plan.Env, Statement: plan.Statement, Rationale: oneLine(in.Rationale, 2000),
		Plan: planSummary(plan), Class: string(plan.Class.Class), Risk: string(plan.Class.Risk),
		Verdict: string(plan.Decision.Verdict), Why: plan.Decision.Why, SQL: in.SQL,
	}
	if p.Agent == "" {
		p.Agent = "unnamed MCP client"
	}
	if p.Why == nil {
		p.Why = []string{}
	}
	out := proposeOut{Rows: plan.Rows, Mode: plan.ModeText, Notes: plan.Notes}
	if plan.Decision.Verdict == workbench.VerdictRefuse {
		return nil, fmt.Errorf("%w: the safety gate would refuse this change on %s (%s): %s; it was not queued", dba.ErrRefused, p.Connection, p.Env, strings.Join(p.Why, "; "))
	}
	if s.opts.Proposals == nil {
		p.Status = ProposalPlanned
		out.Proposal = p
		out.Next = "This server has no approval UI (stdio), so nothing was queued and nothing ran. Show the user the statement, the plan and your rationale; they can run it themselves through mydba's safety gate: mydba exec --conn " + p.Connection + " -f - (the statement on stdin), or from the web UI's query page."
		return out, nil
	}
	queued, err := s.opts.Proposals.Add(p)
	if err != nil {
		return nil, err
	}
	out.Proposal = queued
	out.Next = "Queued for a human. Tell the user to review proposal " + fmt.Sprint(queued.ID) + " in mydba's web UI"
	if s.opts.ReviewURL != "" {
		out.Next += " at " + s.opts.ReviewURL
	}
	out.Next += "; check the decision with proposal_status. Do not retry or work around a rejection."
	return out, nil
}

// planSummary is a plan on one line, as the audit log shows it.
func planSummary(p workbench.Plan) string {
	parts := []string{string(p.Class.Class) + "/" + string(p.Class.Risk)}
	if p.Rows >= 0 {
		how := "estimated"
		if p.RowsExact {
			how = "counted"
		}
		parts = append(parts, fmt.Sprintf("%d rows %s", p.Rows, how))
	}
	if p.Replicated {
		parts = append(parts, "replicated")
	}
	if p.ModeText != "" {
		parts = append(parts, p.ModeText)
	}
	return strings.Join(parts, "; ")
}

type proposalStatusIn struct {
	ID int64 `json:"id" jsonschema:"the proposal id propose_change returned"`
}

func (s *Server) proposalStatus(_ context.Context, _ *call, in proposalStatusIn) (any, error) {
	if s.opts.Proposals == nil {
		return nil, fmt.Errorf("%w: this server queues no proposals (stdio): proposals were returned as plans only", dba.ErrNotFound)
	}
	p, ok := s.opts.Proposals.Get(in.ID)
	if !ok {
		return nil, fmt.Errorf("proposal %d: %w (the queue keeps the newest 200, in memory, until mydba serve stops)", in.ID, dba.ErrNotFound)
	}
	return p, nil
}
