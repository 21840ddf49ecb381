package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

type optimizeFlags struct {
	file     string
	question string
	try      int
	proposal string
	apply    bool
}

func (a *app) optimizeCommand() *cobra.Command {
	var f optimizeFlags
	var af assistFlags
	var gf approveFlags
	c := &cobra.Command{
		Use:   "optimize [SQL]",
		Short: "Ask the AI assistant for rewrites and indexes, as proposals; try them with EXPLAIN before/after",
		Long: `Propose how to make a statement faster. mydba explains the statement (it
is never executed), runs its static rules and the plan advisor, reads the
schema of the tables involved, and asks the AI assistant for rewrites and
index DDL grounded in that evidence (see mydba ask --help for what leaves
the machine). Without an AI provider, the plan advisor's own index advice
is listed.

Every rewrite and index is a PROPOSAL, never run by mydba on its own:
  --try N            compare EXPLAIN before and after for proposal N of this
                     answer: a rewrite is explained next to the original
                     (nothing executed); index DDL needs --apply
  --proposal SQL     try this statement instead (no AI call)
  --apply            with --try/--proposal on index DDL: create the index
                     through the safety gate (plan, confirmation as the
                     connection's policy requires, audit with the assistant
                     as the proposer), then explain the original again`,
		Example: `  mydba -c dev optimize "SELECT * FROM shop.orders WHERE status = 'paid' ORDER BY created_at"
  mydba -c dev optimize -f slow.sql --try 1
  mydba -c dev optimize "SELECT ..." --proposal "CREATE INDEX ix_status ON shop.orders (status, created_at)" --apply --yes`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runOptimize(cmd, args, f, af, gf)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.file, "file", "f", "", "read the statement from `FILE` (- for stdin)")
	fl.StringVar(&f.question, "question", "", "add your own words (\"it times out at night\")")
	fl.IntVar(&f.try, "try", 0, "try proposal `N` of the answer: EXPLAIN before and after")
	fl.StringVar(&f.proposal, "proposal", "", "try this `STATEMENT` (a rewrite or index DDL) without asking the assistant")
	fl.BoolVar(&f.apply, "apply", false, "let index DDL run through the safety gate when tried")
	af.register(c)
	gf.register(c)
	return c
}

func (a *app) runOptimize(cmd *cobra.Command, args []string, f optimizeFlags, af assistFlags, gf approveFlags) error {
	ctx := cmd.Context()
	switch {
	case f.try < 0:
		return fmt.Errorf("%w: --try takes a proposal number from 1", dba.ErrInvalid)
	case f.try > 0 && f.proposal != "":
		return fmt.Errorf("%w: give --try N or --proposal SQL, not both", dba.ErrInvalid)
	case f.apply && f.try == 0 && f.proposal == "":
		return fmt.Errorf("%w: --apply goes with --try N or --proposal SQL", dba.ErrInvalid)
	case af.promptOnly && (f.try > 0 || f.proposal != ""):
		return fmt.Errorf("%w: --prompt-only sends nothing and has no proposals to try", dba.ErrInvalid)
	}
	sql, err := a.readSQL(args, f.file)
	if err != nil {
		return err
	}
	wb, err := a.workbench(ctx)
	if err != nil {
		return err
	}
	conn := a.connRequest()
	proposal, by := f.proposal, ""
	if proposal == "" {
		ans, err := wb.Optimize(ctx, workbench.QueryAssistRequest{Conn: conn, SQL: sql, Question: f.question, AssistOptions: a.assistOptions(af)})
		if err != nil {
			return err
		}
		if f.try == 0 {
			return a.renderAnswer(ans)
		}
		if a.output == "table" {
			if err := a.renderAnswer(ans); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout)
		}
		if f.try > len(ans.Proposals) {
			return fmt.Errorf("%w: --try %d: the answer has %d proposals", dba.ErrInvalid, f.try, len(ans.Proposals))
		}
		p := ans.Proposals[f.try-1]
		proposal = p.SQL
		if p.From == "ai" {
			by = ans.Provider + "/" + ans.Model
		}
	}
	res, err := wb.TryProposal(ctx, workbench.TryRequest{Conn: conn, SQL: sql, Proposal: proposal, Apply: f.apply, Approve: a.approver(gf), Source: "cli", By: by})
	if err != nil {
		if errors.Is(err, workbench.ErrRefused) && !a.interactive() {
			return fmt.Errorf("%w (index DDL changes the server: confirm with --yes, or --confirm NAME and --reason TEXT on prod)", err)
		}
		return err
	}
	if a.output == "json" {
		return a.render(view{data: res})
	}
	rec := []field{{"tried", res.Kind + ": " + oneLine(proposal, 160)}}
	if res.Applied != nil {
		rec = append(rec, field{"gate", res.Applied.Status})
	}
	if err := a.render(view{record: rec}); err != nil {
		return err
	}
	a.notes(res.Notes...)
	if res.Diff == nil {
		return nil
	}
	fmt.Fprintln(a.stdout)
	return a.renderPlanDiff(*res.Diff)
}
