package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// approveFlags answer the safety gate without a prompt, for scripts.
type approveFlags struct {
	dryRun   bool
	yes      bool
	rollback bool
	confirm  string
	reason   string
}

func (af *approveFlags) register(c *cobra.Command) {
	fs := c.Flags()
	fs.BoolVar(&af.dryRun, "dry-run", false, "show the plan and change nothing (the attempt is audited)")
	fs.BoolVar(&af.yes, "yes", false, "confirm without a prompt")
	fs.StringVar(&af.confirm, "confirm", "", "confirm by giving the connection `NAME` (required on prod)")
	fs.StringVar(&af.reason, "reason", "", "why this change is made, kept in the audit log (required on prod)")
	fs.BoolVar(&af.rollback, "rollback", false, "run a transactional change and roll it back, to see its effect")
}

func (a *app) interactive() bool {
	f, ok := a.stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// approver shows the plan and answers it from the flags, asking on the
// terminal for what the flags do not give. Without a terminal nothing is
// asked: a script that gives no flags gets a refusal, never a change.
func (a *app) approver(af approveFlags) func(workbench.Plan) (workbench.Approval, error) {
	return func(p workbench.Plan) (workbench.Approval, error) {
		ap := workbench.Approval{DryRun: af.dryRun, Rollback: af.rollback, Reason: af.reason, TypedName: af.confirm}
		ap.Confirmed = af.yes || af.confirm != ""
		planOut := a.stdout
		if a.output != "table" {
			planOut = a.stderr
		}
		a.printPlan(planOut, p)
		d := p.Decision
		if d.Verdict != workbench.VerdictConfirm || af.dryRun || !a.interactive() {
			return ap, nil
		}
		in := bufio.NewReader(a.stdin)
		ask := func(q string) (string, error) {
			fmt.Fprint(a.stderr, q)
			line, err := in.ReadString('\n')
			if err != nil && line == "" {
				return "", fmt.Errorf("read the answer: %w", err)
			}
			return strings.TrimSpace(line), nil
		}
		switch {
		case d.TypeName && ap.TypedName == "":
			name, err := ask(fmt.Sprintf("Type the connection name (%s) to run this change: ", p.Profile))
			if err != nil {
				return ap, err
			}
			ap.TypedName, ap.Confirmed = name, name != ""
		case !ap.Confirmed:
			yn, err := ask("Run this change? [y/N] ")
			if err != nil {
				return ap, err
			}
			ap.Confirmed = strings.EqualFold(yn, "y") || strings.EqualFold(yn, "yes")
		}
		if d.Reason && strings.TrimSpace(ap.Reason) == "" && ap.Confirmed {
			r, err := ask("Reason (kept in the audit log): ")
			if err != nil {
				return ap, err
			}
			ap.Reason = r
		}
		return ap, nil
	}
}

func (a *app) printPlan(w interface{ Write([]byte) (int, error) }, p workbench.Plan) {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	fmt.Fprintf(w, "Plan for %s (%s) on %s %s\n", p.Profile, a.envBadge(p.Env), p.Server.Flavor, p.Server.Version)
	fmt.Fprintf(w, "  statement:   %s\n", p.Statement)
	fmt.Fprintf(w, "  class:       %s, %s risk", p.Class.Class, p.Class.Risk)
	if p.Class.Kind != "" {
		fmt.Fprintf(w, " (%s)", p.Class.Kind)
	}
	fmt.Fprintln(w)
	for _, r := range p.Class.Reasons {
		fmt.Fprintf(w, "               - %s\n", r)
	}
	if len(p.Class.Objects) > 0 {
		var objs []string
		for _, o := range p.Class.Objects {
			name := o.Name
			if o.Schema != "" {
				name = o.Schema + "." + name
			}
			objs = append(objs, fmt.Sprintf("%s %s (%s)", o.Type, name, o.Access))
		}
		fmt.Fprintf(w, "  objects:     %s\n", strings.Join(objs, ", "))
	}
	if p.Rows >= 0 {
		how := "estimated"
		if p.RowsExact {
			how = "counted"
		}
		fmt.Fprintf(w, "  rows:        %d (%s)\n", p.Rows, how)
	}
	if p.RowsNote != "" {
		fmt.Fprintf(w, "               %s\n", p.RowsNote)
	}
	fmt.Fprintf(w, "  replicated:  %s\n", yes(p.Replicated))
	fmt.Fprintf(w, "  runs:        %s\n", p.ModeText)
	for _, n := range p.Notes {
		fmt.Fprintf(w, "  note:        %s\n", n)
	}
	for i, l := range p.Explain {
		label := "  explain:     "
		if i > 0 {
			label = "               "
		}
		fmt.Fprintf(w, "%s%s\n", label, l)
	}
	d := p.Decision
	need := ""
	if d.Verdict == workbench.VerdictConfirm {
		parts := []string{"confirmation"}
		if d.TypeName {
			parts = append(parts, "the connection name typed back (--confirm "+p.Profile+")")
		}
		if d.Reason {
			parts = append(parts, "a reason (--reason)")
		}
		need = " — needs " + strings.Join(parts, ", ")
	}
	fmt.Fprintf(w, "  decision:    %s%s\n", d.Verdict, need)
	for _, why := range d.Why {
		fmt.Fprintf(w, "               - %s\n", why)
	}
}

// showOutcome prints what the gate did and maps refusals to a hint for
// scripts.
func (a *app) showOutcome(out workbench.Outcome, err error) error {
	if a.output == "json" {
		if rerr := a.render(view{data: out}); rerr != nil {
			return rerr
		}
	} else {
		switch out.Status {
		case "executed":
			fmt.Fprintf(a.stdout, "executed: %d rows affected in %s\n", out.Result.RowsAffected, out.Result.Duration.Round(time.Microsecond))
		case "rolled back":
			fmt.Fprintf(a.stdout, "rolled back: %d rows would have been affected (%s); nothing was changed\n", out.Result.RowsAffected, out.Result.Duration.Round(time.Microsecond))
		case "dry run":
			fmt.Fprintln(a.stdout, "dry run: nothing was sent to the server")
		}
		for _, w := range out.Result.Warnings {
			fmt.Fprintf(a.stdout, "warning: %s\n", w)
		}
	}
	if err != nil && errors.Is(err, workbench.ErrRefused) && out.Plan.Decision.Verdict == workbench.VerdictConfirm && !a.interactive() {
		return fmt.Errorf("%w (not on a terminal: confirm with --yes, or --confirm %s and --reason TEXT on prod)", err, out.Plan.Profile)
	}
	return err
}

func (a *app) execCommand() *cobra.Command {
	var af approveFlags
	var file string
	c := &cobra.Command{
		Use:   "exec [SQL]",
		Short: "Change the server through the safety gate: plan, approve, execute, audit",
		Long: `Run one statement that may change the server (DML, DDL, accounts, SET GLOBAL,
...) through the safety gate. mydba first shows a plan: the statement's
class and risk, the objects it touches, EXPLAIN, the exact number of rows it
would touch, whether it is replicated and whether it can be rolled back.
The connection's environment decides what approval it needs:

  dev      changes run; high and critical risk ones ask for confirmation
  staging  every change asks for confirmation
  prod     every change needs the connection name typed back and a reason;
           DML over 1,000 rows and critical statements are refused

On a terminal mydba asks; in scripts give --yes, or --confirm NAME and
--reason TEXT. --dry-run shows the plan and changes nothing. Transactional
DML runs in a transaction that is committed only after the affected rows
are checked; --rollback runs it and rolls it back. Every attempt, refused
or not, is written to the audit log (mydba audit).`,
		Example: `  mydba -c dev exec "UPDATE shop.orders SET status = 'paid' WHERE id = 42"
  mydba -c prod exec --dry-run "DELETE FROM shop.sessions WHERE expires < NOW()"
  mydba -c prod exec --confirm prod --reason "ticket 1234" "UPDATE ..."`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sql, err := a.readSQL(args, file)
			if err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			out, err := wb.Change(cmd.Context(), workbench.ChangeRequest{Conn: a.connRequest(), SQL: sql, Source: "cli", Approve: a.approver(af)})
			if out.Plan.Profile == "" && err != nil {
				return err
			}
			return a.showOutcome(out, err)
		},
	}
	c.Flags().StringVarP(&file, "file", "f", "", "read the statement from `FILE` (- for stdin)")
	af.register(c)
	return c
}

