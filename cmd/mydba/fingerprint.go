package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/sqltext"
)

type fingerprintJSON struct {
	ID          string `json:"id"`
	Fingerprint string `json:"fingerprint"`
	Statement   string `json:"statement"`
}

func (a *app) fingerprintCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "fingerprint [SQL...]",
		Short: "Print the pt-query-digest compatible query ID and fingerprint of statements",
		Long: `Print ID<TAB>fingerprint for each statement. The fingerprint abstracts
literals, lists and comments as pt-query-digest and pt-fingerprint do, and
the ID is pt-query-digest's query ID, so results can be cross-referenced.
Without arguments, statements are read from stdin, one per line (a trailing
';' is ignored). With -o json, one JSON object per statement (NDJSON).`,
		Example: `  mydba fingerprint "SELECT * FROM orders WHERE id = 42"
  mysqlbinlog ... | mydba fingerprint -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Buffered: a log of a million statements must not cost a
			// write system call each.
			out := bufio.NewWriterSize(a.stdout, 64<<10)
			defer out.Flush()
			var fpBuf, idBuf []byte
			emit := func(q string) error {
				q = strings.TrimSpace(q)
				q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
				if q == "" {
					return nil
				}
				fpBuf = sqltext.AppendFingerprint(fpBuf[:0], q)
				idBuf = sqltext.AppendID(idBuf[:0], fpBuf)
				switch a.output {
				case "json":
					return writeNDJSON(out, fingerprintJSON{ID: string(idBuf), Fingerprint: string(fpBuf), Statement: q})
				case "csv":
					return writeCSVRow(out, string(idBuf), string(fpBuf))
				}
				// A bufio.Writer keeps its first error; Flush reports it.
				_, _ = out.Write(idBuf)
				_ = out.WriteByte('\t')
				_, _ = out.Write(fpBuf)
				return out.WriteByte('\n')
			}
			if a.output == "csv" {
				if err := writeCSVRow(out, "id", "fingerprint"); err != nil {
					return err
				}
			}
			if len(args) > 0 {
				for _, q := range args {
					if err := emit(q); err != nil {
						return err
					}
				}
				return nil
			}
			sc := bufio.NewScanner(a.stdin)
			sc.Buffer(make([]byte, 64<<10), 16<<20)
			for sc.Scan() {
				if err := emit(sc.Text()); err != nil {
					return err
				}
			}
			if err := sc.Err(); err != nil {
				return fmt.Errorf("read statements from stdin: %w", err)
			}
			return out.Flush()
		},
	}
}
