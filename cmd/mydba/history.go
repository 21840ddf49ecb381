package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
)

func (a *app) historyCommand() *cobra.Command {
	var f dba.HistoryFilter
	var since time.Duration
	list := func(cmd *cobra.Command, text string) error {
		wb, err := a.workbench(cmd.Context())
		if err != nil {
			return err
		}
		f.Text = text
		if since > 0 {
			f.Since = time.Now().Add(-since)
		}
		es, err := wb.History(cmd.Context(), f)
		if err != nil {
			return err
		}
		if es == nil {
			es = []dba.HistoryEntry{}
		}
		t := table{headers: []string{"ID", "WHEN", "PROFILE", "DURATION", "ROWS", "FLAGS", "STATEMENT"}}
		for _, e := range es {
			flags := ""
			if e.Favourite {
				flags += "*"
			}
			if e.Error != "" {
				flags += "E"
			}
			if len(e.Tags) > 0 {
				flags += " " + strings.Join(e.Tags, ",")
			}
			t.rows = append(t.rows, []string{strconv.FormatInt(e.ID, 10), e.Started.Local().Format(time.DateTime), e.Profile,
				e.Duration.Round(time.Microsecond).String(), strconv.FormatInt(e.Rows, 10), dash(strings.TrimSpace(flags)), historyCell(e.Statement, 80)})
		}
		if len(es) == 0 && a.output == "table" {
			fmt.Fprintln(a.stdout, "no history entries match")
			return nil
		}
		return a.render(view{data: es, tables: []table{t}})
	}
	c := &cobra.Command{
		Use:   "history [TEXT]",
		Short: "Statements mydba ran for you: list, search, favourites, replay",
		Long: `Every statement mydba runs for you is recorded in the state file (passwords
redacted): text, profile, duration, rows, error and time. TEXT searches
statements and tags (full-text for three characters or more).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := ""
			if len(args) == 1 {
				text = args[0]
			}
			return list(cmd, text)
		},
	}
	fs := c.PersistentFlags()
	fs.StringVar(&f.Profile, "profile", "", "only statements run on this profile")
	fs.BoolVar(&f.Favourites, "fav", false, "only favourites")
	fs.StringVar(&f.Tag, "tag", "", "only entries with this tag")
	fs.BoolVar(&f.ErrorsOnly, "errors", false, "only statements that failed")
	fs.DurationVar(&since, "since", 0, "only entries newer than this (e.g. 24h)")
	fs.IntVar(&f.Limit, "limit", 50, "at most this many entries")
	c.AddCommand(&cobra.Command{
		Use:   "search TEXT",
		Short: "Search statements and tags",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return list(cmd, args[0]) },
	})
	c.AddCommand(a.historyShowCommand(), a.historyFavCommand(), a.historyRmCommand(), a.historyReplayCommand())
	return c
}

func parseIDs(args []string) ([]int64, error) {
	ids := make([]int64, 0, len(args))
	for _, s := range args {
		id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%w: history id %q is not a positive number", dba.ErrInvalid, s)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (a *app) historyShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one history entry in full",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			e, err := wb.HistoryEntry(cmd.Context(), ids[0])
			if err != nil {
				return err
			}
			rec := []field{
				{"id", strconv.FormatInt(e.ID, 10)},
				{"when", e.Started.Local().Format(time.DateTime)},
				{"profile", e.Profile},
				{"database", dash(e.Database)},
				{"source", e.Source},
				{"duration", e.Duration.String()},
				{"rows", strconv.FormatInt(e.Rows, 10)},
				{"favourite", strconv.FormatBool(e.Favourite)},
				{"tags", dash(strings.Join(e.Tags, ", "))},
				{"error", dash(e.Error)},
				{"statement", e.Statement},
			}
			return a.render(view{data: e, record: rec})
		},
	}
}

func (a *app) historyFavCommand() *cobra.Command {
	var tags []string
	var remove bool
	c := &cobra.Command{
		Use:     "fav ID",
		Short:   "Mark an entry as favourite, with optional tags (favourites are never pruned)",
		Example: "  mydba history fav 42 --tag slow --tag orders\n  mydba history fav 42 --remove",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			if err := wb.MarkHistory(cmd.Context(), ids[0], !remove, tags); err != nil {
				return err
			}
			if a.output == "table" {
				if remove {
					fmt.Fprintf(a.stdout, "entry %d is no longer a favourite\n", ids[0])
				} else {
					fmt.Fprintf(a.stdout, "entry %d is a favourite\n", ids[0])
				}
			}
			return nil
		},
	}
	c.Flags().StringArrayVar(&tags, "tag", nil, "tag to set (repeatable; replaces existing tags)")
	c.Flags().BoolVar(&remove, "remove", false, "remove the favourite mark (tags are kept only if given)")
	return c
}

func (a *app) historyRmCommand() *cobra.Command {
	var all, withFav bool
	var olderThan time.Duration
	c := &cobra.Command{
		Use:     "rm ID... | --all [--older-than 720h] [--with-favourites]",
		Short:   "Delete history entries",
		Example: "  mydba history rm 41 42\n  mydba history rm --all --older-than 720h",
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			if all || olderThan > 0 {
				if len(args) > 0 {
					return fmt.Errorf("%w: give IDs or --all/--older-than, not both", dba.ErrInvalid)
				}
				n, err := wb.ClearHistory(cmd.Context(), olderThan, withFav)
				if err != nil {
					return err
				}
				if a.output == "table" {
					fmt.Fprintf(a.stdout, "deleted %d entries\n", n)
				}
				return nil
			}
			if len(args) == 0 {
				return fmt.Errorf("%w: give entry IDs, or --all", dba.ErrInvalid)
			}
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			if err := wb.DeleteHistory(cmd.Context(), ids); err != nil {
				return err
			}
			if a.output == "table" {
				fmt.Fprintf(a.stdout, "deleted %d entries\n", len(ids))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&all, "all", false, "delete every entry (favourites kept unless --with-favourites)")
	c.Flags().DurationVar(&olderThan, "older-than", 0, "delete entries older than this")
	c.Flags().BoolVar(&withFav, "with-favourites", false, "also delete favourites")
	return c
}

// historyCell flattens whitespace and cuts long text for table cells.
func historyCell(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (a *app) historyReplayCommand() *cobra.Command {
	var f queryFlags
	c := &cobra.Command{
		Use:   "replay ID",
		Short: "Run a recorded statement again (on its profile unless --conn/--dsn is given)",
		Long: `Run a history entry's statement again through the same read path as
mydba query: only reads and session statements run. Without --conn or
--dsn it runs on the profile it was recorded on. The run is recorded as a
new history entry.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			e, err := wb.HistoryEntry(cmd.Context(), ids[0])
			if err != nil {
				return err
			}
			if a.conn == "" && a.dsn == "" {
				if e.Profile == "(dsn)" {
					return fmt.Errorf("%w: entry %d ran on an ad-hoc --dsn connection; give --conn or --dsn to replay it", dba.ErrInvalid, e.ID)
				}
				a.conn = e.Profile
			}
			return a.runQuery(cmd, []string{e.Statement}, f)
		},
	}
	a.registerQueryFlags(c, &f)
	return c
}