func (a *app) killCommand() *cobra.Command {
	var af approveFlags
	var query bool
	c := &cobra.Command{
		Use:   "kill ID",
		Short: "Stop a session (or only its statement, --query) through the safety gate",
		Example: `  mydba -c prod ps --active
  mydba -c prod kill 1234 --query --confirm prod --reason "runaway report"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%w: session id %q is not a positive number", dba.ErrInvalid, args[0])
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			out, err := wb.Kill(cmd.Context(), workbench.KillRequest{Conn: a.connRequest(), ID: id, QueryOnly: query, Source: "cli", Approve: a.approver(af)})
			if out.Plan.Profile == "" && err != nil {
				return err
			}
			return a.showOutcome(out, err)
		},
	}
	c.Flags().BoolVar(&query, "query", false, "stop only the running statement, keep the connection")
	af.register(c)
	return c
}

func (a *app) setCommand() *cobra.Command {
	var af approveFlags
	var global, session, persist, undo bool
	c := &cobra.Command{
		Use:   "set NAME=VALUE | --undo",
		Short: "Change a global variable through the safety gate, with validation and undo",
		Long: `Change a server variable. The new value is checked against the server's
own metadata first — type, range, allowed values, read-only, scope — and
sizes like 512M are expanded. The change goes through the safety gate, and
the old value is kept so --undo can put it back (also through the gate).
--persist (MySQL only) keeps the value across restarts; MariaDB has none.`,
		Example: `  mydba -c dev set max_connections=500
  mydba -c dev set --undo`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			if undo {
				if len(args) > 0 {
					return fmt.Errorf("%w: --undo takes no NAME=VALUE", dba.ErrInvalid)
				}
				out, err := wb.UndoVariable(cmd.Context(), a.connRequest(), "cli", a.approver(af))
				if out.Plan.Profile == "" && err != nil {
					return err
				}
				return a.showOutcome(out, err)
			}
			if len(args) != 1 {
				return fmt.Errorf("%w: give NAME=VALUE (or --undo)", dba.ErrInvalid)
			}
			name, value, ok := strings.Cut(args[0], "=")
			if !ok || strings.TrimSpace(name) == "" {
				return fmt.Errorf("%w: %q: want NAME=VALUE", dba.ErrInvalid, args[0])
			}
			scope := "global"
			switch {
			case boolCount(global, session, persist) > 1:
				return fmt.Errorf("%w: give one of --global, --session, --persist", dba.ErrInvalid)
			case session:
				scope = "session"
			case persist:
				scope = "persist"
			}
			out, err := wb.SetVariable(cmd.Context(), workbench.SetRequest{Conn: a.connRequest(), Name: name, Value: value, Scope: scope, Source: "cli", Approve: a.approver(af)})
			if out.Plan.Profile == "" && err != nil {
				return err
			}
			return a.showOutcome(out, err)
		},
	}
	c.Flags().BoolVar(&global, "global", false, "change the global value (default)")
	c.Flags().BoolVar(&session, "session", false, "explain how to change a session value")
	c.Flags().BoolVar(&persist, "persist", false, "MySQL: SET PERSIST, kept across restarts")
	c.Flags().BoolVar(&undo, "undo", false, "put back the value the last change on this connection replaced")
	af.register(c)
	return c
}

func boolCount(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
