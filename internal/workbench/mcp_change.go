package workbench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/safety"
)

// Changes proposed by AI agents over MCP. An agent never executes
// anything: it may only ask the gate for a plan, and a human approves that
// plan later in the web UI. Both go through the one write path, so the
// agent's proposal meets the same policy as a change typed by hand.

// errPlanOnly stops a gate call after planning: the approval callback
// returns it, so Execute (and its audit record) is never reached.
var errPlanOnly = errors.New("plan only")

// PlanChange plans a statement through the safety gate — classification,
// the writable session's facts (EXPLAIN, affected-row estimate, engines,
// binlog) and the policy's decision — and stops there: nothing is executed
// and, as nothing was attempted, nothing is audited.
func (w *Workbench) PlanChange(ctx context.Context, cr ConnRequest, sql, source string) (Plan, error) {
	var plan Plan
	_, err := w.change(ctx, cr, safety.Request{Statement: sql, Source: source}, func(p Plan) (Approval, error) {
		plan = p
		return Approval{}, errPlanOnly
	}, nil)
	if errors.Is(err, errPlanOnly) {
		return plan, nil
	}
	return plan, err
}

// AgentChangeRequest is a change an AI agent proposed (over MCP) that a
// human now approves.
type AgentChangeRequest struct {
	Conn ConnRequest
	SQL  string
	// Agent names the agent as its MCP client introduced itself.
	Agent string
	// Approve is the human's answer to the fresh plan, as for Change.
	Approve func(Plan) (Approval, error)
}

// ChangeForAgent runs an agent's proposed change through the gate exactly
// like Change, planned afresh (an approval never carries over from the
// proposal's older plan). The audit log records source "mcp" and the agent
// as the actor, with the OS user who approved it.
func (w *Workbench) ChangeForAgent(ctx context.Context, req AgentChangeRequest) (Outcome, error) {
	agent := AgentName(req.Agent)
	if agent == "" {
		return Outcome{}, fmt.Errorf("%w: a proposed change needs the agent that proposed it", dba.ErrInvalid)
	}
	who := "mcp agent " + agent
	if u := actor(); u != "" {
		who += " (approved by " + u + ")"
	}
	return w.change(ctx, req.Conn, safety.Request{Statement: req.SQL, Source: "mcp", Actor: who}, req.Approve, nil)
}

// AgentName cleans the name an MCP client gives itself for logs and the
// audit: printable characters only, at most 64 of them.
func AgentName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, strings.TrimSpace(s))
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64])
	}
	return s
}
