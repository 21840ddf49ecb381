package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// errWatchDone ends a watch after --count screens.
var errWatchDone = errors.New("watch done")

// withStatusWatch adds --watch and --count to the status command: the
// same screen refreshed every --interval until Ctrl-C. On a terminal the
// screen is redrawn in place; piped, each screen follows the last with a
// time stamp line; -o json writes one JSON object per line.
func (a *app) withStatusWatch(c *cobra.Command) *cobra.Command {
	var watch bool
	var count int
	once := c.RunE
	c.Flags().BoolVarP(&watch, "watch", "w", false, "refresh every --interval until Ctrl-C (a terminal screen redrawn in place; -o json: one object per line)")
	c.Flags().IntVar(&count, "count", 0, "with --watch, stop after `N` screens (0: until Ctrl-C)")
	c.Example += `
  mydba status -c prod --watch
  mydba status -c prod --watch --interval 5s -o json --count 12`
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if !watch {
			if cmd.Flags().Changed("count") {
				return fmt.Errorf("%w: --count needs --watch", dba.ErrInvalid)
			}
			return once(cmd, args)
		}
		if count < 0 {
			return fmt.Errorf("%w: --count %d is negative", dba.ErrInvalid, count)
		}
		if a.output == "csv" {
			return fmt.Errorf("%w: --watch writes table or json, not csv", dba.ErrInvalid)
		}
		interval, err := cmd.Flags().GetDuration("interval")
		if err != nil {
			return err
		}
		wb, err := a.workbench(cmd.Context())
		if err != nil {
			return err
		}
		screen := a.isTerminal()
		bold := func(s string) string { return s }
		if a.colour() {
			bold = func(s string) string { return "\x1b[1m" + s + "\x1b[0m" }
		}
		shown := 0
		err = wb.WatchStatus(cmd.Context(), a.connRequest(), workbench.StatusRequest{Interval: interval}, func(st dba.ServerStatus) error {
			if a.output == "json" {
				b, err := json.Marshal(st)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s\n", b)
			} else {
				if screen {
					// Home and clear: the screen is redrawn in place.
					fmt.Fprint(a.stdout, "\x1b[H\x1b[2J")
				} else if shown > 0 {
					fmt.Fprintln(a.stdout)
				}
				fmt.Fprintln(a.stdout, bold(fmt.Sprintf("mydba status --watch · every %s · %s · Ctrl-C to stop", interval, time.Now().Format("15:04:05"))))
				if err := a.render(a.statusView(st)); err != nil {
					return err
				}
			}
			shown++
			if count > 0 && shown >= count {
				return errWatchDone
			}
			return nil
		})
		if errors.Is(err, errWatchDone) {
			return nil
		}
		return err
	}
	return c
}

// isTerminal says whether stdout is a terminal that understands cursor
// movement.
func (a *app) isTerminal() bool {
	if a.getenv("TERM") == "dumb" {
		return false
	}
	f, ok := a.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
