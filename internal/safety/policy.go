// Package safety is mydba's one write path: every statement that can change
// a server — DML, DDL, accounts, SET GLOBAL, KILL, replication control —
// is classified, turned into a plan, checked against the policy of the
// connection's environment, approved, executed and audited here. The CLI,
// the web UI and the MCP server all reach it through the workbench, so they
// get the same decisions. It never opens a connection itself: the engine
// side is the Target interface, the audit log the Auditor interface.
package safety

import (
	"fmt"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
)

// EnvPolicy is how much approval changes need in one environment.
type EnvPolicy struct {
	// ConfirmWrites: every change asks for confirmation.
	ConfirmWrites bool `json:"confirm_writes"`
	// ConfirmDestructive: high and critical risk changes ask for
	// confirmation (implied by ConfirmWrites).
	ConfirmDestructive bool `json:"confirm_destructive"`
	// TypeName: confirming means typing the connection's name back.
	TypeName bool `json:"type_name"`
	// RequireReason: the approval must give a reason, kept in the audit log.
	RequireReason bool `json:"require_reason"`
	// MaxRows refuses DML that would touch more rows (0: no limit). It is
	// checked on the plan's count and again on the rows actually affected,
	// inside the transaction, before it commits.
	MaxRows int64 `json:"max_rows"`
	// AllowCritical lets critical statements (DROP, TRUNCATE, GRANT,
	// SHUTDOWN, PURGE ...) run at all.
	AllowCritical bool `json:"allow_critical"`
	// Blocked refuses every change.
	Blocked bool `json:"blocked"`
}

// Policy maps environments to their rules.
type Policy map[dba.Env]EnvPolicy

// DefaultPolicy is the policy without configuration: dev — changes run,
// destructive ones ask; staging — every change asks; prod — every change
// needs the connection name typed back and a reason, DML over 1,000 rows
// and critical statements are refused.
func DefaultPolicy() Policy {
	return Policy{
		dba.EnvDev:     {ConfirmDestructive: true, AllowCritical: true},
		dba.EnvStaging: {ConfirmWrites: true, ConfirmDestructive: true, AllowCritical: true},
		dba.EnvProd:    {ConfirmWrites: true, ConfirmDestructive: true, TypeName: true, RequireReason: true, MaxRows: 1000},
	}
}

// For returns the rules of env; an unknown environment gets prod's.
func (p Policy) For(env dba.Env) EnvPolicy {
	if ep, ok := p[env]; ok {
		return ep
	}
	return DefaultPolicy()[dba.EnvProd]
}

// Verdict is the policy's answer to a plan.
type Verdict string

// Verdicts.
const (
	Allow   Verdict = "allow"   // runs without asking
	Confirm Verdict = "confirm" // runs after the approval the decision names
	Refuse  Verdict = "refuse"  // does not run, whatever the approval
)

// Decision is what a plan needs before it may run.
type Decision struct {
	Verdict Verdict `json:"verdict"`
	// TypeName and Reason are required parts of the approval.
	TypeName bool `json:"type_name,omitempty"`
	Reason   bool `json:"reason,omitempty"`
	// Why explains the verdict, one sentence per rule that applied.
	Why []string `json:"why"`
}

// decide applies the environment's rules to a plan.
func decide(ep EnvPolicy, env dba.Env, p Plan) Decision {
	cl := p.Class
	d := Decision{Verdict: Allow}
	refuse := func(why string) {
		d.Verdict = Refuse
		d.Why = append(d.Why, why)
	}
	switch {
	case ep.Blocked:
		refuse(fmt.Sprintf("changes are blocked on %s connections", env))
	case cl.Class == sqltext.ClassRead && !cl.Locks:
		d.Why = append(d.Why, "a read: it changes nothing")
		return d
	case cl.Risk == sqltext.RiskCritical && !ep.AllowCritical:
		refuse(fmt.Sprintf("%s risk statements are refused on %s connections (%s)", cl.Risk, env, riskReason(cl)))
	}
	if ep.MaxRows > 0 && cl.Class == sqltext.ClassWrite && p.Rows > ep.MaxRows {
		refuse(fmt.Sprintf("it would touch %d rows; %s connections allow at most %d per statement", p.Rows, env, ep.MaxRows))
	}
	if ep.MaxRows > 0 && cl.Class == sqltext.ClassWrite && p.Rows < 0 {
		refuse(fmt.Sprintf("the rows it would touch could not be counted, and %s connections allow at most %d", env, ep.MaxRows))
	}
	if d.Verdict == Refuse {
		return d
	}
	if ep.ConfirmWrites || (ep.ConfirmDestructive && cl.Risk.AtLeast(sqltext.RiskHigh)) {
		d.Verdict = Confirm
		d.TypeName, d.Reason = ep.TypeName, ep.RequireReason
		if ep.ConfirmWrites {
			d.Why = append(d.Why, fmt.Sprintf("every change on %s connections is confirmed", env))
		} else {
			d.Why = append(d.Why, fmt.Sprintf("%s risk: %s", cl.Risk, riskReason(cl)))
		}
		return d
	}
	d.Why = append(d.Why, fmt.Sprintf("%s risk changes run without asking on %s connections", cl.Risk, env))
	return d
}

func riskReason(cl sqltext.Classification) string {
	if cl.RiskReason != "" {
		return cl.RiskReason
	}
	return cl.Reason
}
